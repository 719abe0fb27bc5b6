# bug: forward replaces self.W and self.b by float32 copies (self.W = self.W.astype(np.float32)), so the layer's parameters are no longer the arrays it was given.
import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.W = self.W.astype(np.float32)
        self.b = self.b.astype(np.float32)
        self.x = x.astype(np.float32)
        out = np.dot(self.x, self.W) + self.b

        return out

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)

        return dx
