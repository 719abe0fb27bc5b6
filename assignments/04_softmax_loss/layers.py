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
    raise NotImplementedError("04_softmax_loss: implement softmax")


def cross_entropy_error(y, t):
    """Cross-entropy error, averaged over the batch.

    - y: probabilities, of shape (N, C), or (C,) for one sample
    - t: targets: one-hot, of the same shape as y, or label indices, of shape (N,)
    Returns the loss -sum(log y[n, t_n]) / N, a scalar.
    """
    raise NotImplementedError("04_softmax_loss: implement cross_entropy_error")


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
        raise NotImplementedError("04_softmax_loss: implement SoftmaxWithLoss.forward")

    def backward(self, dout=1):
        """Gradient of the loss with respect to the scores of the latest forward.

        - dout: upstream gradient dL/dloss, a scalar (1 when the loss is the end of the graph)
        Returns dx = (y - t_onehot) * dout / N, of shape (N, C).
        """
        raise NotImplementedError("04_softmax_loss: implement SoftmaxWithLoss.backward")
