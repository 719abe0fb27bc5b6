# correct: hidden states in one array (T+1, N, H), np.einsum / @, a dict cache, the textbook's 1e-7 inside the logs, a stable sigmoid
import itertools

import numpy as np

CODES = {"as": (1, 0), "soon": (0, 1)}


def one_hot(sentences):
    X = np.zeros((len(sentences), len(sentences[0]) if sentences else 0, 2))
    for n, sentence in enumerate(sentences):
        for t, word in enumerate(sentence):
            X[n, t, CODES[word][1]] = 1.0
    return X


def make_dataset():
    sentences = sorted({p for p in itertools.permutations(("as", "soon", "as"))})
    t = np.array([[float(s == ("as", "soon", "as"))] for s in sentences])
    return sentences, one_hot(sentences), t


def bce_loss(y_hat, y):
    delta = 1e-7
    return float(-np.mean(np.sum(y * np.log(y_hat + delta) + (1 - y) * np.log(1 - y_hat + delta), axis=1)))


def _sigmoid(a):
    z = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + z), z / (1 + z))


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
        self.cache = {}

    def forward(self, xs):
        xs = np.asarray(xs, dtype=float)
        N, T, _ = xs.shape
        H = self.Whh.shape[0]
        hs = np.zeros((T + 1, N, H))
        for t in range(T):
            hs[t + 1] = np.tanh(np.einsum("nd,dh->nh", xs[:, t], self.Wxh) + hs[t] @ self.Whh + self.Bh)
        self.xs, self.hs = xs, hs
        self.cache = {"xs": xs, "hs": hs}
        return _sigmoid(hs[T] @ self.Wy + self.By)

    def loss(self, xs, t):
        self.y_hat = self.forward(xs)
        self.t = np.asarray(t, dtype=float)
        return bce_loss(self.y_hat, self.t)

    def backward(self):
        xs, hs = self.cache["xs"], self.cache["hs"]
        N, T, _ = xs.shape
        da = (self.y_hat - self.t) / N
        g = [np.zeros_like(p) for p in self.params]
        g[3] = np.einsum("nh,no->ho", hs[T], da)
        g[4] = np.full((1, 1), da.sum())
        dh = da @ self.Wy.T
        for t in range(T, 0, -1):
            dz = dh * (1 - hs[t] ** 2)
            g[0] += np.einsum("nd,nh->dh", xs[:, t - 1], dz)
            g[1] += np.einsum("nk,nh->kh", hs[t - 1], dz)
            g[2] += dz.sum()
            dh = dz @ self.Whh.T
        for dst, src in zip(self.grads, g):
            np.copyto(dst, src)

    def fit(self, xs, t, lr, epochs):
        history = []
        for _ in range(epochs):
            history.append(self.loss(xs, t))
            self.backward()
            for i in range(len(self.params)):
                self.params[i] -= lr * self.grads[i]
        return history

    def predict(self, xs):
        return np.where(self.forward(xs) > 0.5, 1, 0)
