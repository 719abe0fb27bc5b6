# correct: vectorised time layers (einsum gradients, one fancy-index embedding), a per-entry loss loop with math.log, sliced int32 windows, math.exp perplexities, a state() helper for s_(-1) in bptt
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

import math

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


# -- The time layers of 06_time_rnn (vectorised over time where it can be) ----------------

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
        Wx, Wh, _ = self.params
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
        self.grads[0][...] = 0
        np.add.at(self.grads[0], self.idx, dout)


class TimeEmbedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W

    def forward(self, xs):
        self.ids = np.asarray(xs)
        self.layers = []
        return self.params[0][self.ids]

    def backward(self, dout):
        self.grads[0][...] = 0
        np.add.at(self.grads[0], self.ids, dout)


class TimeRNN:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful

    def forward(self, xs):
        Wx, Wh, b = self.params
        N, T, _ = xs.shape
        H = Wh.shape[0]
        h = self.h if (self.stateful and self.h is not None) else np.zeros((N, H))
        proj = xs @ Wx + b
        hs = np.empty((N, T, H))
        self.h0 = h
        for t in range(T):
            h = np.tanh(proj[:, t] + h @ Wh)
            hs[:, t] = h
        self.xs, self.hs = xs, hs
        self.h = h
        return hs

    def backward(self, dhs):
        Wx, Wh, _ = self.params
        N, T, H = dhs.shape
        prev = np.concatenate([self.h0[:, None, :], self.hs[:, :-1]], axis=1)
        das = np.empty_like(dhs)
        dh = np.zeros((N, H))
        for t in range(T - 1, -1, -1):
            da = (dhs[:, t] + dh) * (1.0 - self.hs[:, t] ** 2)
            das[:, t] = da
            dh = da @ Wh.T
        self.grads[0][...] = np.einsum("ntd,nth->dh", self.xs, das)
        self.grads[1][...] = np.einsum("nti,ntj->ij", prev, das)
        self.grads[2][...] = das.sum(axis=(0, 1))
        self.dh = dh
        return das @ Wx.T

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
        self.x = x
        return x @ self.params[0] + self.params[1]

    def backward(self, dout):
        W = self.params[0]
        self.grads[0][...] = np.einsum("ntd,ntm->dm", self.x, dout)
        self.grads[1][...] = dout.sum(axis=(0, 1))
        return dout @ W.T


# -- The language model ----------------------------------------------------------------

class TimeSoftmaxWithLoss:
    def __init__(self):
        self.params, self.grads = [], []
        self.cache = None
        self.ignore_label = -1

    def forward(self, xs, ts):
        N, T, V = xs.shape
        ys = np.empty((N, T, V))
        total, counted = 0.0, 0
        for n in range(N):
            for t in range(T):
                row = xs[n, t]
                top = row.max()
                e = np.exp(row - top)
                s = e.sum()
                ys[n, t] = e / s
                target = int(ts[n, t])
                if target == self.ignore_label:
                    continue
                total += math.log(s) - (row[target] - top)   # -log softmax(row)[target]
                counted += 1
        self.cache = (ys, np.array(ts, dtype=np.int64), counted)
        return total / counted

    def backward(self, dout=1):
        ys, ts, counted = self.cache
        N, T, V = ys.shape
        dxs = np.zeros((N, T, V))
        for n in range(N):
            for t in range(T):
                if ts[n, t] == self.ignore_label:
                    continue
                g = ys[n, t].copy()
                g[ts[n, t]] -= 1.0
                dxs[n, t] = g * dout / counted
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
        self.layers = [TimeEmbedding(embed_W), TimeRNN(rnn_Wx, rnn_Wh, rnn_b, stateful=True),
                       TimeAffine(affine_W, affine_b)]
        self.loss_layer = TimeSoftmaxWithLoss()
        self.params, self.grads = [], []
        for layer in self.layers:
            self.params.extend(layer.params)
            self.grads.extend(layer.grads)

    def forward(self, xs, ts):
        out = xs
        for layer in self.layers:
            out = layer.forward(out)
        return self.loss_layer.forward(out, ts)

    def backward(self, dout=1):
        grad = self.loss_layer.backward(dout)
        for layer in self.layers[::-1]:
            grad = layer.backward(grad)
        return None

    def reset_state(self):
        self.layers[1].reset_state()


def truncated_batches(corpus, batch_size, time_size):
    L = len(corpus)
    jump = (L - 1) // batch_size
    K = (L - 1) // (batch_size * time_size)
    windows = []
    for k in range(K):
        xs = np.array([corpus[i * jump + k * time_size: i * jump + (k + 1) * time_size]
                       for i in range(batch_size)], dtype=np.int32)
        ts = np.array([corpus[i * jump + k * time_size + 1: i * jump + (k + 1) * time_size + 1]
                       for i in range(batch_size)], dtype=np.int32)
        windows.append((xs, ts))
    return windows


def perplexity(model, corpus, batch_size, time_size):
    model.reset_state()
    total, count = 0.0, 0
    for xs, ts in truncated_batches(corpus, batch_size, time_size):
        total += float(model.forward(xs, ts))
        count += 1
    return math.exp(total / count)


def train(model, corpus, batch_size, time_size, lr, epochs):
    windows = truncated_batches(corpus, batch_size, time_size)
    result = []
    for epoch in range(epochs):
        model.reset_state()
        total = 0.0
        for xs, ts in windows:
            total += float(model.forward(xs, ts))
            model.backward()
            for i in range(len(model.params)):
                model.params[i] -= lr * model.grads[i]
        result.append(math.exp(total / len(windows)))
    return result


def bptt(U, V, W, x, y, truncate):
    H = W.shape[0]
    T = len(x)
    s = np.zeros((T, H))
    o = np.zeros((T, V.shape[0]))
    prev = np.zeros(H)
    for t in range(T):
        s[t] = np.tanh(U[:, x[t]] + W @ prev)
        z = V @ s[t]
        o[t] = np.exp(z - z.max())
        o[t] /= o[t].sum()
        prev = s[t]

    def state(j):
        return s[j] if j >= 0 else np.zeros(H)

    dU, dV, dW = np.zeros(U.shape), np.zeros(V.shape), np.zeros(W.shape)
    for t in reversed(range(T)):
        err = o[t].copy()
        err[y[t]] -= 1
        dV += np.outer(err, s[t])
        delta = (V.T @ err) * (1 - s[t] ** 2)
        for j in range(t, max(0, t - truncate) - 1, -1):
            dW += np.outer(delta, state(j - 1))
            dU[:, x[j]] += delta
            delta = (W.T @ delta) * (1 - state(j - 1) ** 2)
    return dU, dV, dW


if __name__ == "__main__":
    corpus, word_to_id, _ = load_corpus()
    model = SimpleRnnlm(len(word_to_id), 10, 10, seed=0)
    print(train(model, corpus, 5, 5, 0.5, 20)[-1])
