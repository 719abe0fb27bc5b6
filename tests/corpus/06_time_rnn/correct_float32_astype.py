# correct: float32 throughout with astype (parameters, inputs, states), integer ids cast with astype, helper functions
import numpy as np

F = np.float32


def _f(a):
    return np.asarray(a).astype(F)


class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = (_f(p) for p in self.params)
        x, h_prev = _f(x), _f(h_prev)
        h_next = np.tanh(np.dot(h_prev, Wh) + np.dot(x, Wx) + b)
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next):
        Wx, Wh, _ = (_f(p) for p in self.params)
        x, h_prev, h_next = self.cache
        dt = _f(dh_next) * (1 - h_next ** 2)
        self.grads[0][...] = np.dot(x.T, dt)
        self.grads[1][...] = np.dot(h_prev.T, dt)
        self.grads[2][...] = np.sum(dt, axis=0)
        return np.dot(dt, Wx.T), np.dot(dt, Wh.T)


class Embedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        self.idx = np.asarray(idx).astype(np.int64)
        return _f(self.params[0])[self.idx]

    def backward(self, dout):
        dW = np.zeros(self.params[0].shape, dtype=F)
        np.add.at(dW, self.idx, _f(dout))
        self.grads[0][...] = dW
        return None


class TimeEmbedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W

    def forward(self, xs):
        xs = np.asarray(xs).astype(np.int64)
        N, T = xs.shape
        out = np.empty((N, T, self.W.shape[1]), dtype=F)
        self.layers = []
        for t in range(T):
            layer = Embedding(self.W)
            out[:, t, :] = layer.forward(xs[:, t])
            self.layers.append(layer)
        return out

    def backward(self, dout):
        grad = np.zeros(self.W.shape, dtype=F)
        for t, layer in enumerate(self.layers):
            layer.backward(dout[:, t, :])
            grad += _f(layer.grads[0])
        self.grads[0][...] = grad


class TimeRNN:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful

    def forward(self, xs):
        xs = _f(xs)
        N, T, D = xs.shape
        H = self.params[1].shape[0]
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H), dtype=F)
        hs = np.empty((N, T, H), dtype=F)
        self.layers = []
        for t in range(T):
            layer = RNN(*self.params)
            self.h = layer.forward(xs[:, t, :], self.h)
            hs[:, t, :] = self.h
            self.layers.append(layer)
        return hs

    def backward(self, dhs):
        dhs = _f(dhs)
        N, T, H = dhs.shape
        D = self.params[0].shape[0]
        dxs = np.empty((N, T, D), dtype=F)
        dh = np.zeros((N, H), dtype=F)
        total = [np.zeros(p.shape, dtype=F) for p in self.params]
        for t in reversed(range(T)):
            layer = self.layers[t]
            dx, dh = layer.backward(dhs[:, t, :] + dh)
            dxs[:, t, :] = dx
            for i in range(3):
                total[i] += _f(layer.grads[i])
        for i in range(3):
            self.grads[i][...] = total[i]
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
        x = _f(x)
        N, T, D = x.shape
        W, b = _f(self.params[0]), _f(self.params[1])
        self.x = x
        return (x.reshape(N * T, D) @ W + b).reshape(N, T, -1)

    def backward(self, dout):
        x = self.x
        N, T, D = x.shape
        W = _f(self.params[0])
        d2 = _f(dout).reshape(N * T, -1)
        self.grads[0][...] = x.reshape(N * T, D).T @ d2
        self.grads[1][...] = d2.sum(axis=0)
        return (d2 @ W.T).reshape(N, T, D)
