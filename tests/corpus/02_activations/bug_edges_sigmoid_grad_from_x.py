# bug: Sigmoid.backward uses exp(-x) / (1 + exp(-x)) ** 2 from the kept x, which is inf / inf = nan for x = -1000.
import numpy as np


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0

        return out

    def backward(self, dout):
        dout[self.mask] = 0
        dx = dout

        return dx


class Sigmoid:
    def __init__(self):
        self.out = None
        self.x = None

    def forward(self, x):
        self.x = x
        out = 1 / (1 + np.exp(-x))
        self.out = out

        return out

    def backward(self, dout):
        e = np.exp(-self.x)
        dx = dout * e / (1 + e) ** 2

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
