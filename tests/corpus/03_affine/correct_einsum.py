# correct: np.einsum for every product, copies of the input kept
import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = np.array(x, copy=True)
        return np.einsum("nd,dm->nm", x, self.W) + self.b[None, :]

    def backward(self, dout):
        dx = np.einsum("nm,dm->nd", dout, self.W)
        self.dW = np.einsum("nd,nm->dm", self.x, dout)
        self.db = np.einsum("nm->m", dout)
        return dx
