# correct: the @ operator, a dict cache, np.copyto for the gradients, extra attributes
import numpy as np


class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None
        self.steps = 0

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        h_next = np.tanh(h_prev @ Wh + x @ Wx + b)
        self.cache = {"x": x, "h_prev": h_prev, "h_next": h_next}
        self.steps += 1
        return h_next

    def backward(self, dh_next):
        Wx, Wh, _ = self.params
        c = self.cache
        dt = dh_next * (1.0 - c["h_next"] * c["h_next"])
        np.copyto(self.grads[0], c["x"].T @ dt)
        np.copyto(self.grads[1], c["h_prev"].T @ dt)
        np.copyto(self.grads[2], dt.sum(axis=0))
        return dt @ Wx.T, dt @ Wh.T
