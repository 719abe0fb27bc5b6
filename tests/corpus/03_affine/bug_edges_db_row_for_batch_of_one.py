# bug: for a batch of one there is nothing to sum, so db = dout, of shape (1, M) instead of (M,).
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
        self.dW = np.dot(self.x.T, dout)
        if dout.shape[0] == 1:
            self.db = dout
        else:
            self.db = np.sum(dout, axis=0)

        return dx
