# bug: Relu keeps mask as a float array of 0.0 and 1.0 (astype(float)) instead of a boolean array.
import numpy as np


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0).astype(float)
        out = x * (1 - self.mask)

        return out

    def backward(self, dout):
        dx = dout * (1 - self.mask)

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
