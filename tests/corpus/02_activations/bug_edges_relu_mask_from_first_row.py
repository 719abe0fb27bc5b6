# bug: Relu.backward rebuilds the mask from the first row of the kept input (self.x[0] <= 0), right only for a batch of one or a 1-D vector.
import numpy as np


class Relu:
    def __init__(self):
        self.mask = None
        self.x = None

    def forward(self, x):
        self.x = x
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0

        return out

    def backward(self, dout):
        cut = np.atleast_2d(self.x)[0] <= 0  # the same for every sample
        dx = np.where(cut, 0.0, dout)

        return dx


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        out = 1 / (1 + np.exp(-x))
        self.out = out

        return out

    def backward(self, dout):
        dx = dout * (1.0 - self.out) * self.out

        return dx


class Tanh:
    def __init__(self):
        self.out = None

    def forward(self, x):
        out = np.tanh(x)
        self.out = out

        return out

    def backward(self, dout):
        dx = dout * (1.0 - self.out ** 2)

        return dx
