# correct: numpy ufuncs (np.multiply / np.add), copies of the inputs kept
import numpy as np


class MulLayer:
    """out = x * y"""

    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        # keep copies so that a caller changing its arrays later cannot change our gradient
        self.x = np.copy(x)
        self.y = np.copy(y)
        return np.multiply(x, y)

    def backward(self, dout):
        return np.multiply(dout, self.y), np.multiply(dout, self.x)


class AddLayer:
    """out = x + y"""

    def __init__(self):
        pass

    def forward(self, x, y):
        return np.add(x, y)

    def backward(self, dout):
        dx = np.array(dout, copy=True)
        dy = np.array(dout, copy=True)
        return (dx, dy)
