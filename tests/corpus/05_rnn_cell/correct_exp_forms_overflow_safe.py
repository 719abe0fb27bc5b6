# correct: tanh written with np.exp in an overflow-safe form (1 - 2 / (e^2t + 1)), tanh' as 1 / cosh(t) ** 2 (both overflow to the right limit, with warnings), grads zeroed in forward
import numpy as np


def tanh(t):
    return 1.0 - 2.0 / (np.exp(2.0 * t) + 1.0)   # e^2t = inf gives 1, e^2t = 0 gives -1


def dtanh(t):
    return 1.0 / np.cosh(t) ** 2                 # cosh(t) = inf gives 0


class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def zero_grad(self):
        for g in self.grads:
            g[...] = 0.0

    def forward(self, x, h_prev):
        self.zero_grad()
        Wx, Wh, b = self.params
        t = h_prev @ Wh + x @ Wx + b
        self.cache = (x, h_prev, t)
        return tanh(t)

    def backward(self, dh_next):
        Wx, Wh, _ = self.params
        x, h_prev, t = self.cache
        dt = dh_next * dtanh(t)
        self.grads[0][...] = x.T @ dt
        self.grads[1][...] = h_prev.T @ dt
        self.grads[2][...] = dt.sum(axis=0)
        return dt @ Wx.T, dt @ Wh.T
