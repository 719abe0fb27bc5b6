# bug: computes nothing: softmax and y are zeros, every loss is 0, every gradient zeros.
import numpy as np


def softmax(x):
    return np.zeros_like(x)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)

    # one-hot targets: turn them into label indices
    if t.size == y.size:
        t = t.argmax(axis=1)

    return 0.0


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = np.zeros_like(x)
        self.loss = 0.0

        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:  # one-hot targets
            dx = (self.y - self.t) / batch_size
        else:
            dx = self.y.copy()
            dx[np.arange(batch_size), self.t] -= 1
            dx = dx / batch_size

        return np.zeros_like(self.y)
