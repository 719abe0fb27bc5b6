# bug: dW and db are accumulated in a loop over range(N - 1), missing the last sample.
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
        N = dout.shape[0]
        dx = np.dot(dout, self.W.T)
        dW = np.zeros_like(self.W)
        db = np.zeros_like(self.b)
        for n in range(N - 1):
            dW += np.outer(self.x[n], dout[n])
            db += dout[n]
        if N == 1:
            dW = np.outer(self.x[0], dout[0])
            db = dout[0].copy()
        self.dW = dW
        self.db = db

        return dx
