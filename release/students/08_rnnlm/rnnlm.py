"""A word-level RNN language model, trained with truncated backpropagation through time.

The model reads a corpus of word ids and, at every step, scores which word
comes next: TimeEmbedding -> TimeRNN (stateful) -> TimeAffine ->
TimeSoftmaxWithLoss. It is trained on consecutive windows of the corpus, the
hidden state carried from one window to the next while the gradients stop at
the window's edge (truncated BPTT), and judged by its perplexity. `bptt` is
the same idea on one sentence, in the notation of the RNNNumpy tutorial.

The time layers of 06_time_rnn come first: paste yours. They are not graded
again here (while SimpleRnnlm is graded, the reference layers take their place).
"""

import numpy as np


CORPUS = """
you say goodbye and i say hello .
you say yes and i say no .
you say stop and i say go .
she says hello and he says goodbye .
we say yes and they say no .
you say high and i say low .
he says go and she says stop .
they say hello and we say goodbye .
i say yes and you say no .
you say goodbye and i say hello .
she says stop and he says go .
we say high and they say low .
i say hello and you say goodbye .
he says yes and she says no .
they say go and we say stop .
you say low and i say high .
she says goodbye and he says hello .
i say stop and you say go .
we say no and they say yes .
he says high and she says low .
you say hello and i say goodbye .
they say yes and we say no .
i say go and you say stop .
she says no and he says yes .
we say goodbye and they say hello .
you say no and i say yes .
he says low and she says high .
i say goodbye and you say hello .
they say stop and we say go .
she says yes and he says no .
you say go and i say stop .
we say hello and they say goodbye .
he says stop and she says go .
i say high and you say low .
they say no and we say yes .
she says high and he says low .
you say yes and i say no .
i say low and you say high .
we say stop and they say go .
he says hello and she says goodbye .
"""


def load_corpus(text=CORPUS):
    """The word ids of a text of words separated by spaces (by default the corpus above).

    Returns (corpus, word_to_id, id_to_word): corpus, the word ids of the text
    in order, an int array of shape (L,); ids are given in order of first
    appearance, from 0.
    """
    word_to_id, id_to_word, ids = {}, {}, []
    for word in text.split():
        if word not in word_to_id:
            word_to_id[word] = len(word_to_id)
            id_to_word[word_to_id[word]] = word
        ids.append(word_to_id[word])
    return np.array(ids), word_to_id, id_to_word


# -- The time layers of 06_time_rnn: paste yours ------------------------------------

class RNN:
    """One tanh RNN step for a batch (paste your 05_rnn_cell / 06_time_rnn RNN).

    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: bias, of shape (H,)
    """

    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        """One step forward (paste yours from 06_time_rnn).

        - x: inputs of this step, of shape (N, D)
        - h_prev: hidden state of the previous step, of shape (N, H)
        Returns h_next = tanh(h_prev @ Wh + x @ Wx + b), of shape (N, H).
        """
        raise NotImplementedError("08_rnnlm: implement RNN.forward")

    def backward(self, dh_next):
        """Gradients of one step (paste yours from 06_time_rnn).

        - dh_next: upstream gradient dL/dh_next, of shape (N, H)
        Returns (dx, dh_prev): dx of shape (N, D), dh_prev of shape (N, H).
        Writes dWx (D, H), dWh (H, H) and db (H,) into self.grads in place.
        """
        raise NotImplementedError("08_rnnlm: implement RNN.backward")


class Embedding:
    """Word embedding: picks row idx[n] of W for each n.

    - W: the embedding matrix, of shape (V, D): one row of size D per word id in 0..V-1
    """

    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        """Look up the rows of W; keep idx in self.idx.

        - idx: word ids, integers in 0..V-1, of shape (N,)
        Returns out = W[idx], of shape (N, D).
        """
        raise NotImplementedError("08_rnnlm: implement Embedding.forward")

    def backward(self, dout):
        """Gradient of W: row idx[n] of dW receives dout[n], summed over repeated ids.

        - dout: upstream gradient, of shape (N, D)
        Returns None (the ids have no gradient). Writes dW (V, D) into
        self.grads[0] in place: zero it, then add (np.add.at).
        """
        raise NotImplementedError("08_rnnlm: implement Embedding.backward")


class TimeEmbedding:
    """Embedding at every time step, with one shared W.

    - W: the embedding matrix, of shape (V, D)
    """

    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W

    def forward(self, xs):
        """Embed every step: one Embedding layer per time step, kept in self.layers.

        - xs: word ids, integers in 0..V-1, of shape (N, T)
        Returns out, of shape (N, T, D), with out[:, t, :] = W[xs[:, t]].
        """
        raise NotImplementedError("08_rnnlm: implement TimeEmbedding.forward")

    def backward(self, dout):
        """Gradient of W, summed over the time steps.

        - dout: upstream gradient, of shape (N, T, D)
        Returns None. Writes dW (V, D) into self.grads[0] in place.
        """
        raise NotImplementedError("08_rnnlm: implement TimeEmbedding.backward")


class TimeRNN:
    """T RNN steps sharing Wx, Wh, b: hs[:, t, :] = tanh(h_(t-1) @ Wh + xs[:, t, :] @ Wx + b).

    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: bias, of shape (H,)
    - stateful: when True, each forward starts from the hidden state the
      previous forward ended with (self.h); when False, from zeros
    Attributes: self.h, the last hidden state (N, H) or None; self.dh, the
    gradient with respect to the initial hidden state (N, H) after backward.
    """

    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful

    def forward(self, xs):
        """Run T steps, one RNN layer per step (kept in self.layers).

        - xs: inputs, of shape (N, T, D)
        Returns hs, of shape (N, T, H): the hidden state after every step.
        The initial state h_0 is self.h when stateful and self.h is not None,
        else zeros of shape (N, H). Afterwards self.h is the last hidden state.
        """
        raise NotImplementedError("08_rnnlm: implement TimeRNN.forward")

    def backward(self, dhs):
        """Backpropagation through time, from the last step to the first.

        - dhs: upstream gradient dL/dhs, of shape (N, T, H)
        Returns dxs, of shape (N, T, D). At step t the cell receives
        dhs[:, t, :] plus the dh_prev of step t + 1. Writes dWx, dWh, db, each
        summed over the T steps, into self.grads in place, and sets self.dh to
        the gradient with respect to the initial hidden state, of shape (N, H).
        """
        raise NotImplementedError("08_rnnlm: implement TimeRNN.backward")

    def set_state(self, h):
        """Set the hidden state a stateful forward starts from.

        - h: hidden state, of shape (N, H)
        """
        raise NotImplementedError("08_rnnlm: implement TimeRNN.set_state")

    def reset_state(self):
        """Forget the hidden state: the next forward starts from zeros."""
        raise NotImplementedError("08_rnnlm: implement TimeRNN.reset_state")


class TimeAffine:
    """The same affine map at every time step: out[:, t, :] = x[:, t, :] @ W + b.

    - W: weights, of shape (D, M)
    - b: bias, of shape (M,)
    """

    def __init__(self, W, b):
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.x = None

    def forward(self, x):
        """Apply the affine map to all N * T rows at once; keep x in self.x.

        - x: inputs, of shape (N, T, D)
        Returns out, of shape (N, T, M).
        """
        raise NotImplementedError("08_rnnlm: implement TimeAffine.forward")

    def backward(self, dout):
        """Gradients, summed over the batch and the time steps.

        - dout: upstream gradient, of shape (N, T, M)
        Returns dx, of shape (N, T, D). Writes dW (D, M) and db (M,) into
        self.grads[0] and self.grads[1] in place.
        """
        raise NotImplementedError("08_rnnlm: implement TimeAffine.backward")


# -- The language model ----------------------------------------------------------------

class TimeSoftmaxWithLoss:
    """Softmax and cross-entropy at every time step, averaged over the targets that count.

    A target equal to self.ignore_label (-1) costs nothing and gets no gradient.
    """

    def __init__(self):
        self.params, self.grads = [], []
        self.cache = None
        self.ignore_label = -1

    def forward(self, xs, ts):
        """The mean cross-entropy over the N * T targets that are not ignored.

        - xs: scores, of shape (N, T, V)
        - ts: target word ids, integers in 0..V-1 or -1 (ignored), of shape (N, T)
        Returns the loss, a single number: -sum(log y[n, t, ts[n, t]]) / K over
        the K targets that are not -1, with y = softmax(xs) over the last axis.
        """
        raise NotImplementedError("08_rnnlm: implement TimeSoftmaxWithLoss.forward")

    def backward(self, dout=1):
        """Gradient of the loss with respect to the scores.

        - dout: upstream gradient, a number (1 when the loss is the end)
        Returns dxs, of shape (N, T, V): dout * (y - onehot(t)) / K at the K
        targets that count, zero in the rows whose target is -1.
        """
        raise NotImplementedError("08_rnnlm: implement TimeSoftmaxWithLoss.backward")


class SimpleRnnlm:
    """TimeEmbedding -> TimeRNN (stateful) -> TimeAffine -> TimeSoftmaxWithLoss.

    - vocab_size: V, the number of distinct word ids
    - wordvec_size: D, the size of a word vector
    - hidden_size: H, the size of the hidden state
    - seed: the parameters are drawn from np.random.RandomState(seed), in the
      order below, so that the same seed gives the same model
    params = [embed W (V, D), Wx (D, H), Wh (H, H), b (H,), affine W (H, V),
    affine b (V,)], the layers' own arrays; grads, one array of each shape, in
    the same order, the layers' own gradient arrays.
    """

    def __init__(self, vocab_size, wordvec_size, hidden_size, seed=0):
        """Draw the parameters (given), then build the layers and the params and grads lists.

        Sets self.layers = [TimeEmbedding(embed_W), TimeRNN(rnn_Wx, rnn_Wh,
        rnn_b, stateful=True), TimeAffine(affine_W, affine_b)], self.loss_layer
        = TimeSoftmaxWithLoss(), and self.params / self.grads, the layers'
        own lists joined in that order.
        """
        V, D, H = vocab_size, wordvec_size, hidden_size
        rn = np.random.RandomState(seed).randn
        embed_W = rn(V, D) / 100
        rnn_Wx = rn(D, H) / np.sqrt(D)
        rnn_Wh = rn(H, H) / np.sqrt(H)
        rnn_b = np.zeros(H)
        affine_W = rn(H, V) / np.sqrt(H)
        affine_b = np.zeros(V)
        raise NotImplementedError("08_rnnlm: implement SimpleRnnlm.__init__")

    def forward(self, xs, ts):
        """The mean loss of predicting ts from xs, carrying the hidden state on.

        - xs: input word ids, of shape (N, T)
        - ts: target word ids (the next words), of shape (N, T)
        Returns the loss, a single number. The hidden state starts where the
        previous forward ended (zeros after reset_state or at first).
        """
        raise NotImplementedError("08_rnnlm: implement SimpleRnnlm.forward")

    def backward(self, dout=1):
        """Backpropagation through the four layers (through time within the window).

        - dout: upstream gradient of the loss, a number
        Writes every gradient into self.grads in place (the layers do).
        Returns None.
        """
        raise NotImplementedError("08_rnnlm: implement SimpleRnnlm.backward")

    def reset_state(self):
        """Forget the hidden state: the next forward starts from zeros."""
        raise NotImplementedError("08_rnnlm: implement SimpleRnnlm.reset_state")


def truncated_batches(corpus, batch_size, time_size):
    """The consecutive windows of one epoch: row i of every batch reads the corpus from its own offset.

    - corpus: word ids, of shape (L,)
    - batch_size: N, the number of rows
    - time_size: T, the length of a window
    With jump = (L - 1) // N and K = (L - 1) // (N * T), returns a list of K
    pairs (xs, ts), each of two int arrays of shape (N, T), for k = 0 .. K-1:
        xs[i, t] = corpus[i * jump + k * T + t]
        ts[i, t] = corpus[i * jump + k * T + t + 1]
    """
    raise NotImplementedError("08_rnnlm: implement truncated_batches")


def perplexity(model, corpus, batch_size, time_size):
    """The model's perplexity on a corpus, read window by window from a fresh state.

    - model: a SimpleRnnlm
    - corpus: word ids, of shape (L,)
    - batch_size, time_size: N and T of truncated_batches
    Calls model.reset_state(), then model.forward(xs, ts) on every window of
    truncated_batches(corpus, N, T) in order (no backward). Returns
    exp(mean of the K window losses), a float.
    """
    raise NotImplementedError("08_rnnlm: implement perplexity")


def train(model, corpus, batch_size, time_size, lr, epochs):
    """Train by plain SGD on the windows of truncated_batches; the perplexity of every epoch.

    - model: a SimpleRnnlm; corpus: word ids (L,)
    - batch_size, time_size: N and T; lr: the learning rate; epochs: how many
    Each epoch calls model.reset_state() once, then for every window in order:
    loss = model.forward(xs, ts), model.backward(), and param -= lr * grad for
    every array of model.params, in place. Returns the list of the epochs'
    perplexities, exp(mean of that epoch's K window losses), each computed
    before the window's update, as floats.
    """
    raise NotImplementedError("08_rnnlm: implement train")


def bptt(U, V, W, x, y, truncate):
    """Gradients of a one-sentence RNN's total loss, backpropagated at most `truncate` steps back.

    The RNNNumpy tutorial's model, with H hidden units and a vocabulary of C words:
        s_t = tanh(U[:, x_t] + W @ s_(t-1)),  s_(-1) = 0       (H,)
        o_t = softmax(V @ s_t)                                  (C,)
        L = sum over t of -log o_t[y_t]
    - U: input weights, of shape (H, C); V: output weights, of shape (C, H);
      W: recurrent weights, of shape (H, H)
    - x, y: the input and target word ids, sequences of T ints
    - truncate: each L_t sends its gradient back through steps t, t-1, ...,
      max(0, t - truncate) and no further
    Returns (dU, dV, dW), of the shapes of U, V and W.
    """
    raise NotImplementedError("08_rnnlm: implement bptt")
