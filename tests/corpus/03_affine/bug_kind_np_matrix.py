# bug: products are taken with np.matrix (MATLAB style), so out, dx and dW are np.matrix objects and db a (1, M) matrix.
import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = np.asmatrix(x)
        out = self.x * np.asmatrix(self.W) + self.b

        return out

    def backward(self, dout):
        dout = np.asmatrix(dout)
        dx = dout * np.asmatrix(self.W).T
        self.dW = self.x.T * dout
        self.db = dout.sum(axis=0)

        return dx
