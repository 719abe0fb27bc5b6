# bug: Relu keeps the input and backward returns dout * x where x > 0, multiplying by the input instead of by 1.
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
        dx = dout * self.x
        dx[self.mask] = 0

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
