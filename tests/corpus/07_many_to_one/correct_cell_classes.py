# correct: a small RNNCell class with its own forward/backward and (x, h_prev, h_next) tuple caches, zero_grad/step helpers, progress printing in fit, np.rint for predict
import itertools

import numpy as np


class RNNCell:
    """One tanh step: h_next = tanh(x @ Wxh + h_prev @ Whh + Bh)."""

    def __init__(self, Wxh, Whh, Bh):
        self.Wxh, self.Whh, self.Bh = Wxh, Whh, Bh
        self.cache = None

    def forward(self, x, h_prev):
        h_next = np.tanh(x @ self.Wxh + h_prev @ self.Whh + self.Bh)
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next):
        x, h_prev, h_next = self.cache
        dz = dh_next * (1 - h_next ** 2)
        dWxh = x.T @ dz
        dWhh = h_prev.T @ dz
        dBh = dz.sum()
        dh_prev = dz @ self.Whh.T
        return dh_prev, dWxh, dWhh, dBh


def one_hot(sentences):
    table = {"as": np.array([1.0, 0.0]), "soon": np.array([0.0, 1.0])}
    return np.array([[table[w] for w in s] for s in sentences])


def make_dataset():
    perms = set()
    for p in itertools.permutations(("as", "soon", "as")):
        perms.add(p)
    sentences = sorted(perms)
    labels = [[1.0] if s == ("as", "soon", "as") else [0.0] for s in sentences]
    return sentences, one_hot(sentences), np.array(labels)


def bce_loss(y_hat, y):
    y_hat = np.clip(y_hat, 1e-12, 1 - 1e-12)
    per_example = y * np.log(y_hat) + (1 - y) * np.log1p(-y_hat)
    return -per_example.sum() / len(y_hat)


def sigmoid(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


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
        self.cells = []

    def forward(self, xs):
        N, T, D = xs.shape
        h = np.zeros((N, self.Wxh.shape[1]))
        self.cells = []
        self.hs = [h]
        for t in range(T):
            cell = RNNCell(self.Wxh, self.Whh, self.Bh)
            h = cell.forward(xs[:, t, :], h)
            self.cells.append(cell)
            self.hs.append(h)
        self.xs = xs
        return sigmoid(h @ self.Wy + self.By)

    def loss(self, xs, t):
        self.y_hat = self.forward(xs)
        self.t = t
        return bce_loss(self.y_hat, t)

    def zero_grad(self):
        for g in self.grads:
            g.fill(0.0)

    def backward(self):
        self.zero_grad()
        dWxh, dWhh, dBh, dWy, dBy = self.grads
        da = (self.y_hat - self.t) / len(self.y_hat)
        dWy += self.hs[-1].T @ da
        dBy += da.sum()
        dh = da @ self.Wy.T
        for cell in reversed(self.cells):
            dh, dwx, dwh, db = cell.backward(dh)
            dWxh += dwx
            dWhh += dwh
            dBh += db

    def step(self, lr):
        for p, g in zip(self.params, self.grads):
            p -= lr * g

    def fit(self, xs, t, lr, epochs):
        losses = []
        for epoch in range(epochs):
            L = self.loss(xs, t)
            losses.append(L)
            self.backward()
            self.step(lr)
            if epoch % 100 == 0:
                print(f"epoch {epoch:4d}  loss {L:.4f}")
        return losses

    def predict(self, xs):
        # np.rint rounds 0.5 to the even number 0, so this is "> 0.5"
        return np.rint(self.forward(xs)).astype(np.int64)


if __name__ == "__main__":
    sentences, X, t = make_dataset()
    rnn = ManyToOneRNN()
    rnn.fit(X, t, 0.2, 300)
    for s, label in zip(sentences, rnn.predict(X).ravel()):
        print(" ".join(s), "->", label)
