# bug: the list of hidden states is a class attribute, cleared and refilled by forward, so every model shares it and backward can read another model's states.
import itertools

import numpy as np


def one_hot(sentences):
    codes = {"as": [1.0, 0.0], "soon": [0.0, 1.0]}
    return np.array([[codes[word] for word in sentence] for sentence in sentences], dtype=float)


def make_dataset():
    sentences = sorted(set(itertools.permutations(("as", "soon", "as"))))
    X = one_hot(sentences)
    t = np.array([[1.0] if s == ("as", "soon", "as") else [0.0] for s in sentences])
    return sentences, X, t


def bce_loss(y_hat, y):
    y_hat = np.clip(y_hat, 1e-12, 1 - 1e-12)
    N = y_hat.shape[0]
    return -np.sum(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)) / N


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class ManyToOneRNN:
    states = []

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
        H = self.Whh.shape[0]
        self.xs = xs
        h = np.zeros((N, H))
        self.hs = self.states  # one list, refilled by every forward
        self.hs.clear()
        self.hs.append(h)
        for t in range(T):
            h = np.tanh(
                np.dot(xs[:, t, :], self.Wxh) + np.dot(h, self.Whh) + self.Bh)
            self.hs.append(h)
        a = np.dot(h, self.Wy) + self.By
        return sigmoid(a)

    def loss(self, xs, t):
        self.y_hat = self.forward(xs)
        self.t = t
        return bce_loss(self.y_hat, t)

    def backward(self):
        xs, hs = self.xs, self.hs
        N, T, D = xs.shape
        da = (self.y_hat - self.t) / N
        dWy = np.dot(hs[-1].T, da)
        dBy = np.sum(da).reshape(1, 1)
        dh = np.dot(da, self.Wy.T)

        dWxh = np.zeros_like(self.Wxh)
        dWhh = np.zeros_like(self.Whh)
        dBh = np.zeros_like(self.Bh)
        for t in reversed(range(T)):
            dz = dh * (1 - hs[t + 1] ** 2)
            dWxh += np.dot(xs[:, t, :].T, dz)
            dWhh += np.dot(hs[t].T, dz)
            dBh += np.sum(dz)
            dh = np.dot(dz, self.Whh.T)

        self.grads[0][...] = dWxh
        self.grads[1][...] = dWhh
        self.grads[2][...] = dBh
        self.grads[3][...] = dWy
        self.grads[4][...] = dBy

    def fit(self, xs, t, lr, epochs):
        losses = []
        for epoch in range(epochs):
            loss = self.loss(xs, t)
            self.backward()
            for param, grad in zip(self.params, self.grads):
                param -= lr * grad
            losses.append(loss)
        return losses

    def predict(self, xs):
        return (self.forward(xs) > 0.5).astype(int)


if __name__ == "__main__":
    sentences, X, t = make_dataset()
    model = ManyToOneRNN()
    losses = model.fit(X, t, lr=0.2, epochs=300)
    print(losses[0], losses[-1], model.predict(X).ravel())
