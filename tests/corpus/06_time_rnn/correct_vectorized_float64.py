# correct: vectorized embeddings (W[xs], np.add.at over (N, T)), @ operator, float64 following the inputs, np.einsum in TimeAffine
import numpy as np


class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        h_next = np.tanh(h_prev @ Wh + x @ Wx + b)
        self.cache = {"x": x, "h_prev": h_prev, "h_next": h_next}
        return h_next

    def backward(self, dh_next):
        Wx, Wh, _ = self.params
        c = self.cache
        dt = dh_next * (1 - c["h_next"] ** 2)
        self.grads[0][...] = c["x"].T @ dt
        self.grads[1][...] = c["h_prev"].T @ dt
        self.grads[2][...] = dt.sum(axis=0)
        return dt @ Wx.T, dt @ Wh.T


class Embedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        self.idx = np.asarray(idx).astype(np.intp)
        return self.params[0][self.idx]

    def backward(self, dout):
        self.grads[0].fill(0)
        np.add.at(self.grads[0], self.idx, dout)


class TimeEmbedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W
        self.xs = None

    def forward(self, xs):
        self.xs = np.asarray(xs).astype(np.intp)
        return self.W[self.xs]

    def backward(self, dout):
        dW = self.grads[0]
        dW[...] = 0
        np.add.at(dW, self.xs, dout)


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
        if self.stateful and self.h is not None:
            h = self.h
        else:
            h = np.zeros((N, H), dtype=np.result_type(xs, Wx))
        hs = np.empty((N, T, H), dtype=np.result_type(xs, Wx))
        self.layers = []
        for t in range(T):
            cell = RNN(Wx, Wh, b)
            h = cell.forward(xs[:, t, :], h)
            hs[:, t, :] = h
            self.layers.append(cell)
        self.h = h
        return hs

    def backward(self, dhs):
        N, T, H = dhs.shape
        D = self.params[0].shape[0]
        dxs = np.empty((N, T, D), dtype=dhs.dtype)
        sums = [np.zeros_like(g) for g in self.grads]
        dh = np.zeros((N, H), dtype=dhs.dtype)
        for t in range(T - 1, -1, -1):
            cell = self.layers[t]
            dxs[:, t, :], dh = cell.backward(dhs[:, t, :] + dh)
            for total, g in zip(sums, cell.grads):
                total += g
        for g, total in zip(self.grads, sums):
            g[...] = total
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
        return np.einsum("ntd,dm->ntm", x, W) + b

    def backward(self, dout):
        W, _ = self.params
        self.grads[0][...] = np.einsum("ntd,ntm->dm", self.x, dout)
        self.grads[1][...] = np.einsum("ntm->m", dout)
        return np.einsum("ntm,dm->ntd", dout, W)
