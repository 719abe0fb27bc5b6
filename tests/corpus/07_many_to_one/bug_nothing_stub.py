# bug: computes nothing: the stub as handed out, every function still raising NotImplementedError.
"""A many-to-one RNN that tells "as soon as" from the other orders of its words.

The data are the distinct orders of the words ("as", "soon", "as"), one-hot
coded; the label is 1 for ("as", "soon", "as") and 0 for the other two. The
model reads a sequence with a tanh RNN cell, keeps only the last hidden state,
and maps it to a probability with an affine layer and a sigmoid. It is trained
with binary cross-entropy and plain gradient descent, the gradients coming from
backpropagation through time (BPTT).
"""

import itertools

import numpy as np


def one_hot(sentences):
    """One-hot code a batch of sentences: "as" is [1, 0], "soon" is [0, 1].

    - sentences: a list of N sentences, each a tuple (or list) of T words,
      every word "as" or "soon"
    Returns X, a float array of shape (N, T, 2).
    """
    raise NotImplementedError("07_many_to_one: implement one_hot")


def make_dataset():
    """The three distinct orders of ("as", "soon", "as"), their one-hot codes and labels.

    Returns (sentences, X, t):
    - sentences: a list of the 3 distinct permutations, each a tuple of 3 words,
      in sorted order
    - X: their one-hot codes, of shape (3, 3, 2)
    - t: the labels, of shape (3, 1): 1 for ("as", "soon", "as"), 0 for the others
    """
    raise NotImplementedError("07_many_to_one: implement make_dataset")


def bce_loss(y_hat, y):
    """Binary cross-entropy, averaged over the batch.

    - y_hat: predicted probabilities, of shape (N, 1)
    - y: targets, each 0 or 1, of shape (N, 1)
    Returns the loss, a single number:
        -(1 / N) * sum(y * log(y_hat) + (1 - y) * log(1 - y_hat))
    with y_hat first clipped to [1e-12, 1 - 1e-12], so that a probability of
    exactly 0 or 1 gives no log(0). (Clipping leaves every other value as it is.)
    """
    raise NotImplementedError("07_many_to_one: implement bce_loss")


class ManyToOneRNN:
    """A tanh RNN over a sequence, read out at its last step by a sigmoid unit.

        h_0 = 0
        h_t = tanh(x_t @ Wxh + h_(t-1) @ Whh + Bh)        t = 1 .. T
        y_hat = sigmoid(h_T @ Wy + By)

    params = [Wxh, Whh, Bh, Wy, By] are the same arrays as the attributes of
    those names; grads holds one array of the same shape for each, in the same
    order, and backward writes into them in place.
    """

    def __init__(self, input_size=2, hidden_size=3, output_size=1, seed=230907):
        D, H, O = input_size, hidden_size, output_size
        # The published figures (0.57238818 for ("as", "as", "soon")) come from these exact draws: the
        # global generator seeded here, then randn in this order. A layer of a library would take an
        # np.random.Generator instead of resetting numpy's global state; this one reproduces the post.
        np.random.seed(seed)
        self.Wxh = np.random.randn(D, H)
        self.Whh = np.random.randn(H, H)
        # Both biases are one number, (1, 1), broadcast over every hidden unit and output, as in the
        # post: an (H,) bias would draw more numbers and change every weight drawn after it.
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
        """Run the RNN over each sequence from h_0 = 0; return the probabilities.

        - xs: a batch of N sequences of T input vectors, of shape (N, T, D)
        Returns y_hat = sigmoid(h_T @ Wy + By), of shape (N, O).
        Keeps xs and the hidden states h_0 .. h_T (each (N, H)) for backward.
        """
        raise NotImplementedError("07_many_to_one: implement ManyToOneRNN.forward")

    def loss(self, xs, t):
        """Forward, then the binary cross-entropy of the result against t.

        - xs: inputs, of shape (N, T, D)
        - t: targets, each 0 or 1, of shape (N, O)
        Returns the loss, a single number. Keeps y_hat and t for backward.
        """
        raise NotImplementedError("07_many_to_one: implement ManyToOneRNN.loss")

    def backward(self):
        """Backpropagation through time for the latest loss call.

        Writes dL/dWxh (D, H), dL/dWhh (H, H), dL/dBh (1, 1), dL/dWy (H, O)
        and dL/dBy (1, 1) into self.grads[0] .. self.grads[4], in place.
        Returns nothing.
        """
        raise NotImplementedError("07_many_to_one: implement ManyToOneRNN.backward")

    def fit(self, xs, t, lr, epochs):
        """Train by plain gradient descent on the whole batch.

        - xs: inputs, of shape (N, T, D)
        - t: targets, each 0 or 1, of shape (N, O)
        - lr: the learning rate, a float
        - epochs: the number of steps, an int
        Each epoch computes the loss, backpropagates, and updates every array of
        params in place: param -= lr * grad.
        Returns the list of the epochs' losses (before each update), of length epochs.
        """
        raise NotImplementedError("07_many_to_one: implement ManyToOneRNN.fit")

    def predict(self, xs):
        """Classify each sequence: 1 where its probability is above 0.5, else 0.

        - xs: inputs, of shape (N, T, D)
        Returns an int array of 0s and 1s, of shape (N, O).
        """
        raise NotImplementedError("07_many_to_one: implement ManyToOneRNN.predict")
