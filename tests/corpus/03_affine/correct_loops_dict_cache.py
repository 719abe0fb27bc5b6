# correct: explicit double loops over every index, a dict cache, float64 sums
import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None
        self.cache = {}

    def forward(self, x):
        N, D = x.shape
        M = self.W.shape[1]
        out = np.zeros((N, M))
        for n in range(N):
            for m in range(M):
                total = self.b[m]
                for d in range(D):
                    total += x[n, d] * self.W[d, m]
                out[n, m] = total
        self.x = x
        self.cache = {"x": x, "N": N, "D": D, "M": M}
        return out

    def backward(self, dout):
        x = self.cache["x"]
        N, D, M = self.cache["N"], self.cache["D"], self.cache["M"]
        dx = np.zeros((N, D))
        dW = np.zeros((D, M))
        db = np.zeros(M)
        for n in range(N):
            for d in range(D):
                for m in range(M):
                    dx[n, d] += dout[n, m] * self.W[d, m]
                    dW[d, m] += x[n, d] * dout[n, m]
        for m in range(M):
            for n in range(N):
                db[m] += dout[n, m]
        self.dW = dW
        self.db = db
        return dx
