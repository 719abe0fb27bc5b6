# bug: forward builds the bias matrix with np.repeat(b, N).reshape(N, M), which lays the bias out column by column instead of once per row.
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
        N = x.shape[0]
        M = self.W.shape[1]
        B = np.repeat(self.b, N).reshape(N, M)
        out = np.dot(x, self.W) + B

        return out

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)

        return dx
