# bug: the input is kept in a list that is a class attribute, shared by every Affine, and backward reads its last entry: another layer's forward in between changes this layer's gradients.
import numpy as np


class Affine:
    inputs = []

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        self.inputs.append(x)
        out = np.dot(x, self.W) + self.b

        return out

    def backward(self, dout):
        x = self.inputs[-1]
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(x.T, dout)
        self.db = np.sum(dout, axis=0)

        return dx
