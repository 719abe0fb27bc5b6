# bug: Tanh keeps its output in a module-level variable, so every Tanh object shares the latest output.
import numpy as np

_tanh_out = None


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
        global _tanh_out
        out = np.tanh(x)
        _tanh_out = out
        self.out = out

        return out

    def backward(self, dout):
        dx = dout * (1.0 - _tanh_out ** 2)

        return dx
