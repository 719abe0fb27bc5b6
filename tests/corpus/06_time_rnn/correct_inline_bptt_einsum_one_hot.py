# correct: BPTT inline with the pre-activation gradients of all steps kept in one array and the parameter gradients summed afterwards with np.einsum, one-hot matrix products in Embedding, np.matmul on 3-D arrays in TimeAffine
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
def one_hot(ids, V):
    m = np.zeros((len(ids), V))
    m[np.arange(len(ids)), ids] = 1.0
    return m


class Embedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        self.idx = idx
        return one_hot(idx, self.params[0].shape[0]) @ self.params[0]

    def backward(self, dout):
        self.grads[0][...] = one_hot(self.idx, self.params[0].shape[0]).T @ dout
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
        return np.stack([self.layers[t].forward(xs[:, t]) for t in range(T)], axis=1)

    def backward(self, dout):
        dW = np.zeros(self.W.shape)
        for t, layer in enumerate(self.layers):
            layer.backward(dout[:, t, :])
            dW = dW + layer.grads[0]
        self.grads[0][...] = dW
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
        H = Wh.shape[1]
        h_prev = self.h if (self.stateful and self.h is not None) else np.zeros((N, H))
        states = np.zeros((N, T + 1, H))  # states[:, 0] = h_0, states[:, t] = h_t
        states[:, 0, :] = h_prev
        for t in range(T):
            states[:, t + 1, :] = np.tanh(states[:, t, :] @ Wh + xs[:, t, :] @ Wx + b)
        self.cache = {"xs": xs, "states": states}
        self.h = states[:, -1, :].copy()
        return states[:, 1:, :].copy()

    def backward(self, dhs):
        Wx, Wh, b = self.params
        xs, states = self.cache["xs"], self.cache["states"]
        N, T, H = dhs.shape
        das = np.zeros((N, T, H))
        carry = np.zeros((N, H))
        for t in range(T - 1, -1, -1):
            das[:, t, :] = (dhs[:, t, :] + carry) * (1.0 - states[:, t + 1, :] ** 2)
            carry = das[:, t, :] @ Wh.T
        self.grads[0][...] = np.einsum("ntd,nth->dh", xs, das)
        self.grads[1][...] = np.einsum("ntk,nth->kh", states[:, :-1, :], das)
        self.grads[2][...] = das.sum(axis=(0, 1))
        self.dh = carry
        return das @ Wx.T

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
        self.x = x
        return np.matmul(x, self.params[0]) + self.params[1]

    def backward(self, dout):
        W = self.params[0]
        self.grads[0][...] = np.einsum("ntd,ntm->dm", self.x, dout)
        self.grads[1][...] = dout.sum(axis=0).sum(axis=0)
        return np.matmul(dout, W.T)
