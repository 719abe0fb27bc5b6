# bug: TimeRNN computes BPTT inline with the tanh derivative as 1 - tanh(h)**2, applying tanh again to the stored state h instead of 1 - h**2.
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
        # the cell is written out here: one tanh step per time step, no RNN objects
        Wx, Wh, b = self.params
        N, T, D = xs.shape
        H = Wh.shape[0]
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H))
        h0 = self.h
        hs = np.empty((N, T, H))
        h = h0
        for t in range(T):
            h = np.tanh(h @ Wh + xs[:, t, :] @ Wx + b)
            hs[:, t, :] = h
        self.xs, self.h0, self.hs = xs, h0, hs
        self.h = h
        return hs

    def backward(self, dhs):
        Wx, Wh, b = self.params
        xs, hs = self.xs, self.hs
        N, T, H = dhs.shape
        dxs = np.empty(xs.shape)
        dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
        dh = np.zeros((N, H))
        for t in reversed(range(T)):
            da = (dhs[:, t, :] + dh) * (1 - np.tanh(hs[:, t, :]) ** 2)
            h_prev = hs[:, t - 1, :] if t > 0 else self.h0
            dWx += xs[:, t, :].T @ da
            dWh += h_prev.T @ da
            db += da.sum(axis=0)
            dxs[:, t, :] = da @ Wx.T
            dh = da @ Wh.T
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
