"""Computational-graph layers: multiplication and addition nodes.

Each layer works on Python numbers, numpy scalars and numpy arrays (x and y of
the same shape). forward computes the node's output; backward takes the
upstream gradient dout and returns the gradients with respect to both inputs.
"""

import numpy as np


class MulLayer:
    """out = x * y, element by element."""

    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        """Multiply the two inputs and keep them for backward.

        - x: first input, a number or an array of any shape S
        - y: second input, a number or an array of the same shape S
        Returns out = x * y, a number or an array of shape S.
        """
        raise NotImplementedError("01_computational_graph: implement MulLayer.forward")

    def backward(self, dout):
        """Gradient through the multiplication: each input gets dout times the other input.

        - dout: upstream gradient dL/dout, a number or an array of shape S
        Returns the pair (dx, dy), each a number or an array of shape S.
        """
        raise NotImplementedError("01_computational_graph: implement MulLayer.backward")


class AddLayer:
    """out = x + y, element by element."""

    def __init__(self):
        pass

    def forward(self, x, y):
        """Add the two inputs.

        - x: first input, a number or an array of any shape S
        - y: second input, a number or an array of the same shape S
        Returns out = x + y, a number or an array of shape S.
        """
        raise NotImplementedError("01_computational_graph: implement AddLayer.forward")

    def backward(self, dout):
        """Gradient through the addition: both inputs get dout unchanged.

        - dout: upstream gradient dL/dout, a number or an array of shape S
        Returns the pair (dx, dy), each a number or an array of shape S.
        """
        raise NotImplementedError("01_computational_graph: implement AddLayer.backward")
