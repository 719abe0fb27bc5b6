# bug: dW averages over the batch (x^T dout / N) as if the loss were a mean, while db sums.
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
        self.dW = np.dot(self.x.T, dout) / N
        self.db = np.sum(dout, axis=0)

        return dx
