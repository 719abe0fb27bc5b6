# correct: explicit loops with zip and reversed, grads zeroed with fill() and summed with += in place, set_state keeps a float copy, reset_state also forgets dh, a demo under __main__
import numpy as np


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
        da = dh_next * (1.0 - h_next ** 2)
        self.grads[0][...] = x.T @ da
        self.grads[1][...] = h_prev.T @ da
        self.grads[2][...] = da.sum(axis=0)
        dx = da @ Wx.T
        dh_prev = da @ Wh.T
        return dx, dh_prev
class Embedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        self.idx = idx
        rows = [self.params[0][int(i)] for i in idx]
        return np.array(rows).reshape(len(idx), self.params[0].shape[1])

    def backward(self, dout):
        dW = self.grads[0]
        dW.fill(0)
        for word, row in zip(self.idx, dout):
            dW[int(word)] += row


class TimeEmbedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W

    def forward(self, xs):
        N, T = xs.shape
        out = np.zeros((N, T, self.W.shape[1]))
        self.layers = []
        for t in range(T):
            emb = Embedding(self.W)
            out[:, t, :] = emb.forward(xs[:, t])
            self.layers.append(emb)
        return out

    def backward(self, dout):
        self.grads[0].fill(0)
        for t, emb in enumerate(self.layers):
            emb.backward(dout[:, t, :])
            self.grads[0] += emb.grads[0]


class TimeRNN:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful

    def forward(self, xs):
        N, T, D = xs.shape
        H = self.params[0].shape[1]
        if self.stateful and self.h is not None:
            h = self.h
        else:
            h = np.zeros((N, H))
        hs = np.zeros((N, T, H))
        self.layers = []
        for t in range(T):
            cell = RNN(*self.params)
            h = cell.forward(xs[:, t, :], h)
            hs[:, t, :] = h
            self.layers.append(cell)
        self.h = h
        return hs

    def backward(self, dhs):
        N, T, H = dhs.shape
        D = self.params[0].shape[0]
        dxs = np.zeros((N, T, D))
        for g in self.grads:
            g.fill(0)
        dh = np.zeros((N, H))
        for t, cell in zip(reversed(range(T)), reversed(self.layers)):
            dx, dh = cell.backward(dhs[:, t, :] + dh)
            dxs[:, t, :] = dx
            for total, g in zip(self.grads, cell.grads):
                total += g
        self.dh = dh
        return dxs

    def set_state(self, h):
        self.h = np.array(h, dtype=float)

    def reset_state(self):
        self.h = None
        self.dh = None


class TimeAffine:
    def __init__(self, W, b):
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.x = None

    def forward(self, x):
        W, b = self.params
        N, T, D = x.shape
        self.x = x
        out = np.zeros((N, T, W.shape[1]))
        for t in range(T):
            out[:, t, :] = x[:, t, :] @ W + b
        return out

    def backward(self, dout):
        W, b = self.params
        N, T, M = dout.shape
        dx = np.zeros(self.x.shape)
        self.grads[0].fill(0)
        self.grads[1].fill(0)
        for t in range(T):
            self.grads[0] += self.x[:, t, :].T @ dout[:, t, :]
            self.grads[1] += dout[:, t, :].sum(axis=0)
            dx[:, t, :] = dout[:, t, :] @ W.T
        return dx


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    emb = TimeEmbedding(rng.normal(size=(10, 3)))
    rnn = TimeRNN(rng.normal(size=(3, 4)), rng.normal(size=(4, 4)), np.zeros(4), stateful=True)
    aff = TimeAffine(rng.normal(size=(4, 10)), np.zeros(10))
    ids = rng.integers(0, 10, size=(2, 5))
    scores = aff.forward(rnn.forward(emb.forward(ids)))
    print(scores.shape)
    emb.backward(rnn.backward(aff.backward(np.ones_like(scores))))
    print([g.shape for g in rnn.grads], rnn.dh.shape)
