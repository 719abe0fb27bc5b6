"""The RNN cell: one time step of a vanilla recurrent network.

At step t the cell mixes the input x_t with the previous hidden state h_(t-1):

    h_t = tanh(h_(t-1) @ Wh + x_t @ Wx + b)

Shapes: a batch of N inputs of size D, a hidden state of size H.
The layer keeps its parameters in self.params = [Wx, Wh, b] and their
gradients in self.grads = [dWx, dWh, db], arrays of the same shapes that
backward overwrites in place.
"""

import numpy as np


class RNN:
    """One tanh RNN step for a batch: h_next = tanh(h_prev @ Wh + x @ Wx + b).

    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: bias, of shape (H,)
    """

    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        """One step forward; keep (x, h_prev, h_next) in self.cache for backward.

        - x: inputs of this step, of shape (N, D)
        - h_prev: hidden state of the previous step, of shape (N, H)
        Returns h_next = tanh(h_prev @ Wh + x @ Wx + b), of shape (N, H).
        """
        raise NotImplementedError("05_rnn_cell: implement RNN.forward")

    def backward(self, dh_next):
        """Gradients of one step, from the cache of the latest forward.

        - dh_next: upstream gradient dL/dh_next, of shape (N, H)
        Returns (dx, dh_prev): dx of shape (N, D), dh_prev of shape (N, H).
        Writes dWx (D, H), dWh (H, H) and db (H,) into self.grads[0], [1], [2]
        in place (self.grads[0][...] = dWx), replacing what they held.
        """
        raise NotImplementedError("05_rnn_cell: implement RNN.backward")
