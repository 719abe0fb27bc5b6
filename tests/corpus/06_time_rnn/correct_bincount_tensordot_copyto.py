# correct: vectorised (np.bincount per column in Embedding, W[xs] and np.add.at over (N, T) in TimeEmbedding), states in a list and np.stack, np.copyto into grads, np.tensordot in TimeAffine
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
        self.idx = np.asarray(idx).astype(np.intp)
        return self.params[0][self.idx]

    def backward(self, dout):
        V, D = self.params[0].shape
        dW = np.stack([np.bincount(self.idx, weights=dout[:, d], minlength=V) for d in range(D)], axis=1)
        np.copyto(self.grads[0], dW)


class TimeEmbedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W

    def forward(self, xs):
        self.xs = np.asarray(xs).astype(np.int64)
        self.layers = []  # no per-step layers: one lookup over (N, T)
        return self.W[self.xs]

    def backward(self, dout):
        dW = np.zeros_like(self.W)
        np.add.at(dW, self.xs, dout)
        np.copyto(self.grads[0], dW)


class TimeRNN:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful

    def _initial_state(self, N, H):
        if self.stateful and self.h is not None:
            return self.h
        return np.zeros((N, H))

    def forward(self, xs):
        Wx, Wh, b = self.params
        N, T, _ = xs.shape
        h = self._initial_state(N, Wh.shape[0])
        self.layers, states = [], []
        for t in range(T):
            cell = RNN(Wx, Wh, b)
            h = cell.forward(xs[:, t, :], h)
            self.layers.append(cell)
            states.append(h)
        self.h = h
        return np.stack(states, axis=1)

    def backward(self, dhs):
        dh = np.zeros_like(dhs[:, 0, :])
        dx_steps = [None] * len(self.layers)
        totals = [np.zeros_like(p) for p in self.params]
        for t in range(len(self.layers) - 1, -1, -1):
            cell = self.layers[t]
            dx_steps[t], dh = cell.backward(dhs[:, t, :] + dh)
            totals = [tot + g for tot, g in zip(totals, cell.grads)]
        for grad, tot in zip(self.grads, totals):
            np.copyto(grad, tot)
        self.dh = dh
        return np.stack(dx_steps, axis=1)

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
        W, _ = self.params
        np.copyto(self.grads[0], np.tensordot(self.x, dout, axes=([0, 1], [0, 1])))
        np.copyto(self.grads[1], dout.sum(axis=(0, 1)))
        return np.tensordot(dout, W, axes=([2], [1]))
