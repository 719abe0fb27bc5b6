# correct: identities instead of the textbook formulas (sigmoid through tanh, ReLU through the mask as a multiplier), np.multiply with out= on dout
import numpy as np


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = np.less_equal(x, 0)
        return np.where(self.mask, np.zeros_like(x), x)

    def backward(self, dout):
        keep = np.logical_not(self.mask)
        return dout * keep


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        # sigmoid(x) = (1 + tanh(x / 2)) / 2: no exp, so no overflow warning
        self.out = 0.5 * (1.0 + np.tanh(0.5 * x))
        return self.out

    def backward(self, dout):
        dout = np.array(dout, dtype=np.result_type(dout, self.out))
        np.multiply(dout, self.out * (1.0 - self.out), out=dout)
        return dout


class Tanh:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * (1.0 + self.out)
