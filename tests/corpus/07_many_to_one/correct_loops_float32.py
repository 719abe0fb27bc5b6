# correct: float32 computation (astype), explicit loops over the batch and time, integer targets cast with astype
import itertools

import numpy as np

F = np.float32


def one_hot(sentences):
    out = []
    for sentence in sentences:
        row = []
        for word in sentence:
            row.append([1, 0] if word == "as" else [0, 1])
        out.append(row)
    return np.array(out).astype(F)


def make_dataset():
    seen = []
    for p in itertools.permutations(("as", "soon", "as")):
        if p not in seen:
            seen.append(p)
    sentences = sorted(seen)
    labels = []
    for s in sentences:
        labels.append([1 if s == ("as", "soon", "as") else 0])
    return sentences, one_hot(sentences), np.array(labels).astype(F)


def bce_loss(y_hat, y):
    y_hat = np.clip(np.asarray(y_hat).astype(F), F(1e-12), F(1 - 1e-7))
    y = np.asarray(y).astype(F)
    N = y_hat.shape[0]
    total = F(0)
    for n in range(N):
        for o in range(y_hat.shape[1]):
            total += y[n, o] * np.log(y_hat[n, o]) + (1 - y[n, o]) * np.log(1 - y_hat[n, o])
    return F(-total / N)


class ManyToOneRNN:
    def __init__(self, input_size=2, hidden_size=3, output_size=1, seed=230907):
        D, H, O = input_size, hidden_size, output_size
        np.random.seed(seed)
        self.Wxh = np.random.randn(D, H)
        self.Whh = np.random.randn(H, H)
        self.Bh = np.random.randn(1, 1)
        self.Wy = np.random.randn(H, O)
        self.By = np.random.randn(1, 1)
        self.params = [self.Wxh, self.Whh, self.Bh, self.Wy, self.By]
        self.grads = [np.zeros_like(p) for p in self.params]
        self.xs = None     # the input of the latest forward, (N, T, D)
        self.hs = None     # its hidden states h_0 .. h_T, each (N, H)
        self.y_hat = None  # the output of the latest loss call, (N, O)
        self.t = None      # the targets of the latest loss call, (N, O)

    def _p(self):
        return [p.astype(F) for p in self.params]

    def forward(self, xs):
        Wxh, Whh, Bh, Wy, By = self._p()
        xs = np.asarray(xs).astype(F)
        N, T, D = xs.shape
        H = Whh.shape[0]
        self.xs = xs
        self.hs = [np.zeros((N, H), dtype=F)]
        for t in range(T):
            h_t = np.empty((N, H), dtype=F)
            for n in range(N):
                h_t[n] = np.tanh(xs[n, t] @ Wxh + self.hs[-1][n] @ Whh + Bh[0, 0])
            self.hs.append(h_t)
        a = self.hs[-1] @ Wy + By
        return (1 / (1 + np.exp(-a))).astype(F)

    def loss(self, xs, t):
        self.y_hat = self.forward(xs)
        self.t = np.asarray(t).astype(F)
        return bce_loss(self.y_hat, self.t)

    def backward(self):
        Wxh, Whh, Bh, Wy, By = self._p()
        xs, hs = self.xs, self.hs
        N, T, D = xs.shape
        da = (self.y_hat - self.t) / F(N)
        dWxh = np.zeros(Wxh.shape, dtype=F)
        dWhh = np.zeros(Whh.shape, dtype=F)
        dBh = np.zeros((1, 1), dtype=F)
        dWy = hs[T].T @ da
        dBy = da.sum(keepdims=True).reshape(1, 1)
        dh = da @ Wy.T
        for t in range(T, 0, -1):
            dz = dh * (1 - hs[t] * hs[t])
            for n in range(N):
                dWxh += np.outer(xs[n, t - 1], dz[n])
                dWhh += np.outer(hs[t - 1][n], dz[n])
            dBh += dz.sum()
            dh = dz @ Whh.T
        for i, g in enumerate((dWxh, dWhh, dBh, dWy, dBy)):
            self.grads[i][...] = g

    def fit(self, xs, t, lr, epochs):
        losses = []
        for _ in range(epochs):
            losses.append(float(self.loss(xs, t)))
            self.backward()
            for param, grad in zip(self.params, self.grads):
                param -= lr * grad
        return losses

    def predict(self, xs):
        return (self.forward(xs) > 0.5).astype(np.int64)
