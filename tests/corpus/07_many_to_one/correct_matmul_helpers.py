# correct: np.matmul, helper functions for the cell and its gradient, hidden states stacked into an (N, T+1, H) array, extra attributes
import itertools

import numpy as np


def one_hot(sentences):
    vocab = ["as", "soon"]
    ids = np.array([[vocab.index(w) for w in s] for s in sentences], dtype=int).reshape(len(sentences), -1)
    return np.eye(len(vocab))[ids]


def make_dataset():
    sentences = sorted(set(itertools.permutations(("as", "soon", "as"))))
    X = one_hot(sentences)
    target = ("as", "soon", "as")
    t = np.array([s == target for s in sentences], dtype=float).reshape(-1, 1)
    return sentences, X, t


def bce_loss(y_hat, y):
    p = np.clip(y_hat, 1e-12, 1 - 1e-12)
    per_sample = -(y * np.log(p) + (1 - y) * np.log(1 - p)).sum(axis=1)
    return per_sample.mean()


def _cell(x, h, Wxh, Whh, Bh):
    return np.tanh(np.matmul(x, Wxh) + np.matmul(h, Whh) + Bh)


def _through_tanh(dh, h):
    return dh * (1.0 - np.square(h))


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
        self.history = []
        self.n_forward = 0

    def forward(self, xs):
        self.n_forward += 1
        N, T, _ = xs.shape
        H = self.Whh.shape[0]
        states = np.zeros((N, T + 1, H))
        for t in range(T):
            states[:, t + 1] = _cell(xs[:, t], states[:, t], self.Wxh, self.Whh, self.Bh)
        self.xs = xs
        self.hs = [states[:, t] for t in range(T + 1)]
        logits = np.matmul(states[:, T], self.Wy) + self.By
        return 1.0 / (1.0 + np.exp(-logits))

    def loss(self, xs, t):
        y_hat = self.forward(xs)
        self.y_hat, self.t = y_hat, t
        return bce_loss(y_hat, t)

    def backward(self):
        for g in self.grads:
            g.fill(0.0)
        dWxh, dWhh, dBh, dWy, dBy = self.grads
        N, T, _ = self.xs.shape
        da = (self.y_hat - self.t) / N
        dWy += np.matmul(self.hs[T].T, da)
        dBy += da.sum()
        dh = np.matmul(da, self.Wy.T)
        for t in range(T, 0, -1):
            dz = _through_tanh(dh, self.hs[t])
            dWxh += np.matmul(self.xs[:, t - 1].T, dz)
            dWhh += np.matmul(self.hs[t - 1].T, dz)
            dBh += dz.sum()
            dh = np.matmul(dz, self.Whh.T)

    def fit(self, xs, t, lr, epochs):
        losses = []
        for _ in range(epochs):
            losses.append(self.loss(xs, t))
            self.backward()
            for param, grad in zip(self.params, self.grads):
                np.subtract(param, lr * grad, out=param)
        self.history.extend(losses)
        return losses

    def predict(self, xs):
        probabilities = self.forward(xs)
        labels = np.zeros(probabilities.shape, dtype=int)
        labels[probabilities > 0.5] = 1
        return labels
