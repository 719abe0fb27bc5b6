# correct: cache kept as a dict, helper functions, extra attributes (call counter)
import numpy as np


def _mul(a, b):
    return a * b


class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None
        self.cache = {}
        self.calls = 0

    def forward(self, x, y):
        self.calls += 1
        self.x, self.y = x, y
        self.cache = {"x": x, "y": y}
        return _mul(x, y)

    def backward(self, dout):
        x, y = self.cache["x"], self.cache["y"]
        grads = (_mul(dout, y), _mul(dout, x))
        return grads


class AddLayer:
    def __init__(self):
        self.name = "add"

    def forward(self, x, y):
        result = x + y
        return result

    def backward(self, dout):
        d = dout
        return d, d
