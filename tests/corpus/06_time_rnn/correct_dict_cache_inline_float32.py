# correct: float32 end to end (dtype=np.float32 buffers, inputs cast), dict caches, BPTT inline with helper methods, ids one-hot in Embedding
import numpy as np


class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        h_next = np.tanh(np.dot(h_prev, Wh) + np.dot(x, Wx) + b)
        self.cache = {"x": x, "h_prev": h_prev, "h_next": h_next}
        return h_next

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        c = self.cache
        dt = dh_next * (1 - c["h_next"] ** 2)
        self.grads[0][...] = np.dot(c["x"].T, dt)
        self.grads[1][...] = np.dot(c["h_prev"].T, dt)
        self.grads[2][...] = np.sum(dt, axis=0)
        return np.dot(dt, Wx.T), np.dot(dt, Wh.T)


class Embedding:
    """Embedding through a one-hot matrix: out = onehot @ W, dW = onehot.T @ dout."""

    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def _one_hot(self):
        V = self.params[0].shape[0]
        onehot = np.zeros((len(self.idx), V), dtype=np.float32)
        onehot[np.arange(len(self.idx)), self.idx] = 1
        return onehot

    def forward(self, idx):
        self.idx = np.asarray(idx).astype(np.int64)
        return self._one_hot() @ self.params[0].astype(np.float32)

    def backward(self, dout):
        self.grads[0][...] = self._one_hot().T @ dout.astype(np.float32)
        return None


class TimeEmbedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W

    def forward(self, xs):
        N, T = xs.shape
        out = np.zeros((N, T, self.W.shape[1]), dtype=np.float32)
        self.layers = []
        for t in range(T):
            layer = Embedding(self.W)
            out[:, t, :] = layer.forward(xs[:, t])
            self.layers.append(layer)
        return out

    def backward(self, dout):
        dW = np.zeros(self.W.shape, dtype=np.float32)
        for t, layer in enumerate(self.layers):
            layer.backward(dout[:, t, :])
            dW += layer.grads[0]
        self.grads[0][...] = dW
        return None


class TimeRNN:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful
        self.cache = {}

    def _weights(self):
        return [p.astype(np.float32) for p in self.params]

    def _initial_state(self, N, H):
        if self.stateful and self.h is not None:
            return np.asarray(self.h, dtype=np.float32)
        return np.zeros((N, H), dtype=np.float32)

    def forward(self, xs):
        Wx, Wh, b = self._weights()
        xs = xs.astype(np.float32)
        N, T, D = xs.shape
        H = Wh.shape[0]
        h = self._initial_state(N, H)
        hs = np.zeros((N, T, H), dtype=np.float32)
        prev = np.zeros((N, T, H), dtype=np.float32)
        for t in range(T):
            prev[:, t, :] = h
            h = np.tanh(h @ Wh + xs[:, t, :] @ Wx + b)
            hs[:, t, :] = h
        self.cache = {"xs": xs, "hs": hs, "prev": prev}
        self.layers = []
        self.h = h
        return hs

    def backward(self, dhs):
        Wx, Wh, b = self._weights()
        xs, hs, prev = self.cache["xs"], self.cache["hs"], self.cache["prev"]
        dhs = dhs.astype(np.float32)
        N, T, H = dhs.shape
        dxs = np.zeros(xs.shape, dtype=np.float32)
        dWx = np.zeros(Wx.shape, dtype=np.float32)
        dWh = np.zeros(Wh.shape, dtype=np.float32)
        db = np.zeros(b.shape, dtype=np.float32)
        dh = np.zeros((N, H), dtype=np.float32)
        for t in reversed(range(T)):
            dt = (dhs[:, t, :] + dh) * (1 - hs[:, t, :] ** 2)
            dWx += xs[:, t, :].T @ dt
            dWh += prev[:, t, :].T @ dt
            db += dt.sum(axis=0)
            dxs[:, t, :] = dt @ Wx.T
            dh = dt @ Wh.T
        for g, d in zip(self.grads, (dWx, dWh, db)):
            g[...] = d
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
        self.cache = {}

    def forward(self, x):
        W, b = (p.astype(np.float32) for p in self.params)
        N, T, D = x.shape
        rx = x.reshape(N * T, D).astype(np.float32)
        self.x = x
        self.cache = {"rx": rx, "shape": (N, T, D)}
        return (rx @ W + b).reshape(N, T, -1)

    def backward(self, dout):
        W = self.params[0].astype(np.float32)
        N, T, D = self.cache["shape"]
        dout2 = dout.reshape(N * T, -1).astype(np.float32)
        self.grads[0][...] = self.cache["rx"].T @ dout2
        self.grads[1][...] = dout2.sum(axis=0)
        return (dout2 @ W.T).reshape(N, T, D)
