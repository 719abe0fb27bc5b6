# correct: inputs copied as float64 arrays first, copies of the cache kept, np.clip against overflow, a demo at import
import numpy as np


def _as_array(a):
    return np.array(a, dtype=np.float64, copy=True)


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        x = _as_array(x)
        self.mask = x <= 0
        x[self.mask] = 0.0
        return x

    def backward(self, dout):
        dx = _as_array(dout)
        dx[self.mask] = 0.0
        return dx


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        z = np.clip(_as_array(x), -700.0, 700.0)  # exp(700) is still finite in float64
        out = 1.0 / (1.0 + np.exp(-z))
        self.out = out.copy()
        return out

    def backward(self, dout):
        s = self.out
        return _as_array(dout) * s * (1.0 - s)


class Tanh:
    def __init__(self):
        self.out = None

    def forward(self, x):
        out = np.tanh(_as_array(x))
        self.out = out.copy()
        return out

    def backward(self, dout):
        y = self.out
        return _as_array(dout) * (1.0 - np.square(y))


print("activations loaded:", [cls.__name__ for cls in (Relu, Sigmoid, Tanh)])
