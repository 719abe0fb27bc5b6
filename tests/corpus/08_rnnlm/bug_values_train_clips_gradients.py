# bug: train clips the gradients to a total norm of 0.25 before each update, as the textbook's chapter 6 trainer does, which plain SGD does not.
"""A word-level RNN language model, trained with truncated backpropagation through time.

The model reads a corpus of word ids and, at every step, scores which word
comes next: TimeEmbedding -> TimeRNN (stateful) -> TimeAffine ->
TimeSoftmaxWithLoss. It is trained on consecutive windows of the corpus, the
hidden state carried from one window to the next while the gradients stop at
the window's edge (truncated BPTT), and judged by its perplexity. `bptt` is
the same idea on one sentence, in the notation of the RNNNumpy tutorial.

The time layers of 06_time_rnn come first: paste yours. They are not graded
again here (while SimpleRnnlm is graded, the reference layers take their place).
"""

import numpy as np


CORPUS = """
you say goodbye and i say hello .
you say yes and i say no .
you say stop and i say go .
she says hello and he says goodbye .
we say yes and they say no .
you say high and i say low .
he says go and she says stop .
they say hello and we say goodbye .
i say yes and you say no .
you say goodbye and i say hello .
she says stop and he says go .
we say high and they say low .
i say hello and you say goodbye .
he says yes and she says no .
they say go and we say stop .
you say low and i say high .
she says goodbye and he says hello .
i say stop and you say go .
we say no and they say yes .
he says high and she says low .
you say hello and i say goodbye .
they say yes and we say no .
i say go and you say stop .
she says no and he says yes .
we say goodbye and they say hello .
you say no and i say yes .
he says low and she says high .
i say goodbye and you say hello .
they say stop and we say go .
she says yes and he says no .
you say go and i say stop .
we say hello and they say goodbye .
he says stop and she says go .
i say high and you say low .
they say no and we say yes .
she says high and he says low .
you say yes and i say no .
i say low and you say high .
we say stop and they say go .
he says hello and she says goodbye .
"""


def load_corpus(text=CORPUS):
    """The word ids of a text of words separated by spaces (by default the corpus above).

    Returns (corpus, word_to_id, id_to_word): corpus, the word ids of the text
    in order, an int array of shape (L,); ids are given in order of first
    appearance, from 0.
    """
    word_to_id, id_to_word, ids = {}, {}, []
    for word in text.split():
        if word not in word_to_id:
            word_to_id[word] = len(word_to_id)
            id_to_word[word_to_id[word]] = word
        ids.append(word_to_id[word])
    return np.array(ids), word_to_id, id_to_word


# -- The time layers of 06_time_rnn: paste yours ------------------------------------

class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        h_next = np.tanh(h_prev @ Wh + x @ Wx + b)
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        da = dh_next * (1.0 - h_next * h_next)
        self.grads[0][...] = x.T @ da
        self.grads[1][...] = h_prev.T @ da
        self.grads[2][...] = da.sum(axis=0)
        return da @ Wx.T, da @ Wh.T


class Embedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        self.idx = idx
        return self.params[0][idx]

    def backward(self, dout):
        dW = self.grads[0]
        dW[...] = 0.0
        for n, word in enumerate(self.idx):
            dW[word] += dout[n]
        return None


class TimeEmbedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W

    def forward(self, xs):
        N, T = xs.shape
        self.layers = [Embedding(self.W) for _ in range(T)]
        steps = [self.layers[t].forward(xs[:, t]) for t in range(T)]
        return np.stack(steps, axis=1)

    def backward(self, dout):
        T = dout.shape[1]
        total = np.zeros_like(self.W)
        for t in range(T):
            self.layers[t].backward(dout[:, t, :])
            total += self.layers[t].grads[0]
        self.grads[0][...] = total
        return None


class TimeRNN:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful

    def forward(self, xs):
        N, T, D = xs.shape
        H = self.params[1].shape[0]
        if self.stateful and self.h is not None:
            h = self.h
        else:
            h = np.zeros((N, H))
        self.layers = []
        outs = []
        for t in range(T):
            cell = RNN(*self.params)
            h = cell.forward(xs[:, t, :], h)
            self.layers.append(cell)
            outs.append(h)
        self.h = h
        return np.stack(outs, axis=1)

    def backward(self, dhs):
        N, T, H = dhs.shape
        D = self.params[0].shape[0]
        dxs = np.zeros((N, T, D))
        for g in self.grads:
            g[...] = 0.0
        dh = np.zeros((N, H))
        for t in range(T - 1, -1, -1):
            cell = self.layers[t]
            dx, dh = cell.backward(dhs[:, t, :] + dh)
            dxs[:, t, :] = dx
            for mine, step in zip(self.grads, cell.grads):
                mine += step
        self.dh = dh
        return dxs

    def set_state(self, h):
        self.h = h

    def reset_state(self):
        self.h = None


class TimeAffine:
    def __init__(self, W, b):
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.x = None

    def forward(self, x):
        W, b = self.params
        self.x = x
        return x @ W + b

    def backward(self, dout):
        W, b = self.params
        x = self.x
        D, M = W.shape
        self.grads[0][...] = x.reshape(-1, D).T @ dout.reshape(-1, M)
        self.grads[1][...] = dout.reshape(-1, M).sum(axis=0)
        return dout @ W.T


# -- The language model ----------------------------------------------------------------

class TimeSoftmaxWithLoss:
    def __init__(self):
        self.params, self.grads = [], []
        self.cache = None
        self.ignore_label = -1

    def forward(self, xs, ts):
        N, T, V = xs.shape
        scores = xs.reshape(N * T, V)
        labels = ts.reshape(N * T).astype(np.int64)
        mask = labels != self.ignore_label
        labels = np.where(mask, labels, 0)
        exps = np.exp(scores - np.max(scores, axis=1, keepdims=True))
        probs = exps / np.sum(exps, axis=1, keepdims=True)
        count = int(np.sum(mask))
        nll = -np.log(probs[np.arange(N * T), labels] + 1e-300)
        loss = np.sum(np.where(mask, nll, 0.0)) / count
        self.cache = {'probs': probs, 'labels': labels, 'mask': mask, 'count': count, 'shape': (N, T, V)}
        return loss

    def backward(self, dout=1):
        c = self.cache
        d = c['probs'].copy()
        d[np.arange(len(c['labels'])), c['labels']] -= 1
        d[~c['mask']] = 0
        d = d * dout / c['count']
        return d.reshape(c['shape'])


class SimpleRnnlm:
    def __init__(self, vocab_size, wordvec_size, hidden_size, seed=0):
        V, D, H = vocab_size, wordvec_size, hidden_size
        rn = np.random.RandomState(seed).randn
        embed_W = rn(V, D) / 100
        rnn_Wx = rn(D, H) / np.sqrt(D)
        rnn_Wh = rn(H, H) / np.sqrt(H)
        rnn_b = np.zeros(H)
        affine_W = rn(H, V) / np.sqrt(H)
        affine_b = np.zeros(V)

        self.layers = [
            TimeEmbedding(embed_W),
            TimeRNN(rnn_Wx, rnn_Wh, rnn_b, stateful=True),
            TimeAffine(affine_W, affine_b),
        ]
        self.loss_layer = TimeSoftmaxWithLoss()
        self.params, self.grads = [], []
        for layer in self.layers:
            self.params.extend(layer.params)
            self.grads.extend(layer.grads)

    def predict(self, xs):
        for layer in self.layers:
            xs = layer.forward(xs)
        return xs

    def forward(self, xs, ts):
        return self.loss_layer.forward(self.predict(xs), ts)

    def backward(self, dout=1):
        dout = self.loss_layer.backward(dout)
        for layer in self.layers[::-1]:
            dout = layer.backward(dout)

    def reset_state(self):
        for layer in self.layers:
            if hasattr(layer, 'reset_state'):
                layer.reset_state()


class SGD:
    """Stochastic gradient descent, as the textbook's common/optimizer.py."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for i in range(len(params)):
            params[i] -= self.lr * grads[i]


def get_batch(corpus, batch_size, time_size, offsets, time_idx):
    batch_x = np.empty((batch_size, time_size), dtype=int)
    batch_t = np.empty((batch_size, time_size), dtype=int)
    for t in range(time_size):
        for i, offset in enumerate(offsets):
            batch_x[i, t] = corpus[offset + time_idx + t]
            batch_t[i, t] = corpus[offset + time_idx + t + 1]
    return batch_x, batch_t


def truncated_batches(corpus, batch_size, time_size):
    jump = (len(corpus) - 1) // batch_size
    offsets = [i * jump for i in range(batch_size)]
    max_iters = (len(corpus) - 1) // (batch_size * time_size)
    return [get_batch(corpus, batch_size, time_size, offsets, k * time_size) for k in range(max_iters)]


def perplexity(model, corpus, batch_size, time_size):
    model.reset_state()
    batches = truncated_batches(corpus, batch_size, time_size)
    total = 0.0
    for xs, ts in batches:
        total += float(model.forward(xs, ts))
    return float(np.exp(total / len(batches)))


def clip_grads(grads, max_norm):
    total_norm = np.sqrt(sum(np.sum(grad ** 2) for grad in grads))
    rate = max_norm / (total_norm + 1e-6)
    if rate < 1:
        for grad in grads:
            grad *= rate


class RnnlmTrainer:
    """A cut-down version of the textbook's RnnlmTrainer: no clipping, no plots."""

    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer
        self.ppl_list = []

    def fit(self, corpus, max_epoch, batch_size, time_size):
        batches = truncated_batches(corpus, batch_size, time_size)
        for epoch in range(max_epoch):
            self.model.reset_state()
            total_loss, loss_count = 0.0, 0
            for batch_x, batch_t in batches:
                loss = self.model.forward(batch_x, batch_t)
                self.model.backward()
                clip_grads(self.model.grads, 0.25)
                self.optimizer.update(self.model.params, self.model.grads)
                total_loss += loss
                loss_count += 1
            self.ppl_list.append(float(np.exp(total_loss / loss_count)))
        return self.ppl_list


def train(model, corpus, batch_size, time_size, lr, epochs):
    trainer = RnnlmTrainer(model, SGD(lr))
    return trainer.fit(corpus, epochs, batch_size, time_size)


def bptt(U, V, W, x, y, truncate):
    H, C = U.shape
    T = len(x)
    onehot = np.eye(C)
    s_prev = np.zeros(H)
    states, outputs = [], []
    for t in range(T):
        s_t = np.tanh(U @ onehot[x[t]] + W @ s_prev)
        z = V @ s_t
        o_t = np.exp(z - z.max())
        o_t /= o_t.sum()
        states.append(s_t)
        outputs.append(o_t)
        s_prev = s_t

    def state(j):
        return states[j] if j >= 0 else np.zeros(H)

    dU, dV, dW = np.zeros_like(U), np.zeros_like(V), np.zeros_like(W)
    for t in reversed(range(T)):
        do = outputs[t] - onehot[y[t]]
        dV += np.outer(do, states[t])
        delta = (V.T @ do) * (1 - states[t] ** 2)
        for j in reversed(range(max(0, t - truncate), t + 1)):
            dW += np.outer(delta, state(j - 1))
            dU += np.outer(delta, onehot[x[j]])
            delta = (W.T @ delta) * (1 - state(j - 1) ** 2)
    return dU, dV, dW
