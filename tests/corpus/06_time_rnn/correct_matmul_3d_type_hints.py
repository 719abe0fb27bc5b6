# correct: type hints, 3-D @ and np.tensordot in TimeAffine, np.stack of step lists in TimeRNN, np.copyto into grads
from __future__ import annotations

from typing import List, Optional

import numpy as np


class RNN:
    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> None:
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x: np.ndarray, h_prev: np.ndarray) -> np.ndarray:
        Wx, Wh, b = self.params
        h_next = np.tanh(h_prev @ Wh + x @ Wx + b)
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Wx, Wh, _ = self.params
        x, h_prev, h_next = self.cache
        dt = dh_next * (1.0 - h_next * h_next)
        np.copyto(self.grads[0], x.T @ dt)
        np.copyto(self.grads[1], h_prev.T @ dt)
        np.copyto(self.grads[2], dt.sum(axis=0))
        return dt @ Wx.T, dt @ Wh.T


class Embedding:
    def __init__(self, W: np.ndarray) -> None:
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx: Optional[np.ndarray] = None

    def forward(self, idx: np.ndarray) -> np.ndarray:
        self.idx = np.asarray(idx)
        return np.take(self.params[0], self.idx, axis=0)

    def backward(self, dout: np.ndarray) -> None:
        dW = self.grads[0]
        dW.fill(0)
        np.add.at(dW, self.idx, dout)


class TimeEmbedding:
    def __init__(self, W: np.ndarray) -> None:
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers: Optional[List[Embedding]] = None
        self.W = W

    def forward(self, xs: np.ndarray) -> np.ndarray:
        self.layers = [Embedding(self.W) for _ in range(xs.shape[1])]
        steps = [layer.forward(xs[:, t]) for t, layer in enumerate(self.layers)]
        return np.stack(steps, axis=1)

    def backward(self, dout: np.ndarray) -> None:
        total = np.zeros_like(self.grads[0])
        for t, layer in enumerate(self.layers):
            layer.backward(dout[:, t, :])
            total += layer.grads[0]
        np.copyto(self.grads[0], total)


class TimeRNN:
    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, stateful: bool = False) -> None:
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers: Optional[List[RNN]] = None
        self.h: Optional[np.ndarray] = None
        self.dh: Optional[np.ndarray] = None
        self.stateful = stateful

    def forward(self, xs: np.ndarray) -> np.ndarray:
        N, T, _ = xs.shape
        H = self.params[1].shape[0]
        h = self.h if (self.stateful and self.h is not None) else np.zeros((N, H))
        self.layers = []
        states = []
        for t in range(T):
            cell = RNN(*self.params)
            h = cell.forward(xs[:, t, :], h)
            self.layers.append(cell)
            states.append(h)
        self.h = h
        return np.stack(states, axis=1)

    def backward(self, dhs: np.ndarray) -> np.ndarray:
        T = dhs.shape[1]
        sums = [np.zeros_like(g) for g in self.grads]
        dxs: List[Optional[np.ndarray]] = [None] * T
        dh = np.zeros_like(dhs[:, 0, :])
        for t in range(T - 1, -1, -1):
            dxs[t], dh = self.layers[t].backward(dhs[:, t, :] + dh)
            for s, g in zip(sums, self.layers[t].grads):
                s += g
        for g, s in zip(self.grads, sums):
            np.copyto(g, s)
        self.dh = dh
        return np.stack(dxs, axis=1)

    def set_state(self, h: np.ndarray) -> None:
        self.h = h

    def reset_state(self) -> None:
        self.h = None


class TimeAffine:
    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.x: Optional[np.ndarray] = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        W, b = self.params
        self.x = x
        return x @ W + b

    def backward(self, dout: np.ndarray) -> np.ndarray:
        W, _ = self.params
        np.copyto(self.grads[0], np.tensordot(self.x, dout, axes=([0, 1], [0, 1])))
        np.copyto(self.grads[1], dout.sum(axis=(0, 1)))
        return dout @ W.T
