# correct: products written through transposes ((W^T x^T)^T), db as ones @ dout, copies returned, a small self-check run at import (unguarded)
import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x.copy()
        out = np.matmul(self.W.T, x.T).T
        out = np.add(out, self.b)
        return out.copy()

    def backward(self, dout):
        ones = np.ones((1, dout.shape[0]), dtype=dout.dtype)
        dx = np.matmul(self.W, dout.T).T
        self.dW = np.matmul(dout.T, self.x).T
        self.db = np.matmul(ones, dout).reshape(-1)
        return np.ascontiguousarray(dx)


_layer = Affine(np.eye(2), np.array([1.0, -1.0]))
assert np.allclose(_layer.forward(np.array([[1.0, 2.0]])), [[2.0, 1.0]])
assert np.allclose(_layer.backward(np.array([[1.0, 1.0]])), [[1.0, 1.0]])
del _layer
