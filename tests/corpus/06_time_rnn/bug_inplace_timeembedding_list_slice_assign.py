# bug: TimeEmbedding.backward writes self.grads[:] = [total], which replaces the array in the list (the list is the same, the array is new).
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
        W = self.params[0]
        self.idx = idx
        out = W[idx]
        return out

    def backward(self, dout):
        dW = self.grads[0]
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
        out = np.empty((N, T, D), dtype=self.W.dtype)
        self.layers = []
        for t in range(T):
            layer = Embedding(self.W)
            out[:, t, :] = layer.forward(xs[:, t])
            self.layers.append(layer)
        return out

    def backward(self, dout):
        N, T, D = dout.shape
        total = np.zeros_like(self.W)
        for t in range(T):
            layer = self.layers[t]
            layer.backward(dout[:, t, :])
            total += layer.grads[0]
        self.grads[:] = [total]
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
        H = Wh.shape[0]
        self.layers = []
        hs = np.empty((N, T, H))
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H))
        h = self.h
        for t in range(T):
            layer = RNN(Wx, Wh, b)
            h = layer.forward(xs[:, t, :], h)
            hs[:, t, :] = h
            self.layers.append(layer)
        self.h = h
        return hs

    def backward(self, dhs):
        Wx, Wh, b = self.params
        N, T, H = dhs.shape
        D = Wx.shape[0]
        dxs = np.empty((N, T, D))
        dh = np.zeros((N, H))
        sums = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        for t in reversed(range(T)):
            layer = self.layers[t]
            dx, dh = layer.backward(dhs[:, t, :] + dh)
            dxs[:, t, :] = dx
            for i in range(3):
                sums[i] += layer.grads[i]
        for i in range(3):
            self.grads[i][...] = sums[i]
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
        N, T, D = x.shape
        rx = x.reshape(N * T, D)
        out = rx @ W + b
        self.x = x
        return out.reshape(N, T, -1)

    def backward(self, dout):
        W, b = self.params
        N, T, D = self.x.shape
        M = W.shape[1]
        dout2 = dout.reshape(N * T, M)
        rx = self.x.reshape(N * T, D)
        self.grads[0][...] = rx.T @ dout2
        self.grads[1][...] = dout2.sum(axis=0)
        dx = dout2 @ W.T
        return dx.reshape(N, T, D)
