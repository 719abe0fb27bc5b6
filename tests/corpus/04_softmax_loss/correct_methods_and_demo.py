# correct: private helper methods, copies everywhere, labels found by ndim, a demo guarded by __main__
import numpy as np


def softmax(x):
    x = np.array(x, dtype=np.float64, copy=True)
    if x.ndim == 1:
        return softmax(x.reshape(1, -1)).reshape(-1)
    x -= x.max(axis=1, keepdims=True)  # on our own copy
    np.exp(x, out=x)
    x /= x.sum(axis=1, keepdims=True)
    return x


def cross_entropy_error(y, t):
    y = np.array(y, dtype=np.float64)
    t = np.array(t)
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1)
    if t.ndim == 2:
        t = t.argmax(axis=1)
    losses = [-np.log(y[i, int(k)] + 1e-7) for i, k in enumerate(t)]
    return float(sum(losses) / len(losses))


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def _labels(self):
        t = np.asarray(self.t)
        return t.argmax(axis=1) if t.ndim == 2 else t.astype(int)

    def forward(self, x, t):
        self.t = np.array(t, copy=True)
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        dx = self.y.copy()
        n = dx.shape[0]
        dx[np.arange(n), self._labels()] -= 1.0
        dx *= dout / n
        return dx


if __name__ == "__main__":
    layer = SoftmaxWithLoss()
    print(layer.forward(np.array([[1.0, 2.0, 3.0]]), np.array([2])), layer.backward())
