# correct: labels converted to one-hot with np.eye, no delta (clipping instead), helper functions
import numpy as np


def _to_2d(y, t):
    if y.ndim == 1:
        y = y[np.newaxis, :]
        t = np.asarray(t).reshape(1, -1)
    return y, t


def softmax(x):
    x = np.asarray(x, dtype=float)
    shifted = x - x.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    y, t = _to_2d(np.asarray(y), t)
    N, C = y.shape
    if t.shape == y.shape:
        onehot = t
    else:
        onehot = np.eye(C)[np.asarray(t).astype(int)]
    return float(-np.sum(onehot * np.log(np.clip(y, 1e-300, None))) / N)


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None
        self.t_onehot = None

    def forward(self, x, t):
        self.y = softmax(x)
        self.t = t
        N, C = self.y.shape
        t = np.asarray(t)
        self.t_onehot = t if t.shape == self.y.shape else np.eye(C)[t.astype(int)]
        self.loss = cross_entropy_error(self.y, self.t_onehot)
        return self.loss

    def backward(self, dout=1):
        N = self.y.shape[0]
        return (self.y - self.t_onehot) * (dout / N)
