# bug: Relu stores mask on the class (Relu.mask = ...), so every Relu object shares the latest mask.
import numpy as np


class Relu:
    mask = None  # the cut entries, for backward

    def __init__(self):
        pass

    def forward(self, x):
        Relu.mask = (x <= 0)
        out = x.copy()
        out[Relu.mask] = 0

        return out

    def backward(self, dout):
        dout[Relu.mask] = 0
        dx = dout

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
