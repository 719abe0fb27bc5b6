"""Activation layers: ReLU, Sigmoid and Tanh.

Each layer applies its function element by element to an array of any shape
(a 1-D vector or an (N, D) batch), keeps what backward needs on self, and
backward maps the upstream gradient dout (same shape as x) to dx.
"""

import numpy as np


class Relu:
    """out = max(0, x); keeps mask = (x <= 0), the entries it cuts."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        """Apply ReLU; set self.mask, True where x <= 0.

        - x: input, an array of any shape S
        Returns out, an array of shape S: x where x > 0, else 0.
        Sets self.mask, a boolean array of shape S. Does not modify x.
        """
        raise NotImplementedError("02_activations: implement Relu.forward")

    def backward(self, dout):
        """Gradient through ReLU: dout where x > 0, else 0 (also at x == 0).

        - dout: upstream gradient, an array of shape S
        Returns dx, an array of shape S.
        """
        raise NotImplementedError("02_activations: implement Relu.backward")


class Sigmoid:
    """out = 1 / (1 + exp(-x)); keeps out for backward."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        """Apply the logistic sigmoid; set self.out.

        - x: input, an array of any shape S
        Returns out, an array of shape S with entries in [0, 1]; sets self.out = out.
        """
        raise NotImplementedError("02_activations: implement Sigmoid.forward")

    def backward(self, dout):
        """Gradient through the sigmoid, from the kept output: dx = dout * (1 - out) * out.

        - dout: upstream gradient, an array of shape S
        Returns dx, an array of shape S.
        """
        raise NotImplementedError("02_activations: implement Sigmoid.backward")


class Tanh:
    """out = tanh(x); keeps out for backward."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        """Apply tanh; set self.out.

        - x: input, an array of any shape S
        Returns out, an array of shape S with entries in [-1, 1]; sets self.out = out.
        """
        raise NotImplementedError("02_activations: implement Tanh.forward")

    def backward(self, dout):
        """Gradient through tanh, from the kept output: dx = dout * (1 - out ** 2).

        - dout: upstream gradient, an array of shape S
        Returns dx, an array of shape S.
        """
        raise NotImplementedError("02_activations: implement Tanh.backward")
