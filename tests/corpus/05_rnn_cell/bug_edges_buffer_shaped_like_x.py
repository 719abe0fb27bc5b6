# bug: forward allocates h_next with np.zeros_like(x), which only fits when D == H.
import numpy as np


class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        N = x.shape[0]
        h_next = np.zeros_like(x, dtype=float)
        for n in range(N):
            h_next[n] = np.tanh(h_prev[n] @ Wh + x[n] @ Wx + b)
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        N = x.shape[0]
        dt = dh_next * (1 - h_next ** 2)
        dWx = np.zeros_like(Wx)
        dWh = np.zeros_like(Wh)
        db = np.zeros_like(b)
        for n in range(N):
            dWx += np.outer(x[n], dt[n])
            dWh += np.outer(h_prev[n], dt[n])
            db += dt[n]
        dx = dt @ Wx.T
        dh_prev = dt @ Wh.T
        self.grads[0][...] = dWx
        self.grads[1][...] = dWh
        self.grads[2][...] = db
        return dx, dh_prev
