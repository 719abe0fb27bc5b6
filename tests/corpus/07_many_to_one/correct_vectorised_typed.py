# correct: type hints, all inputs projected at once with einsum, hidden states in one (N, T+1, H) array, np.where for predict
from __future__ import annotations

import itertools
from typing import List, Sequence, Tuple

import numpy as np

VOCAB = ("as", "soon")


def one_hot(sentences: Sequence[Sequence[str]]) -> np.ndarray:
    ids = np.array([[VOCAB.index(word) for word in sentence] for sentence in sentences])  # (N, T)
    return np.eye(len(VOCAB))[ids].astype(np.float64)                                     # (N, T, 2)


def make_dataset() -> Tuple[List[Tuple[str, ...]], np.ndarray, np.ndarray]:
    sentences = sorted(set(itertools.permutations(("as", "soon", "as"))))
    X = one_hot(sentences)
    t = np.array([s == ("as", "soon", "as") for s in sentences], dtype=np.float64).reshape(-1, 1)
    return sentences, X, t


def bce_loss(y_hat: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(y_hat, 1e-12, 1 - 1e-12)
    return float(-np.mean(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p), axis=1)))


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

    def forward(self, xs: np.ndarray) -> np.ndarray:
        N, T, _ = xs.shape
        H = self.Whh.shape[0]
        projected = np.einsum("ntd,dh->nth", xs, self.Wxh)  # x_t @ Wxh for every t at once
        hs = np.zeros((N, T + 1, H))
        for t in range(T):
            hs[:, t + 1] = np.tanh(projected[:, t] + hs[:, t] @ self.Whh + self.Bh)
        self.xs = xs
        self.hs = hs
        logits = hs[:, T] @ self.Wy + self.By
        return 1.0 / (1.0 + np.exp(-logits))

    def loss(self, xs: np.ndarray, t: np.ndarray) -> float:
        self.y_hat = self.forward(xs)
        self.t = t
        return bce_loss(self.y_hat, t)

    def backward(self) -> None:
        xs, hs = self.xs, self.hs
        N, T, _ = xs.shape
        da = (self.y_hat - self.t) / N
        self.grads[3][...] = hs[:, T].T @ da
        self.grads[4][...] = da.sum()
        dh = da @ self.Wy.T
        dzs = np.zeros_like(hs[:, 1:])  # (N, T, H): dL/dz at every step
        for t in reversed(range(T)):
            dzs[:, t] = dh * (1.0 - hs[:, t + 1] ** 2)
            dh = dzs[:, t] @ self.Whh.T
        self.grads[0][...] = np.einsum("ntd,nth->dh", xs, dzs)
        self.grads[1][...] = np.einsum("nti,ntj->ij", hs[:, :-1], dzs)
        self.grads[2][...] = dzs.sum()

    def fit(self, xs: np.ndarray, t: np.ndarray, lr: float, epochs: int) -> List[float]:
        history: List[float] = []
        for _ in range(epochs):
            history.append(self.loss(xs, t))
            self.backward()
            for p, g in zip(self.params, self.grads):
                p -= lr * g
        return history

    def predict(self, xs: np.ndarray) -> np.ndarray:
        return np.where(self.forward(xs) > 0.5, 1, 0)


if __name__ == "__main__":
    _, X, t = make_dataset()
    net = ManyToOneRNN()
    print(net.fit(X, t, 0.2, 300)[-1], net.predict(X).ravel())
