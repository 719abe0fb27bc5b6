# correct: float32 throughout (astype(np.float32), as the textbook's dtype='f')
import numpy as np


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        x = np.asarray(x).astype(np.float32)
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dx = np.asarray(dout).astype(np.float32)   # astype copies
        dx[self.mask] = 0
        return dx


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        x = np.asarray(x).astype(np.float32)
        with np.errstate(over="ignore"):
            self.out = (1 / (1 + np.exp(-x))).astype(np.float32)
        return self.out

    def backward(self, dout):
        dout = np.asarray(dout).astype(np.float32)
        return dout * (1 - self.out) * self.out


class Tanh:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = np.tanh(np.asarray(x).astype(np.float32))
        return self.out

    def backward(self, dout):
        dout = np.asarray(dout).astype(np.float32)
        return dout * (1 - self.out * self.out)
