# bug: dW is the outer product of the first sample only (written for a batch of one), ignoring the rest of the batch.
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
        self.dW = np.outer(self.x[0], dout[0])
        self.db = np.sum(dout, axis=0)

        return dx
