# correct: a notebook export (a training demo at top level, timed prints), zip-based one_hot, float32 inputs cast on entry, hidden states in a list of (x, h_prev, h) tuples, product-form bce, np.greater for predict
import itertools
import time

import numpy as np


def one_hot(sentences):
    rows = []
    for sentence in sentences:
        rows.append([[float(w == "as"), float(w == "soon")] for w in sentence])
    return np.array(rows, dtype=np.float64).reshape(len(sentences), -1, 2)


def make_dataset():
    perms = sorted(set(itertools.permutations(["as", "soon", "as"])))
    sentences = [tuple(p) for p in perms]
    X = one_hot(sentences)
    t = np.array([int(s == ("as", "soon", "as")) for s in sentences]).reshape(-1, 1)
    return sentences, X, t


def bce_loss(y_hat, y):
    y_hat = np.clip(y_hat, 1e-12, 1 - 1e-12)
    y = np.asarray(y, dtype=np.float64)
    per_example = np.log(y_hat ** y * (1 - y_hat) ** (1 - y))
    return -float(np.mean(per_example))


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
        xs = np.array(xs, dtype=np.float64)  # a copy: float32 or int codes come in as float64
        batch, steps, _ = xs.shape
        h = np.zeros((batch, self.Wxh.shape[1]))
        self.hs = [h]
        self.steps = []
        for k in range(steps):
            x = xs[:, k, :]
            h_next = np.tanh(x @ self.Wxh + h @ self.Whh + self.Bh)
            self.steps.append((x, h, h_next))
            self.hs.append(h_next)
            h = h_next
        self.xs = xs
        return 1.0 / (1.0 + np.exp(-(h @ self.Wy + self.By)))

    def loss(self, xs, t):
        self.y_hat = self.forward(xs)
        self.t = np.array(t, dtype=np.float64)
        return bce_loss(self.y_hat, self.t)

    def backward(self):
        n = self.y_hat.shape[0]
        da = (self.y_hat - self.t) / n
        grads = [np.zeros_like(p) for p in self.params]
        grads[3] = self.hs[-1].T @ da
        grads[4] = np.full((1, 1), da.sum())
        dh = da @ self.Wy.T
        for x, h_prev, h in reversed(self.steps):
            dz = dh * (1 - h * h)
            grads[0] += x.T @ dz
            grads[1] += h_prev.T @ dz
            grads[2] += dz.sum()
            dh = dz @ self.Whh.T
        for i in range(5):
            self.grads[i][...] = grads[i]
        return None

    def fit(self, xs, t, lr, epochs):
        out = []
        for e in range(epochs):
            out.append(self.loss(xs, t))
            self.backward()
            for i in range(len(self.params)):
                self.params[i] -= lr * self.grads[i]
        return out

    def predict(self, xs):
        return np.greater(self.forward(xs), 0.5).astype(int)


# notebook demo (runs at import, as a notebook export does; it is quick)
_start = time.time()
_, _X, _t = make_dataset()
_demo = ManyToOneRNN()
_losses = _demo.fit(_X.astype(np.float32), _t, 0.2, 300)
print(f"demo: loss {_losses[0]:.3f} -> {_losses[-1]:.3f} in {time.time() - _start:.2f} s")
