# correct: inputs kept as attributes (self.x, self.h_prev, self.t) instead of self.cache, tanh' from t, db with keepdims=True written through [...]
import numpy as np


class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        self.x = x
        self.h_prev = h_prev
        self.t = h_prev.dot(Wh) + x.dot(Wx) + b.reshape(1, -1)
        return np.tanh(self.t)

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        dtanh = 1.0 - np.tanh(self.t) ** 2
        da = dh_next * dtanh
        self.grads[0][...] = self.x.T.dot(da)
        self.grads[1][...] = self.h_prev.T.dot(da)
        self.grads[2][...] = da.sum(axis=0, keepdims=True)   # (1, H) broadcasts into (H,)
        return da.dot(Wx.T), da.dot(Wh.T)
