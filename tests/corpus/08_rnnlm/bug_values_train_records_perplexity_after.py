# bug: train records perplexity(model, corpus, ...) after each epoch instead of exp of the mean of the losses taken during it.
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
        h_next = np.tanh(h_prev @ Wh + x @ Wx + b)
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        da = dh_next * (1.0 - h_next * h_next)
        self.grads[0][...] = x.T @ da
        self.grads[1][...] = h_prev.T @ da
        self.grads[2][...] = da.sum(axis=0)
        return da @ Wx.T, da @ Wh.T


class Embedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        self.idx = idx
        return self.params[0][idx]

    def backward(self, dout):
        dW = self.grads[0]
        dW[...] = 0.0
        for n, word in enumerate(self.idx):
            dW[word] += dout[n]
        return None


class TimeEmbedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W

    def forward(self, xs):
        N, T = xs.shape
        self.layers = [Embedding(self.W) for _ in range(T)]
        steps = [self.layers[t].forward(xs[:, t]) for t in range(T)]
        return np.stack(steps, axis=1)

    def backward(self, dout):
        T = dout.shape[1]
        total = np.zeros_like(self.W)
        for t in range(T):
            self.layers[t].backward(dout[:, t, :])
            total += self.layers[t].grads[0]
        self.grads[0][...] = total
        return None


class TimeRNN:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful

    def forward(self, xs):
        N, T, D = xs.shape
        H = self.params[1].shape[0]
        if self.stateful and self.h is not None:
            h = self.h
        else:
            h = np.zeros((N, H))
        self.layers = []
        outs = []
        for t in range(T):
            cell = RNN(*self.params)
            h = cell.forward(xs[:, t, :], h)
            self.layers.append(cell)
            outs.append(h)
        self.h = h
        return np.stack(outs, axis=1)

    def backward(self, dhs):
        N, T, H = dhs.shape
        D = self.params[0].shape[0]
        dxs = np.zeros((N, T, D))
        for g in self.grads:
            g[...] = 0.0
        dh = np.zeros((N, H))
        for t in range(T - 1, -1, -1):
            cell = self.layers[t]
            dx, dh = cell.backward(dhs[:, t, :] + dh)
            dxs[:, t, :] = dx
            for mine, step in zip(self.grads, cell.grads):
                mine += step
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
        W, b = self.params
        self.x = x
        return x @ W + b

    def backward(self, dout):
        W, b = self.params
        x = self.x
        D, M = W.shape
        self.grads[0][...] = x.reshape(-1, D).T @ dout.reshape(-1, M)
        self.grads[1][...] = dout.reshape(-1, M).sum(axis=0)
        return dout @ W.T


# -- The language model ----------------------------------------------------------------

class TimeSoftmaxWithLoss:
    def __init__(self):
        self.params, self.grads = [], []
        self.cache = None
        self.ignore_label = -1

    def forward(self, xs, ts):
        N, T, V = xs.shape
        probs = np.zeros((N, T, V))
        total = 0.0
        count = 0
        for n in range(N):
            for t in range(T):
                row = xs[n, t] - np.max(xs[n, t])
                e = np.exp(row)
                probs[n, t] = e / np.sum(e)
                target = int(ts[n, t])
                if target == self.ignore_label:
                    continue
                total -= np.log(probs[n, t, target])
                count += 1
        self.cache = (probs, ts.copy(), count)
        return total / count

    def backward(self, dout=1):
        probs, ts, count = self.cache
        N, T, V = probs.shape
        dxs = np.zeros((N, T, V))
        for n in range(N):
            for t in range(T):
                target = int(ts[n, t])
                if target == self.ignore_label:
                    continue
                grad = probs[n, t].copy()
                grad[target] -= 1.0
                dxs[n, t] = dout * grad / count
        return dxs


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
        self.params = []
        self.grads = []
        for layer in self.layers:
            for p in layer.params:
                self.params.append(p)
            for g in layer.grads:
                self.grads.append(g)

    def forward(self, xs, ts):
        vectors = self.embed.forward(xs)
        hs = self.rnn.forward(vectors)
        scores = self.affine.forward(hs)
        return self.loss_layer.forward(scores, ts)

    def backward(self, dout=1):
        dscores = self.loss_layer.backward(dout)
        dhs = self.affine.backward(dscores)
        dvectors = self.rnn.backward(dhs)
        self.embed.backward(dvectors)

    def reset_state(self):
        self.rnn.reset_state()


def truncated_batches(corpus, batch_size, time_size):
    L = len(corpus)
    N, T = batch_size, time_size
    jump = (L - 1) // N
    K = (L - 1) // (N * T)
    windows = []
    for k in range(K):
        xs = np.zeros((N, T), dtype=np.int64)
        ts = np.zeros((N, T), dtype=np.int64)
        for i in range(N):
            for t in range(T):
                pos = i * jump + k * T + t
                xs[i, t] = corpus[pos]
                ts[i, t] = corpus[pos + 1]
        windows.append((xs, ts))
    return windows


def perplexity(model, corpus, batch_size, time_size):
    model.reset_state()
    losses = []
    for xs, ts in truncated_batches(corpus, batch_size, time_size):
        losses.append(model.forward(xs, ts))
    return float(np.exp(np.mean(losses)))


def train(model, corpus, batch_size, time_size, lr, epochs):
    windows = truncated_batches(corpus, batch_size, time_size)
    history = []
    for epoch in range(epochs):
        model.reset_state()
        losses = []
        for xs, ts in windows:
            losses.append(model.forward(xs, ts))
            model.backward()
            for i in range(len(model.params)):
                model.params[i] -= lr * model.grads[i]
        history.append(perplexity(model, corpus, batch_size, time_size))
    return history


def bptt(U, V, W, x, y, truncate):
    H, C = U.shape
    T = len(x)
    states = [np.zeros(H)]          # states[t + 1] is s_t; states[0] is s_(-1)
    outputs = []
    for t in range(T):
        a = np.zeros(H)
        for h in range(H):
            a[h] = U[h, x[t]]
        states.append(np.tanh(a + W @ states[t]))
        scores = V @ states[t + 1]
        scores = scores - scores.max()
        outputs.append(np.exp(scores) / np.exp(scores).sum())

    dU = np.zeros((H, C))
    dV = np.zeros((C, H))
    dW = np.zeros((H, H))
    for t in range(T):
        err = outputs[t].copy()
        err[y[t]] -= 1.0
        for c in range(C):
            for h in range(H):
                dV[c, h] += err[c] * states[t + 1][h]
        delta = (V.T @ err) * (1.0 - states[t + 1] ** 2)
        j = t
        while j >= max(0, t - truncate):
            for a in range(H):
                for b in range(H):
                    dW[a, b] += delta[a] * states[j][b]
                dU[a, x[j]] += delta[a]
            delta = (W.T @ delta) * (1.0 - states[j] ** 2)
            j -= 1
    return dU, dV, dW
