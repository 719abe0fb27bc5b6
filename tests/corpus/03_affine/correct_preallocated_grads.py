# correct: dW and db allocated once and overwritten in place with out= (set afresh each call), tensordot for the products
import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        out = np.tensordot(x, self.W, axes=([1], [0]))
        out += self.b
        return out

    def backward(self, dout):
        dtype = np.result_type(self.x, dout, self.W)
        if self.dW is None or self.dW.dtype != dtype:
            self.dW = np.empty(self.W.shape, dtype=dtype)
            self.db = np.empty(self.b.shape, dtype=dtype)
        np.dot(self.x.T.astype(dtype), dout.astype(dtype), out=self.dW)
        np.sum(dout, axis=0, out=self.db)
        return np.tensordot(dout, self.W, axes=([1], [1]))
