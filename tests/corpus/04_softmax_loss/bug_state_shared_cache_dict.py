# bug: SoftmaxWithLoss keeps y and t for backward in a dict that is a class attribute, shared by every instance: another layer's forward in between changes this layer's dx.
import numpy as np


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)   # guard against overflow
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)

    # one-hot targets: turn them into label indices
    if t.size == y.size:
        t = t.argmax(axis=1)

    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


class SoftmaxWithLoss:
    cache = {}

    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.cache["y"] = self.y
        self.cache["t"] = t
        self.loss = cross_entropy_error(self.y, self.t)

        return self.loss

    def backward(self, dout=1):
        y, t = self.cache["y"], self.cache["t"]
        batch_size = y.shape[0]
        if t.size == y.size:  # one-hot targets
            dx = (y - t) / batch_size
        else:
            dx = y.copy()
            dx[np.arange(batch_size), t] -= 1
            dx = dx / batch_size

        return dx * dout
