# correct: defensive copies (ids, inputs, states, results), np.asarray on the way in, grads[i][:] =, extra helper methods and __repr__
import numpy as np


class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        h_next = np.tanh(h_prev @ Wh + x @ Wx + b)
        self.cache = (x.copy(), h_prev.copy(), h_next.copy())
        return h_next

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        dt = dh_next * (1 - h_next ** 2)
        self.grads[0][:] = x.T @ dt
        self.grads[1][:] = h_prev.T @ dt
        self.grads[2][:] = dt.sum(axis=0)
        return dt @ Wx.T, dt @ Wh.T


class Embedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        self.idx = np.array(idx, dtype=np.int64, copy=True)
        return self.params[0][self.idx].copy()

    def backward(self, dout):
        self.grads[0][:] = 0
        np.add.at(self.grads[0], self.idx, np.asarray(dout))
        return None

    def __repr__(self):
        return f"Embedding(V={self.params[0].shape[0]}, D={self.params[0].shape[1]})"


class TimeEmbedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W

    def forward(self, xs):
        xs = np.asarray(xs)
        N, T = xs.shape
        self.layers = [Embedding(self.W) for _ in range(T)]
        out = np.empty((N, T, self.W.shape[1]), dtype=np.result_type(self.W.dtype, np.float32))
        for t, layer in enumerate(self.layers):
            out[:, t, :] = layer.forward(xs[:, t])
        return out

    def backward(self, dout):
        dout = np.asarray(dout)
        self.grads[0][:] = self._summed_grad(dout)
        return None

    def _summed_grad(self, dout):
        total = np.zeros_like(self.grads[0])
        for t, layer in enumerate(self.layers):
            layer.backward(dout[:, t, :])
            total += layer.grads[0]
        return total


class TimeRNN:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful

    @property
    def hidden_size(self):
        return self.params[0].shape[1]

    def _start(self, N):
        if self.stateful and self.h is not None:
            return np.array(self.h, dtype=float, copy=True)
        return np.zeros((N, self.hidden_size))

    def forward(self, xs):
        xs = np.asarray(xs, dtype=float)
        N, T, _ = xs.shape
        h = self._start(N)
        hs = np.zeros((N, T, self.hidden_size))
        self.layers = []
        for t in range(T):
            cell = RNN(*self.params)
            h = cell.forward(xs[:, t, :], h)
            hs[:, t, :] = h
            self.layers.append(cell)
        self.h = h.copy()
        return hs.copy()

    def backward(self, dhs):
        dhs = np.array(dhs, dtype=float, copy=True)
        N, T, _ = dhs.shape
        D = self.params[0].shape[0]
        dxs = np.zeros((N, T, D))
        totals = [np.zeros_like(p, dtype=float) for p in self.params]
        dh = np.zeros((N, self.hidden_size))
        for t in reversed(range(T)):
            cell = self.layers[t]
            dxs[:, t, :], dh = cell.backward(dhs[:, t, :] + dh)
            for total, g in zip(totals, cell.grads):
                total += g
        for i, total in enumerate(totals):
            self.grads[i][:] = total
        self.dh = dh.copy()
        return dxs

    def set_state(self, h):
        self.h = np.array(h, copy=True)

    def reset_state(self):
        self.h = None

    def __repr__(self):
        return f"TimeRNN(H={self.hidden_size}, stateful={self.stateful})"


class TimeAffine:
    def __init__(self, W, b):
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.x = None

    def forward(self, x):
        self.x = np.array(x, copy=True)
        N, T, D = self.x.shape
        W, b = self.params
        return (self.x.reshape(N * T, D) @ W + b).reshape(N, T, -1)

    def backward(self, dout):
        N, T, D = self.x.shape
        W, _ = self.params
        d2 = np.reshape(dout, (N * T, -1))
        self.grads[0][:] = self.x.reshape(N * T, D).T @ d2
        self.grads[1][:] = d2.sum(axis=0)
        return (d2 @ W.T).reshape(N, T, D)
