# correct: explicit loops over the batch, helper functions, in-place update of dh_next, tanh'(t) from cosh
import numpy as np


def _dtanh_from_output(h):
    return 1.0 - h * h


def _write(dst, value):
    dst[...] = value


class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        N = x.shape[0]
        H = Wh.shape[0]
        h_next = np.empty((N, H))
        for n in range(N):
            h_next[n] = np.tanh(np.dot(h_prev[n], Wh) + np.dot(x[n], Wx) + b)
        self.cache = (x.copy(), h_prev.copy(), h_next.copy())
        return h_next

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        dh_next *= _dtanh_from_output(h_next)      # dh_next is now dt (in place)
        dt = dh_next
        dWx = np.zeros(Wx.shape)
        dWh = np.zeros(Wh.shape)
        db = np.zeros(b.shape)
        dx = np.zeros(x.shape)
        dh_prev = np.zeros(h_prev.shape)
        for n in range(x.shape[0]):
            dWx += np.outer(x[n], dt[n])
            dWh += np.outer(h_prev[n], dt[n])
            db += dt[n]
            dx[n] = Wx @ dt[n]
            dh_prev[n] = Wh @ dt[n]
        _write(self.grads[0], dWx)
        _write(self.grads[1], dWh)
        _write(self.grads[2], db)
        return dx, dh_prev
