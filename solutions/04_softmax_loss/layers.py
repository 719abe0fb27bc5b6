"""Softmax, cross-entropy error, and the two combined as the last layer of a classifier.

Scores x hold one row of C class scores per sample; softmax turns each row into
probabilities. Targets t are either one-hot rows of shape (N, C) or label
indices of shape (N,). The loss is the mean over the batch, so the gradient of
SoftmaxWithLoss is (y - t) / N.
"""

import numpy as np


def softmax(x):
    """Softmax over the last axis, computed without overflow.

    - x: scores, of shape (N, C) (one row per sample) or (C,) (one sample)
    Returns y, of the same shape as x: each row is positive and sums to 1.
    """
    ### BEGIN SOLUTION
    x = x - np.max(x, axis=-1, keepdims=True)
    y = np.exp(x)
    return y / np.sum(y, axis=-1, keepdims=True)
    ### END SOLUTION


def cross_entropy_error(y, t):
    """Cross-entropy error, averaged over the batch.

    - y: probabilities, of shape (N, C), or (C,) for one sample
    - t: targets: one-hot, of the same shape as y, or label indices, of shape (N,)
    Returns the loss -sum(log y[n, t_n]) / N, a scalar.
    """
    ### BEGIN SOLUTION
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size
    ### END SOLUTION


class SoftmaxWithLoss:
    """loss = cross_entropy_error(softmax(x), t); keeps y = softmax(x) and t for backward."""

    def __init__(self):
        self.loss = None  # the latest loss, a scalar
        self.y = None     # softmax of the latest scores, of shape (N, C)
        self.t = None     # the latest targets, of shape (N, C) or (N,)

    def forward(self, x, t):
        """Softmax of the scores, then the cross-entropy error against the targets.

        - x: scores, of shape (N, C)
        - t: targets: one-hot, of shape (N, C), or label indices, of shape (N,)
        Returns the loss, a scalar; sets self.y (N, C) and self.t.
        """
        ### BEGIN SOLUTION
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss
        ### END SOLUTION

    def backward(self, dout=1):
        """Gradient of the loss with respect to the scores of the latest forward.

        - dout: upstream gradient dL/dloss, a scalar (1 when the loss is the end of the graph)
        Returns dx = (y - t_onehot) * dout / N, of shape (N, C).
        """
        ### BEGIN SOLUTION
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:
            dx = self.y - self.t
        else:
            dx = self.y.copy()
            dx[np.arange(batch_size), self.t] -= 1
        dx = dx * dout / batch_size
        return dx
        ### END SOLUTION
