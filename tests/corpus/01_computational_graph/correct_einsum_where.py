# correct: np.einsum for the products, np.ones_like for the addition's local gradient, shapes checked with assert
import numpy as np


def _times(a, b):
    a = np.asarray(a)
    b = np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    return np.einsum("...,...->...", a, b)


class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return _times(x, y)

    def backward(self, dout):
        dx = _times(dout, self.y)
        dy = _times(dout, self.x)
        return dx, dy


class AddLayer:
    def __init__(self):
        self.local_grad = 1

    def forward(self, x, y):
        x = np.asarray(x)
        y = np.asarray(y)
        assert x.shape == y.shape
        self.local_grad = np.ones_like(x + y)
        return np.add(x, y)

    def backward(self, dout):
        dx = dout * self.local_grad
        dy = dout * self.local_grad
        return dx, dy
