# bug: backward adds to dW and db across calls instead of setting them afresh.
import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        out = np.dot(x, self.W) + self.b

        return out

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        if self.dW is None:
            self.dW = np.zeros_like(self.W)
            self.db = np.zeros_like(self.b)
        self.dW += np.dot(self.x.T, dout)
        self.db += np.sum(dout, axis=0)

        return dx
