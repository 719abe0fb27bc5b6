# correct: one sequence at a time (loops over the batch, 1-D vectors, np.outer), integer labels in make_dataset, a two-branch stable sigmoid, in-place updates with param[...] = ...
import itertools

import numpy as np


def one_hot(sentences):
    eye = np.eye(2)
    rows = []
    for sentence in sentences:
        rows.append([eye[0] if word == "as" else eye[1] for word in sentence])
    return np.array(rows, dtype=float)


def make_dataset():
    sentences = sorted(set(itertools.permutations(("as", "soon", "as"))))
    X = one_hot(sentences)
    t = np.array([[int(s == ("as", "soon", "as"))] for s in sentences])
    return sentences, X, t


def bce_loss(y_hat, y):
    y_hat = np.clip(np.asarray(y_hat, dtype=float), 1e-12, 1 - 1e-12)
    y = np.asarray(y, dtype=float)
    total = 0.0
    for p, target in zip(y_hat.ravel(), y.ravel()):
        total += target * np.log(p) + (1 - target) * np.log(1 - p)
    return -total / y_hat.shape[0]


def sigmoid(a):
    out = np.empty_like(a, dtype=float)
    pos = a >= 0
    out[pos] = 1 / (1 + np.exp(-a[pos]))
    e = np.exp(a[~pos])
    out[~pos] = e / (1 + e)
    return out


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
        xs = np.asarray(xs, dtype=float)
        N, T, D = xs.shape
        H = self.Whh.shape[0]
        states = np.zeros((T + 1, N, H))
        for n in range(N):
            h = np.zeros(H)
            for t in range(T):
                h = np.tanh(xs[n, t] @ self.Wxh + h @ self.Whh + self.Bh[0, 0])
                states[t + 1, n] = h
        self.xs = xs
        self.hs = [states[t] for t in range(T + 1)]
        return sigmoid(self.hs[T] @ self.Wy + self.By[0, 0])

    def loss(self, xs, t):
        self.y_hat = self.forward(xs)
        self.t = np.asarray(t, dtype=float)
        return bce_loss(self.y_hat, self.t)

    def backward(self):
        N, T, D = self.xs.shape
        dWxh = np.zeros(self.Wxh.shape)
        dWhh = np.zeros(self.Whh.shape)
        dBh = 0.0
        dWy = np.zeros(self.Wy.shape)
        dBy = 0.0
        for n in range(N):
            da = (self.y_hat[n] - self.t[n]) / N        # (O,)
            dWy += np.outer(self.hs[T][n], da)
            dBy += da.sum()
            dh = self.Wy @ da                            # (H,)
            for t in reversed(range(T)):
                h_t = self.hs[t + 1][n]
                dz = dh * (1 - h_t ** 2)
                dWxh += np.outer(self.xs[n, t], dz)
                dWhh += np.outer(self.hs[t][n], dz)
                dBh += dz.sum()
                dh = self.Whh @ dz
        self.grads[0][...] = dWxh
        self.grads[1][...] = dWhh
        self.grads[2][...] = dBh
        self.grads[3][...] = dWy
        self.grads[4][...] = dBy

    def fit(self, xs, t, lr, epochs):
        losses = []
        for epoch in range(epochs):
            losses.append(self.loss(xs, t))
            self.backward()
            for i in range(len(self.params)):
                self.params[i][...] = self.params[i] - lr * self.grads[i]
        return losses

    def predict(self, xs):
        probs = self.forward(xs)
        labels = np.zeros(probs.shape, dtype=int)
        labels[probs > 0.5] = 1
        return labels


if __name__ == "__main__":
    _, X, t = make_dataset()
    m = ManyToOneRNN()
    history = m.fit(X, t, lr=0.2, epochs=300)
    print(history[0], history[-1])
    print(m.predict(X).T, t.T)
