"""Time layers: an RNN over whole sequences, word embeddings, and a time-distributed affine layer.

A batch of sequences has N sequences of T steps. The Time* layers take arrays
with a time axis, (N, T, ...), and handle all T steps at once: TimeRNN chains T
RNN cells, TimeEmbedding and TimeAffine apply the same parameters at every
step. Every layer keeps self.params and self.grads, lists of arrays in the same
order; backward writes the gradients into those arrays in place
(self.grads[0][...] = dW).
"""

import numpy as np


class RNN:
    """One tanh RNN step for a batch: your cell from 05_rnn_cell.

    Paste your RNN.forward and RNN.backward from 05_rnn_cell here; TimeRNN
    builds one RNN per time step. This class is not graded again: while
    TimeRNN is graded, the reference RNN takes its place.

    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: bias, of shape (H,)
    """

    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        """One step forward (paste your 05_rnn_cell RNN.forward).

        - x: inputs of this step, of shape (N, D)
        - h_prev: hidden state of the previous step, of shape (N, H)
        Returns h_next = tanh(h_prev @ Wh + x @ Wx + b), of shape (N, H).
        """
        ### BEGIN SOLUTION
        Wx, Wh, b = self.params
        t = np.dot(h_prev, Wh) + np.dot(x, Wx) + b
        h_next = np.tanh(t)
        self.cache = (x, h_prev, h_next)
        return h_next
        ### END SOLUTION

    def backward(self, dh_next):
        """Gradients of one step (paste your 05_rnn_cell RNN.backward).

        - dh_next: upstream gradient dL/dh_next, of shape (N, H)
        Returns (dx, dh_prev): dx of shape (N, D), dh_prev of shape (N, H).
        Writes dWx (D, H), dWh (H, H) and db (H,) into self.grads in place.
        """
        ### BEGIN SOLUTION
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        dt = dh_next * (1 - h_next ** 2)
        db = np.sum(dt, axis=0)
        dWh = np.dot(h_prev.T, dt)
        dh_prev = np.dot(dt, Wh.T)
        dWx = np.dot(x.T, dt)
        dx = np.dot(dt, Wx.T)

        self.grads[0][...] = dWx
        self.grads[1][...] = dWh
        self.grads[2][...] = db
        return dx, dh_prev
        ### END SOLUTION


class Embedding:
    """Word embedding: picks row idx[n] of W for each n.

    - W: the embedding matrix, of shape (V, D): one row of size D per word id in 0..V-1
    """

    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        """Look up the rows of W; keep idx in self.idx.

        - idx: word ids, integers in 0..V-1, of shape (N,)
        Returns out = W[idx], of shape (N, D).
        """
        ### BEGIN SOLUTION
        W, = self.params
        self.idx = idx
        out = W[idx]
        return out
        ### END SOLUTION

    def backward(self, dout):
        """Gradient of W: row idx[n] of dW receives dout[n], summed over repeated ids.

        - dout: upstream gradient, of shape (N, D)
        Returns None (the ids have no gradient). Writes dW (V, D) into
        self.grads[0] in place: zero it, then add (np.add.at).
        """
        ### BEGIN SOLUTION
        dW, = self.grads
        dW[...] = 0
        np.add.at(dW, self.idx, dout)
        return None
        ### END SOLUTION


class TimeEmbedding:
    """Embedding at every time step, with one shared W.

    - W: the embedding matrix, of shape (V, D)
    """

    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W

    def forward(self, xs):
        """Embed every step: one Embedding layer per time step, kept in self.layers.

        - xs: word ids, integers in 0..V-1, of shape (N, T)
        Returns out, of shape (N, T, D), with out[:, t, :] = W[xs[:, t]].
        """
        ### BEGIN SOLUTION
        N, T = xs.shape
        V, D = self.W.shape
        out = np.empty((N, T, D))
        self.layers = []
        for t in range(T):
            layer = Embedding(self.W)
            out[:, t, :] = layer.forward(xs[:, t])
            self.layers.append(layer)
        return out
        ### END SOLUTION

    def backward(self, dout):
        """Gradient of W, summed over the time steps.

        - dout: upstream gradient, of shape (N, T, D)
        Returns None. Writes dW (V, D) into self.grads[0] in place.
        """
        ### BEGIN SOLUTION
        N, T, D = dout.shape
        grad = 0
        for t in range(T):
            layer = self.layers[t]
            layer.backward(dout[:, t, :])
            grad += layer.grads[0]
        self.grads[0][...] = grad
        return None
        ### END SOLUTION


class TimeRNN:
    """T RNN steps sharing Wx, Wh, b: hs[:, t, :] = tanh(h_(t-1) @ Wh + xs[:, t, :] @ Wx + b).

    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: bias, of shape (H,)
    - stateful: when True, each forward starts from the hidden state the
      previous forward ended with (self.h); when False, from zeros
    Attributes: self.h, the last hidden state (N, H) or None; self.dh, the
    gradient with respect to the initial hidden state (N, H) after backward.
    """

    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful

    def forward(self, xs):
        """Run T steps, one RNN layer per step (kept in self.layers).

        - xs: inputs, of shape (N, T, D)
        Returns hs, of shape (N, T, H): the hidden state after every step.
        The initial state h_0 is self.h when stateful and self.h is not None,
        else zeros of shape (N, H). Afterwards self.h is the last hidden state.
        """
        ### BEGIN SOLUTION
        Wx, Wh, b = self.params
        N, T, D = xs.shape
        D, H = Wx.shape
        self.layers = []
        hs = np.empty((N, T, H))
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H))
        for t in range(T):
            layer = RNN(*self.params)
            self.h = layer.forward(xs[:, t, :], self.h)
            hs[:, t, :] = self.h
            self.layers.append(layer)
        return hs
        ### END SOLUTION

    def backward(self, dhs):
        """Backpropagation through time, from the last step to the first.

        - dhs: upstream gradient dL/dhs, of shape (N, T, H)
        Returns dxs, of shape (N, T, D). At step t the cell receives
        dhs[:, t, :] plus the dh_prev of step t + 1. Writes dWx, dWh, db, each
        summed over the T steps, into self.grads in place, and sets self.dh to
        the gradient with respect to the initial hidden state, of shape (N, H).
        """
        ### BEGIN SOLUTION
        Wx, Wh, b = self.params
        N, T, H = dhs.shape
        D = Wx.shape[0]
        dxs = np.empty((N, T, D))
        dh = 0
        grads = [0, 0, 0]
        for t in reversed(range(T)):
            layer = self.layers[t]
            dx, dh = layer.backward(dhs[:, t, :] + dh)
            dxs[:, t, :] = dx
            for i, grad in enumerate(layer.grads):
                grads[i] += grad
        for i, grad in enumerate(grads):
            self.grads[i][...] = grad
        self.dh = dh
        return dxs
        ### END SOLUTION

    def set_state(self, h):
        """Set the hidden state a stateful forward starts from.

        - h: hidden state, of shape (N, H)
        """
        ### BEGIN SOLUTION
        self.h = h
        ### END SOLUTION

    def reset_state(self):
        """Forget the hidden state: the next forward starts from zeros."""
        ### BEGIN SOLUTION
        self.h = None
        ### END SOLUTION


class TimeAffine:
    """The same affine map at every time step: out[:, t, :] = x[:, t, :] @ W + b.

    - W: weights, of shape (D, M)
    - b: bias, of shape (M,)
    """

    def __init__(self, W, b):
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.x = None

    def forward(self, x):
        """Apply the affine map to all N * T rows at once; keep x in self.x.

        - x: inputs, of shape (N, T, D)
        Returns out, of shape (N, T, M).
        """
        ### BEGIN SOLUTION
        N, T, D = x.shape
        W, b = self.params
        rx = x.reshape(N * T, -1)
        out = np.dot(rx, W) + b
        self.x = x
        return out.reshape(N, T, -1)
        ### END SOLUTION

    def backward(self, dout):
        """Gradients, summed over the batch and the time steps.

        - dout: upstream gradient, of shape (N, T, M)
        Returns dx, of shape (N, T, D). Writes dW (D, M) and db (M,) into
        self.grads[0] and self.grads[1] in place.
        """
        ### BEGIN SOLUTION
        x = self.x
        N, T, D = x.shape
        W, b = self.params
        dout = dout.reshape(N * T, -1)
        rx = x.reshape(N * T, -1)
        db = np.sum(dout, axis=0)
        dW = np.dot(rx.T, dout)
        dx = np.dot(dout, W.T)
        dx = dx.reshape(*x.shape)

        self.grads[0][...] = dW
        self.grads[1][...] = db
        return dx
        ### END SOLUTION
