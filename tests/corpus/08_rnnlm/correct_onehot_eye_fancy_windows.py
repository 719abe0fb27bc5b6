# correct: one-hot targets from np.eye masked by the kept rows, log-softmax, named layer attributes, fancy-indexed windows (int64), np.subtract(out=) updates, dict states and while loops in bptt
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
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        t = np.dot(h_prev, Wh) + np.dot(x, Wx) + b
        h_next = np.tanh(t)
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        dt = dh_next * (1 - h_next ** 2)
        db = np.sum(dt, axis=0)
        dWh = np.dot(h_prev.T, dt)
        dh_prev = np.dot(dt, Wh.T)
        dWx = np.dot(x.T, dt)
        dx = np.dot(dt, Wx.T)
        self.grads[0][...] = dWx
        self.grads[1][...] = dWh
        self.grads[2][...] = db
        return dx, dh_prev


class Embedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        W, = self.params
        self.idx = idx
        out = W[idx]
        return out

    def backward(self, dout):
        dW, = self.grads
        dW[...] = 0
        np.add.at(dW, self.idx, dout)
        return None


class TimeEmbedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W

    def forward(self, xs):
        N, T = xs.shape
        V, D = self.W.shape
        out = np.empty((N, T, D))
        self.layers = []
        for t in range(T):
            layer = Embedding(self.W)
            out[:, t, :] = layer.forward(xs[:, t])
            self.layers.append(layer)
        return out

    def backward(self, dout):
        N, T, D = dout.shape
        grad = 0
        for t in range(T):
            layer = self.layers[t]
            layer.backward(dout[:, t, :])
            grad += layer.grads[0]
        self.grads[0][...] = grad
        return None


class TimeRNN:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful

    def forward(self, xs):
        Wx, Wh, b = self.params
        N, T, D = xs.shape
        D, H = Wx.shape
        self.layers = []
        hs = np.empty((N, T, H))
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H))
        for t in range(T):
            layer = RNN(*self.params)
            self.h = layer.forward(xs[:, t, :], self.h)
            hs[:, t, :] = self.h
            self.layers.append(layer)
        return hs

    def backward(self, dhs):
        Wx, Wh, b = self.params
        N, T, H = dhs.shape
        D, H = Wx.shape
        dxs = np.empty((N, T, D))
        dh = 0
        grads = [0, 0, 0]
        for t in reversed(range(T)):
            layer = self.layers[t]
            dx, dh = layer.backward(dhs[:, t, :] + dh)
            dxs[:, t, :] = dx
            for i, grad in enumerate(layer.grads):
                grads[i] += grad
        for i, grad in enumerate(grads):
            self.grads[i][...] = grad
        self.dh = dh
        return dxs

    def set_state(self, h):
        self.h = h

    def reset_state(self):
        self.h = None


class TimeAffine:
    def __init__(self, W, b):
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.x = None

    def forward(self, x):
        N, T, D = x.shape
        W, b = self.params
        rx = x.reshape(N * T, -1)
        out = np.dot(rx, W) + b
        self.x = x
        return out.reshape(N, T, -1)

    def backward(self, dout):
        x = self.x
        N, T, D = x.shape
        W, b = self.params
        dout = dout.reshape(N * T, -1)
        rx = x.reshape(N * T, -1)
        db = np.sum(dout, axis=0)
        dW = np.dot(rx.T, dout)
        dx = np.dot(dout, W.T)
        dx = dx.reshape(*x.shape)
        self.grads[0][...] = dW
        self.grads[1][...] = db
        return dx


# -- The language model ----------------------------------------------------------------

class TimeSoftmaxWithLoss:
    def __init__(self):
        self.params, self.grads = [], []
        self.cache = None
        self.ignore_label = -1

    def forward(self, xs, ts):
        N, T, V = xs.shape
        flat = xs.reshape(N * T, V)
        targets = np.asarray(ts).reshape(N * T).astype(np.int64)   # a copy, any signed dtype
        keep = targets != self.ignore_label
        onehot = np.eye(V)[np.where(keep, targets, 0)] * keep[:, None]
        shifted = flat - flat.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        count = int(keep.sum())
        loss = -(onehot * log_probs).sum() / count
        self.cache = (np.exp(log_probs), onehot, keep, count, xs.shape)
        return float(loss)

    def backward(self, dout=1):
        probs, onehot, keep, count, shape = self.cache
        dx = (probs - onehot) * keep[:, None] * (dout / count)
        return dx.reshape(shape)


class SimpleRnnlm:
    def __init__(self, vocab_size, wordvec_size, hidden_size, seed=0):
        V, D, H = vocab_size, wordvec_size, hidden_size
        rn = np.random.RandomState(seed).randn
        embed_W = rn(V, D) / 100
        rnn_Wx = rn(D, H) / np.sqrt(D)
        rnn_Wh = rn(H, H) / np.sqrt(H)
        rnn_b = np.zeros(H)
        affine_W = rn(H, V) / np.sqrt(H)
        affine_b = np.zeros(V)
        self.embed = TimeEmbedding(embed_W)
        self.rnn = TimeRNN(rnn_Wx, rnn_Wh, rnn_b, stateful=True)
        self.affine = TimeAffine(affine_W, affine_b)
        self.layers = [self.embed, self.rnn, self.affine]
        self.loss_layer = TimeSoftmaxWithLoss()
        self.params = [p for layer in self.layers for p in layer.params]
        self.grads = [g for layer in self.layers for g in layer.grads]

    def forward(self, xs, ts):
        h = self.embed.forward(xs)
        h = self.rnn.forward(h)
        scores = self.affine.forward(h)
        return self.loss_layer.forward(scores, ts)

    def backward(self, dout=1):
        d = self.loss_layer.backward(dout)
        d = self.affine.backward(d)
        d = self.rnn.backward(d)
        self.embed.backward(d)

    def reset_state(self):
        self.rnn.reset_state()


def truncated_batches(corpus, batch_size, time_size):
    corpus = np.asarray(corpus)
    L, N, T = len(corpus), batch_size, time_size
    jump = (L - 1) // N
    K = (L - 1) // (N * T)
    rows = (np.arange(N) * jump)[:, None]
    steps = np.arange(T)[None, :]
    out = []
    for k in range(K):
        idx = rows + k * T + steps
        out.append((corpus[idx].astype(np.int64), corpus[idx + 1].astype(np.int64)))
    return out


def perplexity(model, corpus, batch_size, time_size):
    model.reset_state()
    losses = [model.forward(xs, ts) for xs, ts in truncated_batches(corpus, batch_size, time_size)]
    return float(np.exp(np.mean(losses)))


def train(model, corpus, batch_size, time_size, lr, epochs):
    windows = truncated_batches(corpus, batch_size, time_size)
    history = []
    for _ in range(epochs):
        model.reset_state()
        losses = []
        for xs, ts in windows:
            losses.append(model.forward(xs, ts))
            model.backward()
            for p, g in zip(model.params, model.grads):
                np.subtract(p, lr * g, out=p)
        history.append(float(np.exp(np.mean(losses))))
    return history


def bptt(U, V, W, x, y, truncate):
    H, C = U.shape
    T = len(x)
    states = {-1: np.zeros(H)}
    outputs = {}
    for t in range(T):
        states[t] = np.tanh(U[:, x[t]] + W @ states[t - 1])
        z = V @ states[t]
        e = np.exp(z - z.max())
        outputs[t] = e / e.sum()
    dU, dV, dW = np.zeros_like(U), np.zeros_like(V), np.zeros_like(W)
    for t in range(T):
        err = outputs[t].copy()
        err[y[t]] -= 1.0
        dV += np.outer(err, states[t])
        delta = (V.T @ err) * (1 - states[t] ** 2)
        j = t
        while j >= max(0, t - truncate):
            dW += np.outer(delta, states[j - 1])
            dU[:, x[j]] += delta
            delta = (W.T @ delta) * (1 - states[j - 1] ** 2)
            j -= 1
    return dU, dV, dW
