# bug: bce_loss clips y_hat to [1e-3, 1 - 1e-3], which changes the loss of every confident prediction, not only of 0 and 1.
import itertools

import numpy as np

WORD_INDEX = {"as": 0, "soon": 1}


def one_hot(sentences):
    N = len(sentences)
    T = len(sentences[0])
    X = np.zeros((N, T, 2))
    for n in range(N):
        for t in range(T):
            X[n, t, WORD_INDEX[sentences[n][t]]] = 1.0
    return X


def make_dataset():
    sentences = sorted(set(itertools.permutations(("as", "soon", "as"))))
    X = one_hot(sentences)
    t = np.zeros((len(sentences), 1))
    for i, s in enumerate(sentences):
        if s == ("as", "soon", "as"):
            t[i, 0] = 1.0
    return sentences, X, t


def bce_loss(y_hat, y):
    N = y_hat.shape[0]
    y_hat = np.clip(y_hat, 1e-3, 1 - 1e-3)  # keep away from log(0)
    total = np.sum(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
    return -total / N


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


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
        H = self.Whh.shape[0]
        h = np.zeros((N, H))
        hs = [h]
        for t in range(T):
            x_t = xs[:, t, :]
            h = np.tanh(x_t @ self.Wxh + h @ self.Whh + self.Bh)
            hs.append(h)
        self.xs = xs
        self.hs = hs
        a = h @ self.Wy + self.By
        return sigmoid(a)

    def loss(self, xs, t):
        self.y_hat = self.forward(xs)
        self.t = t
        return bce_loss(self.y_hat, t)

    def backward(self):
        xs, hs = self.xs, self.hs
        N, T, D = xs.shape
        da = (self.y_hat - self.t) / N
        dWy = hs[T].T @ da
        dBy = np.sum(da)
        dh = da @ self.Wy.T

        dWxh = np.zeros_like(self.Wxh)
        dWhh = np.zeros_like(self.Whh)
        dBh = np.zeros_like(self.Bh)
        for t in range(T, 0, -1):
            dz = dh * (1 - hs[t] ** 2)
            dWxh += xs[:, t - 1, :].T @ dz
            dWhh += hs[t - 1].T @ dz
            dBh += np.sum(dz)
            dh = dz @ self.Whh.T

        self.grads[0][...] = dWxh
        self.grads[1][...] = dWhh
        self.grads[2][...] = dBh
        self.grads[3][...] = dWy
        self.grads[4][...] = dBy

    def fit(self, xs, t, lr, epochs):
        losses = []
        for epoch in range(epochs):
            loss = self.loss(xs, t)
            losses.append(loss)
            self.backward()
            for param, grad in zip(self.params, self.grads):
                param -= lr * grad
        return losses

    def predict(self, xs):
        y_hat = self.forward(xs)
        return (y_hat > 0.5).astype(int)


if __name__ == "__main__":
    sentences, X, t = make_dataset()
    model = ManyToOneRNN()
    losses = model.fit(X, t, lr=0.2, epochs=300)
    print("loss:", losses[0], "->", losses[-1])
    print("predict:", model.predict(X).ravel(), "target:", t.ravel())
