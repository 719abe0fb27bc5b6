# bug: computes nothing: every function and method is filled with `pass`, so each returns None.
import itertools

import numpy as np


def one_hot(sentences):
    pass


def make_dataset():
    pass


def bce_loss(y_hat, y):
    pass


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
        pass

    def loss(self, xs, t):
        pass

    def backward(self):
        pass

    def fit(self, xs, t, lr, epochs):
        pass

    def predict(self, xs):
        pass
