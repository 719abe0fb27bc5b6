# correct: BPTT written out inline (no RNN objects in TimeRNN), explicit loops in Embedding, tuple caches, grads[i][:] =
import numpy as np


class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        h_next = np.tanh(np.matmul(h_prev, Wh) + np.matmul(x, Wx) + b)
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        dt = dh_next * (1 - h_next ** 2)
        self.grads[0][:] = np.matmul(x.T, dt)
        self.grads[1][:] = np.matmul(h_prev.T, dt)
        self.grads[2][:] = dt.sum(axis=0)
        return np.matmul(dt, Wx.T), np.matmul(dt, Wh.T)


class Embedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        W = self.params[0]
        self.idx = idx
        out = np.empty((len(idx), W.shape[1]), dtype=W.dtype)
        for n, i in enumerate(idx):
            out[n] = W[int(i)]
        return out

    def backward(self, dout):
        dW = self.grads[0]
        dW[:] = 0
        for n, i in enumerate(self.idx):
            dW[int(i)] += dout[n]
        return None


class TimeEmbedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W

    def forward(self, xs):
        N, T = xs.shape
        self.layers = [Embedding(self.W) for _ in range(T)]
        return np.stack([layer.forward(xs[:, t]) for t, layer in enumerate(self.layers)], axis=1)

    def backward(self, dout):
        total = np.zeros_like(self.W)
        for t, layer in enumerate(self.layers):
            layer.backward(dout[:, t, :])
            total += layer.grads[0]
        self.grads[0][:] = total


class TimeRNN:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful
        self.cache = None

    def forward(self, xs):
        Wx, Wh, b = self.params
        N, T, D = xs.shape
        H = Wh.shape[0]
        h0 = self.h if (self.stateful and self.h is not None) else np.zeros((N, H))
        states = [h0]
        for t in range(T):
            states.append(np.tanh(states[-1] @ Wh + xs[:, t, :] @ Wx + b))
        self.cache = (xs, states)
        self.h = states[-1]
        return np.stack(states[1:], axis=1)

    def backward(self, dhs):
        Wx, Wh, b = self.params
        xs, states = self.cache
        N, T, H = dhs.shape
        dWx = np.zeros_like(Wx)
        dWh = np.zeros_like(Wh)
        db = np.zeros_like(b)
        dxs = np.zeros(xs.shape)
        dh = np.zeros((N, H))
        for t in reversed(range(T)):
            dt = (dhs[:, t, :] + dh) * (1 - states[t + 1] ** 2)
            dWx += xs[:, t, :].T @ dt
            dWh += states[t].T @ dt
            db += dt.sum(axis=0)
            dxs[:, t, :] = dt @ Wx.T
            dh = dt @ Wh.T
        self.grads[0][:] = dWx
        self.grads[1][:] = dWh
        self.grads[2][:] = db
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
        self.x = x
        out = np.empty((N, T, W.shape[1]))
        for t in range(T):
            out[:, t, :] = x[:, t, :] @ W + b
        return out

    def backward(self, dout):
        W, b = self.params
        x = self.x
        N, T, D = x.shape
        dx = np.empty((N, T, D))
        dW = np.zeros_like(W)
        db = np.zeros_like(b)
        for t in range(T):
            dx[:, t, :] = dout[:, t, :] @ W.T
            dW += x[:, t, :].T @ dout[:, t, :]
            db += dout[:, t, :].sum(axis=0)
        self.grads[0][:] = dW
        self.grads[1][:] = db
        return dx
