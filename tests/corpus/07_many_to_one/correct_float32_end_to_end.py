# correct: float32 end to end (codes, states, gradients), a sigmoid through np.logaddexp, the textbook's 1e-7 inside the logs
import itertools

import numpy as np

F = np.float32


def one_hot(sentences):
    X = np.zeros((len(sentences), len(sentences[0]), 2), dtype=F)
    for i, sentence in enumerate(sentences):
        for j, word in enumerate(sentence):
            if word == "as":
                X[i, j, 0] = 1
            else:
                X[i, j, 1] = 1
    return X


def make_dataset():
    sentences = sorted(set(itertools.permutations(["as", "soon", "as"])))
    X = one_hot(sentences)
    t = np.array([[1.0 if s == ("as", "soon", "as") else 0.0] for s in sentences], dtype=F)
    return sentences, X, t


def bce_loss(y_hat, y):
    eps = 1e-7
    y_hat = np.asarray(y_hat, dtype=F)
    y = np.asarray(y, dtype=F)
    n = y_hat.shape[0]
    return -np.sum(y * np.log(y_hat + eps) + (1 - y) * np.log(1 - y_hat + eps)) / n


def sigmoid(a):
    # 1 / (1 + e^-a) = exp(-log(1 + e^-a)), and logaddexp never overflows
    return np.exp(-np.logaddexp(0, -a)).astype(F)


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

    def _weights(self):
        return [p.astype(F) for p in self.params]

    def forward(self, xs):
        xs = np.asarray(xs, dtype=F)
        Wxh, Whh, Bh, Wy, By = self._weights()
        N, T, D = xs.shape
        h = np.zeros((N, Whh.shape[0]), dtype=F)
        self.hs = [h]
        for t in range(T):
            h = np.tanh(np.dot(xs[:, t, :], Wxh) + np.dot(h, Whh) + Bh)
            self.hs.append(h)
        self.xs = xs
        return sigmoid(np.dot(h, Wy) + By)

    def loss(self, xs, t):
        self.y_hat = self.forward(xs)
        self.t = np.asarray(t, dtype=F)
        return bce_loss(self.y_hat, self.t)

    def backward(self):
        Wxh, Whh, Bh, Wy, By = self._weights()
        N, T, D = self.xs.shape
        dWxh = np.zeros_like(Wxh)
        dWhh = np.zeros_like(Whh)
        dBh = np.zeros_like(Bh)
        da = (self.y_hat - self.t) / F(N)
        dWy = np.dot(self.hs[T].T, da)
        dBy = da.sum()
        dh = np.dot(da, Wy.T)
        for t in range(T - 1, -1, -1):
            dz = dh * (1 - self.hs[t + 1] * self.hs[t + 1])
            dWxh += np.dot(self.xs[:, t, :].T, dz)
            dWhh += np.dot(self.hs[t].T, dz)
            dBh += dz.sum()
            dh = np.dot(dz, Whh.T)
        for grad, value in zip(self.grads, (dWxh, dWhh, dBh, dWy, dBy)):
            grad[...] = value

    def fit(self, xs, t, lr, epochs):
        losses = []
        for _ in range(epochs):
            losses.append(float(self.loss(xs, t)))
            self.backward()
            for param, grad in zip(self.params, self.grads):
                param -= lr * grad
        return losses

    def predict(self, xs):
        return (self.forward(xs) > 0.5).astype(np.int32)
