# correct: explicit Python loops over the flattened entries (scalars handled separately)
import numpy as np


def _elementwise(op, a, b):
    if np.ndim(a) == 0 and np.ndim(b) == 0:
        return op(a, b)
    a = np.asarray(a)
    b = np.asarray(b)
    out = np.empty(a.shape, dtype=np.result_type(a, b))
    flat_a = a.reshape(-1)
    flat_b = b.reshape(-1)
    flat_out = out.reshape(-1)
    for i in range(flat_a.size):
        flat_out[i] = op(flat_a[i], flat_b[i])
    return out


class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return _elementwise(lambda a, b: a * b, x, y)

    def backward(self, dout):
        if np.ndim(dout) == 0 and np.ndim(self.x) > 0:
            dout = np.full(np.shape(self.x), dout)
        dx = _elementwise(lambda a, b: a * b, dout, self.y)
        dy = _elementwise(lambda a, b: a * b, dout, self.x)
        return dx, dy


class AddLayer:
    def __init__(self):
        pass

    def forward(self, x, y):
        return _elementwise(lambda a, b: a + b, x, y)

    def backward(self, dout):
        dx = _elementwise(lambda a, b: a * b, dout, np.ones_like(dout))
        dy = _elementwise(lambda a, b: a * b, dout, np.ones_like(dout))
        return dx, dy
