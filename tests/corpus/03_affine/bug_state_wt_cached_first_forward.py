# bug: the first forward caches a copy of W.T for backward and never refreshes it, so after W is updated in place (a training step) dx uses the old weights.
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
        if not hasattr(self, "WT"):
            self.WT = self.W.T.copy()
        out = np.dot(x, self.W) + self.b

        return out

    def backward(self, dout):
        dx = np.dot(dout, self.WT)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)

        return dx
