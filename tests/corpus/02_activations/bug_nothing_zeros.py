# bug: computes nothing: every method returns zeros shaped like its input.
import numpy as np


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
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
