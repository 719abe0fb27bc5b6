"""A reference call sends what changed, all of it, and nothing else.

Every call of a stub (sandbox/reference_stubs.py) carries the stub's
attributes that changed since both sides last agreed on them, and the
grader's answer (reference_calls.py) those of its object that the call
changed. These tests prove: the smallest in-place change (one bit of one
entry) reaches the other side; what did not change is not sent again; a
model's layers, which are never plain data, never cross; and a reference
call is told from a request's answer however its header's JSON is spaced.
"""

from __future__ import annotations

import json
import socket
import threading
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder import course, reference
from autograder.reference_calls import ReferenceCalls
from autograder.sandbox import reference_stubs, sharing
from autograder.sandbox.protocol import Encoder, ProtocolError, pack, receive_message, unpack

SIZES = (7, 4, 5, 3)  # V, D, H, seed of a SimpleRnnlm


@pytest.fixture(scope="module")
def rnnlm():
    return course.load("08_rnnlm")


@pytest.fixture
def stubbed(rnnlm):
    """(a module holding a SimpleRnnlm stub, the grader's calls, the headers the stub sent, the grader's answers)."""
    calls = reference.calls(rnnlm, ("SimpleRnnlm",))
    transport = reference_stubs.Transport()
    module = types.ModuleType("stubbed")
    reference_stubs.install(module, calls.stubs(), transport)
    sent, answered = [], []

    def send(message: bytes) -> bytes:
        sent.append(unpack(message[8:])[0])
        answer = calls.answer(message[8:])[8:]
        answered.append(unpack(answer)[0])
        return answer

    transport.send = send
    return module, calls, sent, answered


def _window(seed=0, n=2, t=3):
    rng = np.random.default_rng(seed)
    return rng.integers(0, SIZES[0], size=(n, t)), rng.integers(0, SIZES[0], size=(n, t))


def _grader_object(calls: ReferenceCalls):
    (entry,) = calls.objects.values()
    return entry[1]


def test_one_bit_changed_in_place_in_a_stubs_array_reaches_the_layers(stubbed):
    module, calls, sent, _ = stubbed
    model = module.SimpleRnnlm(*SIZES)
    model.reset_state()
    obj = _grader_object(calls)
    param = model.params[2]
    param[1, 1] = np.nextafter(param[1, 1], np.inf)  # the next float: a change in the last bit only
    model.reset_state()
    assert sent[-1]["state"].keys() == {"params"}
    np.testing.assert_array_equal(obj.layers[1].params[1], param)
    assert obj.layers[1].params[1].tobytes() == param.tobytes()


def test_a_zero_whose_sign_changed_in_place_is_sent(stubbed):
    module, calls, sent, _ = stubbed
    model = module.SimpleRnnlm(*SIZES)
    model.reset_state()
    obj = _grader_object(calls)
    model.params[3][0] = -0.0  # b starts at +0.0: equal as numbers, another value to send
    model.reset_state()
    assert np.signbit(obj.layers[1].params[2][0])


def test_attributes_that_did_not_change_are_not_sent_again(stubbed):
    module, _, sent, answered = stubbed
    model = module.SimpleRnnlm(*SIZES)
    xs, ts = _window()
    model.forward(xs, ts)  # builds the object: its answer carries params and grads
    assert {"params", "grads"} <= answered[-1]["state"].keys()
    model.reset_state()
    model.forward(xs, ts)
    assert sent[-1]["state"] == {}  # nothing the student changed
    assert answered[-1]["state"] == {}  # forward changes neither params nor grads
    model.backward()
    assert sent[-1]["state"] == {}
    assert answered[-1]["state"].keys() == {"grads"}  # what backward wrote, and nothing else
    for param in model.params:
        param -= 0.1
    model.forward(xs, ts)
    assert sent[-1]["state"].keys() == {"params"}
    assert answered[-1]["state"] == {}


def test_a_models_layers_never_cross_to_the_stub(stubbed):
    module, _, _, answered = stubbed
    model = module.SimpleRnnlm(*SIZES)
    xs, ts = _window()
    model.forward(xs, ts)
    model.backward()
    for answer in answered:
        assert not {"layers", "loss_layer", "rnn_layer"} & answer.get("state", {}).keys()
    with pytest.raises(AttributeError):
        model.layers


class _Opaque:
    """An object that is not plain data."""


_leaves = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=3),
                    hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=3)), st.builds(_Opaque))


@settings(max_examples=200, deadline=None)
@given(st.recursive(_leaves, lambda children: st.one_of(st.lists(children, max_size=3),
                                                        st.tuples(children, children),
                                                        st.dictionaries(st.text(max_size=2), children, max_size=2)),
                    max_leaves=8))
def test_what_never_plain_skips_the_encoder_refuses(value):
    if sharing.never_plain(value):
        with pytest.raises(ProtocolError):
            Encoder(None).encode(value)


def test_never_plain_finds_a_models_layers_and_passes_its_arrays():
    assert sharing.never_plain([_Opaque(), _Opaque()])
    assert sharing.never_plain({"cache": (np.zeros(2), _Opaque())})
    assert not sharing.never_plain([np.zeros(2), np.ones((2, 3))])
    assert not sharing.never_plain((None, 1, 2.0, "x", np.float32(1)))


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(hnp.scalar_dtypes(), hnp.array_shapes(max_dims=3, max_side=4)), st.data())
def test_a_fingerprint_changes_with_any_changed_byte_and_not_without(array, data):
    held = [array]
    before = sharing.fingerprint(held)
    assert sharing.fingerprint(held) == before
    raw = array.view(np.uint8).reshape(-1)
    if raw.size:
        i = data.draw(st.integers(0, raw.size - 1))
        raw[i] ^= 1 << data.draw(st.integers(0, 7))
        assert sharing.fingerprint(held) != before


def test_a_reference_call_is_told_from_an_answer_however_its_json_is_spaced():
    header = {"refcall": "function", "unit": "f", "args": [], "kwargs": {}}
    compact = pack(header, [])[8:]
    spaced = json.dumps({**header, "blobs": []}).encode()
    spaced = len(spaced).to_bytes(4, "big") + spaced
    assert b'"refcall":"' in compact
    assert ReferenceCalls.is_call(compact) and ReferenceCalls.is_call(spaced)
    assert not ReferenceCalls.is_call(pack({"value": {"$t": []}}, [])[8:])


def test_a_wait_that_does_not_spin_still_gets_a_late_answer():
    ours, theirs = socket.socketpair()
    try:
        timer = threading.Timer(0.05, theirs.sendall, (pack({"value": 1}, []),))
        timer.start()
        assert unpack(receive_message(ours, spin=0.0))[0] == {"value": 1}
        timer.join()
    finally:
        ours.close()
        theirs.close()
