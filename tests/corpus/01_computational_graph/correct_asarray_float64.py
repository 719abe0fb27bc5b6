# correct: every input turned into a float64 array with np.asarray, copies kept, results as arrays (0-d for numbers)
import numpy as np


def as_float(v):
    return np.asarray(v, dtype=np.float64)


class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        x_arr, y_arr = as_float(x), as_float(y)
        self.x = x_arr.copy()
        self.y = y_arr.copy()
        result = x_arr * y_arr
        return result

    def backward(self, dout):
        g = as_float(dout)
        grad_x = g * self.y
        grad_y = g * self.x
        return (grad_x, grad_y)


class AddLayer:
    def __init__(self):
        pass

    def forward(self, x, y):
        return as_float(x) + as_float(y)

    def backward(self, dout):
        g = as_float(dout)
        return g.copy(), g.copy()


if __name__ == "__main__":
    m = MulLayer()
    print(m.forward(np.arange(3), np.ones(3)), m.backward(np.full(3, 2.0)))
