# bug: truncated_batches cuts the rows with np.split(rows, K, axis=1), which raises for a corpus too short for one window (K = 0) instead of returning [].
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


# -- The time layers of 06_time_rnn: paste yours ------------------------------------

class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        h_next = np.tanh(np.matmul(h_prev, Wh) + np.matmul(x, Wx) + b)
        self.cache = dict(x=x, h_prev=h_prev, h_next=h_next)
        return h_next

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache["x"], self.cache["h_prev"], self.cache["h_next"]
        dt = dh_next * (1 - np.square(h_next))
        self.grads[0][...] = np.matmul(x.T, dt)
        self.grads[1][...] = np.matmul(h_prev.T, dt)
        self.grads[2][...] = dt.sum(axis=0)
        return np.matmul(dt, Wx.T), np.matmul(dt, Wh.T)


class Embedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        self.idx = idx
        return np.take(self.params[0], idx, axis=0)

    def backward(self, dout):
        dW = np.zeros_like(self.params[0])
        np.add.at(dW, self.idx, dout)
        self.grads[0][...] = dW


class TimeEmbedding:
    """Vectorised: one lookup for all steps (the per-step Embedding layers are not needed)."""

    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W
        self.xs = None

    def forward(self, xs):
        self.xs = xs
        return self.W[xs]

    def backward(self, dout):
        dW = np.zeros_like(self.W)
        np.add.at(dW, self.xs.reshape(-1), dout.reshape(-1, dout.shape[-1]))
        self.grads[0][...] = dW


class TimeRNN:
    """Vectorised over the batch, one loop over time; keeps hs and the initial state instead of RNN objects."""

    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful
        self.cache = None

    def forward(self, xs):
        Wx, Wh, b = self.params
        N, T, _ = xs.shape
        H = Wh.shape[0]
        h0 = self.h if (self.stateful and self.h is not None) else np.zeros((N, H))
        hs = np.zeros((N, T, H))
        h = h0
        for t in range(T):
            h = np.tanh(h @ Wh + xs[:, t, :] @ Wx + b)
            hs[:, t, :] = h
        self.cache = (xs, h0, hs)
        self.h = h
        return hs

    def backward(self, dhs):
        Wx, Wh, b = self.params
        xs, h0, hs = self.cache
        N, T, H = hs.shape
        dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
        dxs = np.zeros(xs.shape)
        dh = np.zeros((N, H))
        for t in range(T - 1, -1, -1):
            h_prev = hs[:, t - 1, :] if t > 0 else h0
            dt = (dhs[:, t, :] + dh) * (1 - hs[:, t, :] ** 2)
            dWx += xs[:, t, :].T @ dt
            dWh += h_prev.T @ dt
            db += dt.sum(axis=0)
            dxs[:, t, :] = dt @ Wx.T
            dh = dt @ Wh.T
        self.grads[0][...] = dWx
        self.grads[1][...] = dWh
        self.grads[2][...] = db
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
        return np.tensordot(x, W, axes=([2], [0])) + b

    def backward(self, dout):
        W, b = self.params
        self.grads[0][...] = np.tensordot(self.x, dout, axes=([0, 1], [0, 1]))
        self.grads[1][...] = dout.sum(axis=(0, 1))
        return np.tensordot(dout, W, axes=([2], [1]))


# -- The language model ----------------------------------------------------------------

def log_softmax(a):
    m = a.max(axis=-1, keepdims=True)
    return a - m - np.log(np.exp(a - m).sum(axis=-1, keepdims=True))


class TimeSoftmaxWithLoss:
    def __init__(self):
        self.params, self.grads = [], []
        self.cache = None
        self.ignore_label = -1

    def forward(self, xs, ts):
        valid = ts != self.ignore_label
        safe_ts = np.where(valid, ts, 0).astype(np.intp)
        logp = log_softmax(xs)
        picked = np.take_along_axis(logp, safe_ts[..., np.newaxis], axis=-1)[..., 0]
        K = np.count_nonzero(valid)
        self.cache = {"xs": xs, "ts": safe_ts, "valid": valid, "K": K}
        return -np.sum(picked[valid]) / K

    def backward(self, dout=1):
        c = self.cache
        y = np.exp(log_softmax(c["xs"]))       # recomputed rather than cached
        np.put_along_axis(y, c["ts"][..., None],
                          np.take_along_axis(y, c["ts"][..., None], axis=-1) - 1, axis=-1)
        y[~c["valid"]] = 0
        return y * (dout / c["K"])


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
        self.layers = [TimeEmbedding(embed_W),
                       TimeRNN(rnn_Wx, rnn_Wh, rnn_b, stateful=True),
                       TimeAffine(affine_W, affine_b)]
        self.loss_layer = TimeSoftmaxWithLoss()
        self.params = [p for layer in self.layers for p in layer.params]
        self.grads = [g for layer in self.layers for g in layer.grads]

    def forward(self, xs, ts):
        embed, rnn, affine = self.layers
        return self.loss_layer.forward(affine.forward(rnn.forward(embed.forward(xs))), ts)

    def backward(self, dout=1):
        embed, rnn, affine = self.layers
        embed.backward(rnn.backward(affine.backward(self.loss_layer.backward(dout))))
        return None

    def reset_state(self):
        _, rnn, _ = self.layers
        rnn.reset_state()


def truncated_batches(corpus, batch_size, time_size):
    N, T = batch_size, time_size
    L = len(corpus)
    jump = (L - 1) // N
    K = (L - 1) // (N * T)
    rows = np.stack([np.asarray(corpus[i * jump: i * jump + K * T + 1]) for i in range(N)])
    xs_all, ts_all = rows[:, :-1], rows[:, 1:]
    return list(zip(np.split(xs_all, K, axis=1), np.split(ts_all, K, axis=1)))


def perplexity(model, corpus, batch_size, time_size):
    model.reset_state()
    windows = truncated_batches(corpus, batch_size, time_size)
    total = sum(model.forward(xs, ts) for xs, ts in windows)
    return math.exp(total / len(windows))


def train(model, corpus, batch_size, time_size, lr, epochs):
    result = []
    for epoch in range(epochs):
        windows = truncated_batches(corpus, batch_size, time_size)
        model.reset_state()
        running = 0.0
        for k, (xs, ts) in enumerate(windows):
            loss = model.forward(xs, ts)
            running += (loss - running) / (k + 1)     # running mean of the window losses
            model.backward()
            for param, grad in zip(model.params, model.grads):
                param[...] = param - lr * grad
        result.append(math.exp(running))
    return result


def bptt(U, V, W, x, y, truncate):
    H = W.shape[0]
    T = len(x)
    s = {-1: np.zeros(H)}
    o = {}
    for t in range(T):
        s[t] = np.tanh(U[:, x[t]] + W @ s[t - 1])
        o[t] = np.exp(log_softmax(V @ s[t]))
    dU, dV, dW = np.zeros(U.shape), np.zeros(V.shape), np.zeros(W.shape)
    for t in range(T):
        dy = o[t].copy()
        dy[y[t]] -= 1
        dV += np.outer(dy, s[t])
        delta = (V.T @ dy) * (1 - s[t] ** 2)
        for j in range(t, max(0, t - truncate) - 1, -1):
            dW += np.outer(delta, s[j - 1])
            dU[:, x[j]] += delta
            delta = (W.T @ delta) * (1 - s[j - 1] ** 2)
    return dU, dV, dW
