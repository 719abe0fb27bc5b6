# correct: a beginner's version with scalar Python loops over every index (math.tanh, math.exp), no matrix products
import itertools
import math

import numpy as np


def one_hot(sentences):
    N = len(sentences)
    T = len(sentences[0])
    X = np.zeros((N, T, 2))
    for n in range(N):
        for t in range(T):
            if sentences[n][t] == "as":
                X[n, t, 0] = 1.0
            else:
                X[n, t, 1] = 1.0
    return X


def make_dataset():
    sentences = []
    for p in itertools.permutations(("as", "soon", "as")):
        if p not in sentences:
            sentences.append(p)
    sentences.sort()
    X = one_hot(sentences)
    t = np.zeros((len(sentences), 1))
    for n in range(len(sentences)):
        if sentences[n] == ("as", "soon", "as"):
            t[n, 0] = 1.0
    return sentences, X, t


def bce_loss(y_hat, y):
    N = len(y_hat)
    total = 0.0
    for n in range(N):
        for o in range(len(y_hat[n])):
            p = min(max(float(y_hat[n][o]), 1e-12), 1 - 1e-12)
            total += y[n][o] * math.log(p) + (1 - y[n][o]) * math.log(1 - p)
    return -total / N


def _sigmoid(a):
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


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
        O = self.Wy.shape[1]
        hs = [np.zeros((N, H))]
        for t in range(T):
            h = np.zeros((N, H))
            for n in range(N):
                for j in range(H):
                    s = self.Bh[0, 0]
                    for d in range(D):
                        s += xs[n, t, d] * self.Wxh[d, j]
                    for k in range(H):
                        s += hs[t][n, k] * self.Whh[k, j]
                    h[n, j] = math.tanh(s)
            hs.append(h)
        y_hat = np.zeros((N, O))
        for n in range(N):
            for o in range(O):
                a = self.By[0, 0]
                for j in range(H):
                    a += hs[T][n, j] * self.Wy[j, o]
                y_hat[n, o] = _sigmoid(a)
        self.xs = xs
        self.hs = hs
        return y_hat

    def loss(self, xs, t):
        self.y_hat = self.forward(xs)
        self.t = t
        return bce_loss(self.y_hat, t)

    def backward(self):
        xs, hs = self.xs, self.hs
        N, T, D = xs.shape
        H = self.Whh.shape[0]
        O = self.Wy.shape[1]
        dWxh = np.zeros((D, H))
        dWhh = np.zeros((H, H))
        dBh = 0.0
        dWy = np.zeros((H, O))
        dBy = 0.0
        dh = np.zeros((N, H))
        for n in range(N):
            for o in range(O):
                da = (self.y_hat[n, o] - self.t[n][o]) / N
                dBy += da
                for j in range(H):
                    dWy[j, o] += hs[T][n, j] * da
                    dh[n, j] += da * self.Wy[j, o]
        for t in range(T, 0, -1):
            dz = np.zeros((N, H))
            for n in range(N):
                for j in range(H):
                    dz[n, j] = dh[n, j] * (1 - hs[t][n, j] ** 2)
                    dBh += dz[n, j]
                    for d in range(D):
                        dWxh[d, j] += xs[n, t - 1, d] * dz[n, j]
                    for k in range(H):
                        dWhh[k, j] += hs[t - 1][n, k] * dz[n, j]
            dh = np.zeros((N, H))
            for n in range(N):
                for k in range(H):
                    for j in range(H):
                        dh[n, k] += dz[n, j] * self.Whh[k, j]
        self.grads[0][...] = dWxh
        self.grads[1][...] = dWhh
        self.grads[2][...] = dBh
        self.grads[3][...] = dWy
        self.grads[4][...] = dBy

    def fit(self, xs, t, lr, epochs):
        losses = []
        for _ in range(epochs):
            losses.append(self.loss(xs, t))
            self.backward()
            for param, grad in zip(self.params, self.grads):
                param -= lr * grad
        return losses

    def predict(self, xs):
        y = self.forward(xs)
        out = np.zeros(y.shape, dtype=int)
        for n in range(y.shape[0]):
            for o in range(y.shape[1]):
                out[n, o] = 1 if y[n, o] > 0.5 else 0
        return out
