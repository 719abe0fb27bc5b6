# correct: explicit Python loops over the batch, float32 arrays (astype), integer inputs accepted
import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        x = np.asarray(x).astype(np.float32)
        self.x = x
        N = x.shape[0]
        M = self.W.shape[1]
        W = self.W.astype(np.float32)
        out = np.zeros((N, M), dtype=np.float32)
        for n in range(N):
            out[n] = x[n] @ W + self.b
        return out

    def backward(self, dout):
        dout = np.asarray(dout).astype(np.float32)
        W = self.W.astype(np.float32)
        N = dout.shape[0]
        dx = np.zeros((N, W.shape[0]), dtype=np.float32)
        dW = np.zeros(W.shape, dtype=np.float32)
        db = np.zeros(W.shape[1], dtype=np.float32)
        for n in range(N):
            dx[n] = W @ dout[n]
            dW += np.outer(self.x[n], dout[n])
            db += dout[n]
        self.dW = dW
        self.db = db
        return dx
