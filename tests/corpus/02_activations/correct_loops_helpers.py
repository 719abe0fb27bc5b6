# correct: explicit Python loops over entries with math functions, helper functions, extra attributes
import math

import numpy as np


def _sigmoid_scalar(v):
    # the two branches avoid overflow of math.exp
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def _apply(f, x):
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        out[idx] = f(float(x[idx]))
    return out


class Relu:
    def __init__(self):
        self.mask = None
        self.name = "relu"

    def forward(self, x):
        x = np.asarray(x)
        self.mask = np.zeros(x.shape, dtype=bool)
        out = np.zeros(x.shape, dtype=float)
        for idx in np.ndindex(x.shape):
            if x[idx] <= 0:
                self.mask[idx] = True
            else:
                out[idx] = x[idx]
        return out

    def backward(self, dout):
        dx = np.array(dout, dtype=float)
        for idx in np.ndindex(dx.shape):
            if self.mask[idx]:
                dx[idx] = 0.0
        return dx


class Sigmoid:
    def __init__(self):
        self.out = None
        self.x_shape = None

    def forward(self, x):
        self.x_shape = np.shape(x)
        self.out = _apply(_sigmoid_scalar, x)
        return self.out

    def backward(self, dout):
        dx = np.empty(self.x_shape)
        for idx in np.ndindex(self.x_shape):
            y = self.out[idx]
            dx[idx] = dout[idx] * y * (1 - y)
        return dx


class Tanh:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = _apply(math.tanh, x)
        return self.out

    def backward(self, dout):
        dx = np.empty(self.out.shape)
        for idx in np.ndindex(self.out.shape):
            dx[idx] = dout[idx] * (1 - self.out[idx] ** 2)
        return dx
