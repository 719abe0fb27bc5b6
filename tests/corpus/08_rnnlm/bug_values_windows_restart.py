# bug: truncated_batches forgets the k * T of window k, so every window repeats the first one.
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
        h_next = np.tanh(np.einsum('nh,hk->nk', h_prev, Wh) + np.einsum('nd,dh->nh', x, Wx) + b)
        self.cache = {'x': x, 'h_prev': h_prev, 'h_next': h_next}
        return h_next

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        c = self.cache
        dz = dh_next * (1 - c['h_next'] ** 2)
        self.grads[0][...] = np.einsum('nd,nh->dh', c['x'], dz)
        self.grads[1][...] = np.einsum('nk,nh->kh', c['h_prev'], dz)
        self.grads[2][...] = np.einsum('nh->h', dz)
        return np.einsum('nh,dh->nd', dz, Wx), np.einsum('nh,kh->nk', dz, Wh)


class Embedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        self.idx = idx
        return self.params[0][idx]

    def backward(self, dout):
        self.grads[0][...] = 0
        np.add.at(self.grads[0], self.idx, dout)


class TimeEmbedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W

    def forward(self, xs):
        N, T = xs.shape
        self.layers = []
        out = np.empty((N, T, self.W.shape[1]), dtype=self.W.dtype)
        for t in range(T):
            self.layers.append(Embedding(self.W))
            out[:, t] = self.layers[t].forward(xs[:, t])
        return out

    def backward(self, dout):
        self.grads[0][...] = 0
        for t, layer in enumerate(self.layers):
            layer.backward(dout[:, t])
            self.grads[0][...] += layer.grads[0]


class TimeRNN:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful

    def forward(self, xs):
        N, T, D = xs.shape
        H = self.params[0].shape[1]
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H))
        hs = np.empty((N, T, H))
        self.layers = []
        for t in range(T):
            layer = RNN(*self.params)
            self.h = layer.forward(xs[:, t], self.h)
            hs[:, t] = self.h
            self.layers.append(layer)
        return hs

    def backward(self, dhs):
        N, T, H = dhs.shape
        D = self.params[0].shape[0]
        dxs = np.empty((N, T, D))
        acc = [np.zeros_like(g) for g in self.grads]
        dh = np.zeros((N, H))
        for t in reversed(range(T)):
            dxs[:, t], dh = self.layers[t].backward(dhs[:, t] + dh)
            for a, g in zip(acc, self.layers[t].grads):
                a += g
        for g, a in zip(self.grads, acc):
            g[...] = a
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
        return np.einsum('ntd,dm->ntm', x, W) + b

    def backward(self, dout):
        W, b = self.params
        self.grads[0][...] = np.einsum('ntd,ntm->dm', self.x, dout)
        self.grads[1][...] = np.einsum('ntm->m', dout)
        return np.einsum('ntm,dm->ntd', dout, W)


# -- The language model ----------------------------------------------------------------

class TimeSoftmaxWithLoss:
    def __init__(self):
        self.params, self.grads = [], []
        self.cache = None
        self.ignore_label = -1

    def forward(self, xs, ts):
        V = xs.shape[-1]
        e = np.exp(xs - xs.max(axis=-1, keepdims=True))
        y = e / np.einsum('ntv->nt', e)[..., None]
        keep = (ts != self.ignore_label).astype(y.dtype)
        onehot = np.eye(V)[np.where(ts == self.ignore_label, 0, ts)] * keep[..., None]
        K = keep.sum()
        loss = -np.einsum('ntv,ntv->', onehot, np.log(y)) / K
        self.cache = (y, onehot, keep, K)
        return float(loss)

    def backward(self, dout=1):
        y, onehot, keep, K = self.cache
        return dout * np.einsum('ntv,nt->ntv', y - onehot, keep) / K


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
        self.layers = [TimeEmbedding(embed_W), TimeRNN(rnn_Wx, rnn_Wh, rnn_b, stateful=True),
                       TimeAffine(affine_W, affine_b)]
        self.loss_layer = TimeSoftmaxWithLoss()
        self.params = sum((layer.params for layer in self.layers), [])
        self.grads = sum((layer.grads for layer in self.layers), [])

    def forward(self, xs, ts):
        out = xs
        for layer in self.layers:
            out = layer.forward(out)
        return self.loss_layer.forward(out, ts)

    def backward(self, dout=1):
        d = self.loss_layer.backward(dout)
        for layer in self.layers[::-1]:
            d = layer.backward(d)

    def reset_state(self):
        self.layers[1].reset_state()


def truncated_batches(corpus, batch_size, time_size):
    corpus = np.asarray(corpus)
    L = len(corpus)
    jump = (L - 1) // batch_size
    K = (L - 1) // (batch_size * time_size)
    starts = np.arange(batch_size)[:, None] * jump + np.arange(time_size)[None, :]
    return [(corpus[starts], corpus[starts + 1]) for k in range(K)]


def perplexity(model, corpus, batch_size, time_size):
    model.reset_state()
    losses = np.array([model.forward(xs, ts) for xs, ts in truncated_batches(corpus, batch_size, time_size)])
    return float(np.exp(losses.mean()))


def train(model, corpus, batch_size, time_size, lr, epochs):
    batches = truncated_batches(corpus, batch_size, time_size)
    ppls = []
    for _ in range(epochs):
        model.reset_state()
        losses = np.zeros(len(batches))
        for k, (xs, ts) in enumerate(batches):
            losses[k] = model.forward(xs, ts)
            model.backward()
            for p, g in zip(model.params, model.grads):
                np.subtract(p, lr * g, out=p)
        ppls.append(float(np.exp(losses.mean())))
    return ppls


def bptt(U, V, W, x, y, truncate):
    H, C = U.shape
    T = len(x)
    s = np.zeros((T + 1, H))     # s[t + 1] = s_t, s[0] = s_(-1) = 0
    o = np.zeros((T, C))
    for t in range(T):
        s[t + 1] = np.tanh(U[:, x[t]] + np.einsum('hk,k->h', W, s[t]))
        z = np.einsum('ch,h->c', V, s[t + 1])
        z = np.exp(z - z.max())
        o[t] = z / z.sum()
    err = o.copy()
    err[np.arange(T), y] -= 1
    dU, dV, dW = np.zeros_like(U), np.zeros_like(V), np.zeros_like(W)
    dV += np.einsum('tc,th->ch', err, s[1:])
    for t in range(T):
        delta = np.einsum('ch,c->h', V, err[t]) * (1 - s[t + 1] ** 2)
        for j in range(t, max(0, t - truncate) - 1, -1):
            dW += np.einsum('a,b->ab', delta, s[j])
            dU[:, x[j]] += delta
            delta = np.einsum('hk,h->k', W, delta) * (1 - s[j] ** 2)
    return dU, dV, dW
