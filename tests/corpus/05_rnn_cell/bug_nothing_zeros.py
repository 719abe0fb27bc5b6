# bug: computes nothing: zeros of the right shapes, grads left at zero.
import numpy as np


class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        h_next = np.zeros_like(h_prev)

        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache

        db = np.zeros_like(b)
        dWh = np.zeros_like(Wh)
        dh_prev = np.zeros_like(h_prev)
        dWx = np.zeros_like(Wx)
        dx = np.zeros_like(x)

        self.grads[0][...] = dWx
        self.grads[1][...] = dWh
        self.grads[2][...] = db

        return dx, dh_prev
