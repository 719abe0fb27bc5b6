# correct: float32 arrays (astype), explicit Python loops over the samples, labels cast with astype(int)
import numpy as np


def softmax(x):
    x = np.asarray(x).astype(np.float32)
    if x.ndim == 1:
        e = np.exp(x - x.max())
        return e / e.sum()
    y = np.empty_like(x)
    for n in range(x.shape[0]):
        e = np.exp(x[n] - np.max(x[n]))
        y[n] = e / np.sum(e)
    return y


def cross_entropy_error(y, t):
    y = np.asarray(y).astype(np.float32)
    t = np.asarray(t)
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = t.reshape(1, -1)
    N = y.shape[0]
    total = np.float32(0.0)
    for n in range(N):
        k = int(np.argmax(t[n])) if t.ndim == 2 else int(t[n])
        total += -np.log(y[n, k] + np.float32(1e-7))
    return np.float32(total / N)


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, t)
        return self.loss

    def backward(self, dout=1):
        N = self.y.shape[0]
        dx = self.y.copy()
        t = np.asarray(self.t)
        for n in range(N):
            if t.ndim == 2:
                dx[n] -= t[n].astype(np.float32)
            else:
                dx[n, int(t[n])] -= 1
        dx *= np.float32(dout) / N
        return dx
