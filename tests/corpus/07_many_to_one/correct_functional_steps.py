# correct: module-level step functions returning (value, cache) pairs, a list of per-step caches walked with reversed(), targets reshaped to y_hat's shape, a debug flag
import itertools

import numpy as np

DEBUG = False


def one_hot(sentences):
    words = np.array([list(s) for s in sentences])      # (N, T) strings
    return np.stack([words == "as", words == "soon"], axis=-1).astype(float)


def make_dataset():
    sentences = sorted(set(itertools.permutations(("as", "soon", "as"))))
    t = np.array([1.0 if s == ("as", "soon", "as") else 0.0 for s in sentences])[:, None]
    return sentences, one_hot(sentences), t


def bce_loss(y_hat, y):
    y_hat = np.clip(y_hat, 1e-12, 1 - 1e-12)
    return np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)).sum(axis=1))


def rnn_step(x, h_prev, Wxh, Whh, Bh):
    h = np.tanh(np.matmul(x, Wxh) + np.matmul(h_prev, Whh) + Bh)
    return h, (x, h_prev, h)


def rnn_step_backward(dh, cache, Whh):
    x, h_prev, h = cache
    dz = dh * (1.0 - np.square(h))
    return np.matmul(dz, Whh.T), np.matmul(x.T, dz), np.matmul(h_prev.T, dz), np.sum(dz)


def sigmoid(a):
    a = np.clip(a, -500, 500)  # exp(500) still fits in a float64
    return 1.0 / (1.0 + np.exp(-a))


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
        self.caches = []

    def forward(self, xs):
        Wxh, Whh, Bh, Wy, By = self.params
        h = np.zeros((xs.shape[0], Whh.shape[0]))
        self.xs, self.hs, self.caches = xs, [h], []
        for x in np.moveaxis(xs, 1, 0):              # x: (N, D), one time step
            h, cache = rnn_step(x, h, Wxh, Whh, Bh)
            self.caches.append(cache)
            self.hs.append(h)
        y = sigmoid(np.matmul(h, Wy) + By)
        if DEBUG:
            print("forward:", xs.shape, "->", y.ravel())
        return y

    def loss(self, xs, t):
        self.y_hat = self.forward(xs)
        self.t = np.reshape(t, self.y_hat.shape)
        return bce_loss(self.y_hat, self.t)

    def backward(self):
        Wxh, Whh, Bh, Wy, By = self.params
        da = (self.y_hat - self.t) / self.y_hat.shape[0]
        grads = [np.zeros_like(p) for p in self.params]
        grads[3] = np.matmul(self.hs[-1].T, da)
        grads[4] = np.sum(da)
        dh = np.matmul(da, Wy.T)
        for cache in reversed(self.caches):
            dh, dWxh, dWhh, dBh = rnn_step_backward(dh, cache, Whh)
            grads[0] += dWxh
            grads[1] += dWhh
            grads[2] += dBh
        for mine, g in zip(self.grads, grads):
            np.copyto(mine, g)

    def fit(self, xs, t, lr, epochs):
        losses = []
        for epoch in range(1, epochs + 1):
            losses.append(self.loss(xs, t))
            self.backward()
            for p, g in zip(self.params, self.grads):
                p -= lr * g
            if DEBUG and epoch % 50 == 0:
                print(epoch, losses[-1])
        return losses

    def predict(self, xs):
        return (self.forward(xs) > 0.5) * 1
