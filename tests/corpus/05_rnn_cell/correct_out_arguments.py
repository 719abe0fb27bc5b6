# correct: numpy out= arguments everywhere (np.dot(..., out=grads[i]), np.tanh(t, out=t)), a fresh h_next per call
import numpy as np


class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        t = np.dot(x, Wx)               # a new array each call
        t += np.dot(h_prev, Wh)
        t += b
        h_next = np.tanh(t, out=t)      # t is no longer needed: reuse its memory
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        dt = 1.0 - np.square(h_next)
        np.multiply(dt, dh_next, out=dt)
        dWx, dWh, db = self.grads
        if dWx.dtype == dt.dtype == dWh.dtype == db.dtype and x.dtype == dt.dtype == h_prev.dtype:
            np.dot(x.T, dt, out=dWx)
            np.dot(h_prev.T, dt, out=dWh)
            np.sum(dt, axis=0, out=db)
        else:                           # np.dot's out= needs the exact dtype
            dWx[...] = np.dot(x.T, dt)
            dWh[...] = np.dot(h_prev.T, dt)
            db[...] = np.sum(dt, axis=0)
        dx = np.dot(dt, Wx.T)
        dh_prev = np.dot(dt, Wh.T)
        return dx, dh_prev
