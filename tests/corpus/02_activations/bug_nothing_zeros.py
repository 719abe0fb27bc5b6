# bug: computes nothing: every method returns zeros shaped like its input, and the mask is all False.
import numpy as np


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = np.zeros(x.shape, dtype=bool)
        return np.zeros_like(x)

    def backward(self, dout):
        return np.zeros_like(dout)


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        out = np.zeros_like(x)
        self.out = out

        return out

    def backward(self, dout):
        dx = np.zeros_like(dout)

        return dx


class Tanh:
    def __init__(self):
        self.out = None

    def forward(self, x):
        out = np.zeros_like(x)
        self.out = out

        return out

    def backward(self, dout):
        dx = np.zeros_like(dout)

        return dx
