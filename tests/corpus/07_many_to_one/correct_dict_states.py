# correct: the min-char-rnn layout (hidden states in a dict keyed by step, 0 .. T), zip-free updates with np.subtract(out=), a stable sigmoid with np.exp of -|a|
import itertools

import numpy as np


def one_hot(sentences):
    index = {"as": 0, "soon": 1}
    N, T = len(sentences), len(sentences[0])
    X = np.zeros((N, T, 2))
    for n in range(N):
        for t in range(T):
            X[n, t, index[sentences[n][t]]] = 1
    return X


def make_dataset():
    sentences = sorted(set(itertools.permutations(["as", "soon", "as"])))
    sentences = [tuple(s) for s in sentences]
    X = one_hot(sentences)
    t = np.zeros((len(sentences), 1))
    t[sentences.index(("as", "soon", "as")), 0] = 1
    return sentences, X, t


def bce_loss(y_hat, y):
    y_hat = np.clip(y_hat, 1e-12, 1 - 1e-12)
    return float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)), axis=0).sum())


def stable_sigmoid(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


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

    def forward(self, xs):
        N, T, D = xs.shape
        hs = {0: np.zeros((N, self.Whh.shape[0]))}
        for t in range(1, T + 1):
            hs[t] = np.tanh(xs[:, t - 1, :] @ self.Wxh + hs[t - 1] @ self.Whh + self.Bh)
        self.xs = xs
        self.hs = [hs[t] for t in range(T + 1)]
        return stable_sigmoid(hs[T] @ self.Wy + self.By)

    def loss(self, xs, t):
        self.y_hat = self.forward(xs)
        self.t = t
        return bce_loss(self.y_hat, t)

    def backward(self):
        N, T, D = self.xs.shape
        dWxh, dWhh, dBh = np.zeros_like(self.Wxh), np.zeros_like(self.Whh), np.zeros_like(self.Bh)
        da = (self.y_hat - self.t) / N
        dWy = self.hs[T].T @ da
        dBy = np.array([[da.sum()]])
        dhnext = da @ self.Wy.T
        for t in reversed(range(1, T + 1)):
            dhraw = (1 - self.hs[t] * self.hs[t]) * dhnext
            dWxh += self.xs[:, t - 1, :].T @ dhraw
            dWhh += self.hs[t - 1].T @ dhraw
            dBh += dhraw.sum()
            dhnext = dhraw @ self.Whh.T
        for grad, value in zip(self.grads, (dWxh, dWhh, dBh, dWy, dBy)):
            grad[...] = value

    def fit(self, xs, t, lr, epochs):
        losses = []
        for _ in range(epochs):
            losses.append(self.loss(xs, t))
            self.backward()
            for i in range(5):
                np.subtract(self.params[i], lr * self.grads[i], out=self.params[i])
        return losses

    def predict(self, xs):
        return (self.forward(xs) > 0.5).astype(int)
