"""A reference object's arrays are written into, both ways, as with an object in the student's own process.

While a unit is tested on a reference object (manifest `uses_reference`), the
student's code holds a stub of it (sandbox/reference_stubs.py) and the grader
the object itself (reference_calls.py). These tests prove: the student's
in-place changes to the stub's arrays (`param -= lr * grad`) are written into
the very arrays the grader's object holds, so the parts that share them (a
SimpleRnnlm's layers) see them; what the grader writes into its arrays
(`grads` after backward) reaches the list and arrays the student held before
the call; a rebinding stays a rebinding, and a change of shape or dtype
rebinds; a forged link cannot reach the reference module's own data or make
a list hold itself; and, end to end, a SimpleRnnlm-only mistake in 08_rnnlm
costs points in SimpleRnnlm's unit alone.
"""

from __future__ import annotations

import copy
import tomllib
import types
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder import course, reference
from autograder.assign import mutants
from autograder.grade import grade
from autograder.reference_calls import ReferenceCalls
from autograder.sandbox import reference_stubs, sharing
from autograder.sandbox.protocol import Decoder, Encoder, ProtocolError, pack, unpack

from .sweeps import everyday_share

ROOT = Path(__file__).resolve().parents[1]
SIZES = (7, 4, 5, 3)  # V, D, H, seed of a SimpleRnnlm


@pytest.fixture(scope="module")
def rnnlm():
    return course.load("08_rnnlm")


# -- the trusted side alone: what a stub's message does to the grader's object -----------------

def _answer(calls: ReferenceCalls, header: dict, blobs=()) -> dict:
    return unpack(calls.answer(pack(header, list(blobs))[8:])[8:])[0]


def _built(calls: ReferenceCalls, unit: str, args: list) -> tuple[int, object]:
    answer = _answer(calls, {"refcall": "new", "unit": unit, "args": args, "kwargs": {}})
    return answer["handle"], calls.objects[answer["handle"]][1]


def _method(calls: ReferenceCalls, handle: int, name: str, args=(), state=None, links=()) -> dict:
    """Call a method as a stub would, sending `state` with `links` ([(path, earlier path)])."""
    encoder = Encoder()
    header = {"refcall": "method", "handle": handle, "name": name, "args": [encoder.encode(a) for a in args],
              "kwargs": {}, "state": {key: encoder.encode(value) for key, value in (state or {}).items()},
              "links": [[list(path), list(earlier)] for path, earlier in links]}
    return _answer(calls, header, encoder.blobs)


def _same_list(name: str, count: int) -> list:
    """Links saying: attribute `name` is the list the grader holds, and each of its `count` arrays too."""
    return [(("s", name), ("h", name))] + [(("s", name, i), ("h", name, i)) for i in range(count)]


def _window(seed=0, n=2, t=3):
    rng = np.random.default_rng(seed)
    return rng.integers(0, SIZES[0], size=(n, t)), rng.integers(0, SIZES[0], size=(n, t))


@pytest.fixture
def model(rnnlm):
    """(calls, handle, the grader's SimpleRnnlm) after its constructor."""
    calls = reference.calls(rnnlm, ("SimpleRnnlm",))
    handle, obj = _built(calls, "SimpleRnnlm", list(SIZES))
    return calls, handle, obj


def test_an_in_place_change_of_a_stubs_params_is_written_into_the_layers_own_arrays(model):
    calls, handle, obj = model
    params, arrays = obj.params, list(obj.params)
    embed = obj.layers[0].params[0]
    changed = [p + 1.0 for p in arrays]
    _method(calls, handle, "reset_state", state={"params": changed}, links=_same_list("params", 6))
    assert obj.params is params and all(p is q for p, q in zip(obj.params, arrays))
    assert obj.layers[0].params[0] is embed
    for mine, theirs in zip(changed, obj.params):
        np.testing.assert_array_equal(theirs, mine)


def test_without_links_the_stubs_params_are_new_arrays_the_layers_do_not_see(model):
    calls, handle, obj = model
    embed = obj.layers[0].params[0].copy()
    _method(calls, handle, "reset_state", state={"params": [p + 1.0 for p in obj.params]})
    assert obj.params[0] is not obj.layers[0].params[0]  # rebound, as `model.params = [...]` is in one process
    np.testing.assert_array_equal(obj.layers[0].params[0], embed)


def test_a_change_of_shape_or_dtype_rebinds_the_array(model):
    calls, handle, obj = model
    b, affine_b = obj.params[3], obj.params[5]
    b_before, affine_before = b.copy(), affine_b.copy()
    state = list(obj.params)
    state[3] = np.ones((1, b.size))  # another shape
    state[5] = np.ones(affine_b.shape, dtype=np.float32)  # another dtype
    _method(calls, handle, "reset_state", state={"params": state}, links=_same_list("params", 6))
    assert obj.params[3] is not b and obj.params[3].shape == (1, b.size)
    assert obj.params[5] is not affine_b and obj.params[5].dtype == np.float32
    np.testing.assert_array_equal(b, b_before)  # the layers' own arrays keep what they held
    np.testing.assert_array_equal(affine_b, affine_before)
    assert obj.params[0] is obj.layers[0].params[0]  # the others are still the layers' arrays


def test_what_backward_writes_into_grads_is_sent_with_links_to_the_stubs_own_arrays(model):
    calls, handle, obj = model
    xs, ts = _window()
    _method(calls, handle, "forward", args=(xs, ts))
    answer = _method(calls, handle, "backward")
    links = {tuple(path): tuple(earlier) for path, earlier, *_ in answer["links"]}
    assert [links.get(("a", "grads", i)) for i in range(6)] == [("s", "grads", i) for i in range(6)]
    assert links.get(("a", "grads")) == ("s", "grads")


def _trees(leaves):
    return st.recursive(leaves, lambda children: st.lists(children, max_size=3)
                        | st.lists(children, max_size=3).map(tuple)
                        | st.dictionaries(st.sampled_from("abc"), children, max_size=3), max_leaves=8)


def _build(tree, leaf):
    if type(tree) is list:
        return [_build(t, leaf) for t in tree]
    if type(tree) is tuple:
        return tuple(_build(t, leaf) for t in tree)
    if type(tree) is dict:
        return {k: _build(t, leaf) for k, t in tree.items()}
    return leaf(tree)


# -- forged links: refused, or taken as new values ------------------------------------------------

HOLDER = '''
import numpy as np

TABLE = np.arange(4.0)
SHARED = [np.zeros(2)]


class Holder:
    def __init__(self):
        self.table = TABLE          # the module's own data, kept by an instance
        self.view = TABLE[1:3]
        self.shared = SHARED
        self.params = [np.zeros(2), np.zeros(3)]
        self.nested = [[np.zeros(2)]]

    def total(self):
        return float(sum(p.sum() for p in self.params))
'''


@pytest.fixture
def holder():
    module = types.ModuleType("holder_reference")
    exec(compile(HOLDER, "holder_reference.py", "exec"), vars(module))
    calls = ReferenceCalls(module, ("Holder",))
    handle, obj = _built(calls, "Holder", [])
    return module, calls, handle, obj


@pytest.mark.parametrize("name, value", [("table", np.full(4, 7.0)), ("view", np.full(2, 7.0)),
                                         ("shared", [np.full(2, 7.0)])])
def test_a_link_never_writes_into_the_reference_modules_own_data(holder, name, value):
    module, calls, handle, obj = holder
    count = len(value) if type(value) is list else 0
    links = _same_list(name, count) if count else [(("s", name), ("h", name))]
    _method(calls, handle, "total", state={name: value}, links=links)
    np.testing.assert_array_equal(module.TABLE, np.arange(4.0))
    np.testing.assert_array_equal(module.SHARED[0], np.zeros(2))
    assert getattr(obj, name) is not getattr(module, name.upper(), None)


def test_a_forged_link_cannot_make_a_held_list_hold_itself(holder):
    _, calls, handle, obj = holder
    params = obj.params
    state = {"params": [[np.ones(2), np.ones(3)]]}
    links = [(("s", "params"), ("h", "params")), (("s", "params", 0), ("h", "params"))]
    _method(calls, handle, "total", state=state, links=links)
    assert obj.params is not params and obj.params[0] is params  # refilled with arrays only; the outer list is new
    assert all(isinstance(p, np.ndarray) for p in params)


def test_a_held_list_of_lists_is_taken_as_new_not_refused(holder):
    _, calls, handle, obj = holder
    nested = obj.nested
    _method(calls, handle, "total", state={"nested": [[np.ones(2)]]},
            links=[(("s", "nested"), ("h", "nested")), (("s", "nested", 0), ("h", "nested", 0)),
                   (("s", "nested", 0, 0), ("h", "nested", 0, 0))])
    assert obj.nested is not nested and obj.nested[0] is nested[0]  # the inner list holds arrays: kept
    np.testing.assert_array_equal(obj.nested[0][0], np.ones(2))


@pytest.mark.parametrize("forgery", ["new", "building", "the same, not sent"])
def test_a_forged_held_link_is_a_bad_answer(holder, forgery):
    _, calls, handle, obj = holder
    encoder = Encoder()
    node = encoder.encode(np.ones(2))
    link = [["s", "params"], ["h", "params"]]
    if forgery == "new":
        header = {"refcall": "new", "unit": "Holder", "args": [node], "kwargs": {}, "links": [[["p", 0], ["h", "params", 0]]]}
    elif forgery == "building":
        header = {"refcall": "method", "handle": None, "unit": "Holder", "new_args": [], "new_kwargs": {},
                  "name": "total", "args": [], "kwargs": {}, "state": {"params": [node]}, "links": [link]}
    else:
        header = {"refcall": "method", "handle": handle, "name": "total", "args": [], "kwargs": {},
                  "state": {"params": [node]}, "links": [link + [1]]}
    with pytest.raises(ProtocolError):
        _answer(calls, header, encoder.blobs)


def _holds_itself(value, seen=()) -> bool:
    if type(value) in (list, tuple, dict):
        if id(value) in seen:
            return True
        items = value.values() if type(value) is dict else value
        return any(_holds_itself(v, seen + (id(value),)) for v in items)
    return False


_NAMES = ["params", "view", "shared", "nested"]
_array = st.sampled_from([2, 4]).map(lambda n: np.full(n, 5.0))
_state_values = st.recursive(_array | st.just(7), lambda children: st.lists(children, min_size=1, max_size=2),
                             max_leaves=4)
_held_paths = st.tuples(st.just("h"), st.sampled_from(_NAMES), st.lists(st.integers(0, 1), max_size=1))
_state_paths = st.tuples(st.just("s"), st.sampled_from(_NAMES), st.lists(st.integers(0, 1), max_size=1))


def _path(parts) -> tuple:
    root, name, rest = parts
    return (root, name, *rest)


@settings(max_examples=300, deadline=None)
@given(state=st.dictionaries(st.sampled_from(_NAMES), _state_values, min_size=1, max_size=4),
       links=st.lists(st.tuples(_state_paths.map(_path), _held_paths.map(_path)), min_size=1, max_size=6))
def test_any_forged_held_link_is_answered_or_refused_and_never_reaches_module_data(state, links):
    module = types.ModuleType("holder_reference")
    exec(compile(HOLDER, "holder_reference.py", "exec"), vars(module))
    calls = ReferenceCalls(module, ("Holder",))
    handle, obj = _built(calls, "Holder", [])
    try:
        _method(calls, handle, "total", state=state, links=links)
    except ProtocolError:
        pass
    np.testing.assert_array_equal(module.TABLE, np.arange(4.0))
    assert len(module.SHARED) == 1 and isinstance(module.SHARED[0], np.ndarray)
    np.testing.assert_array_equal(module.SHARED[0], np.zeros(2))
    assert not any(_holds_itself(value) for value in vars(obj).values())


def test_a_held_link_to_an_attribute_the_object_lacks_is_taken_as_a_new_value(holder):
    _, calls, handle, obj = holder
    params = obj.params
    _method(calls, handle, "total", state={"params": [np.ones(2)]}, links=[(("s", "params"), ("h", "nothing"))])
    assert obj.params is not params and len(obj.params) == 1
    np.testing.assert_array_equal(obj.params[0], np.ones(2))


# -- through the protocol: what the stub's encoder links, the grader writes into ----------------------

def _arrays(value, path=()):
    if isinstance(value, np.ndarray):
        yield path, value
    elif type(value) in (list, tuple):
        for i, v in enumerate(value):
            yield from _arrays(v, path + (i,))
    elif type(value) is dict:
        for k, v in value.items():
            yield from _arrays(v, path + (k,))


@settings(max_examples=200, deadline=None)
@given(held=_trees(st.integers(0, 3)), sent=_trees(st.integers(0, 7)), resend=st.booleans(),
       changed=st.sets(st.integers(0, 3)))
def test_the_stubs_arrays_reach_the_graders_by_identity(held, sent, resend, changed):
    """Whatever the structure: an array the stub held is written into the grader's counterpart, a new one stays new."""
    pool = [np.full(2, float(i)) for i in range(4)]
    stub_held = _build(held, lambda i: pool[i])
    grader_held = copy.deepcopy(stub_held)  # what the first answer left on both sides: the same shape of aliasing
    counterpart = {id(a): b for (_, a), (_, b) in zip(_arrays(stub_held), _arrays(grader_held))}
    for i in changed:
        pool[i] += 10.0  # the student's in-place changes
    fresh = {}
    value = stub_held if resend else _build(sent, lambda leaf: pool[leaf] if leaf < 4
                                            else fresh.setdefault(leaf, np.full(2, -1.0 - leaf)))
    paths, keep = {}, []
    sharing.index(stub_held, ("h", "x"), paths, keep)
    encoder = sharing.SharedEncoder(paths)
    node = encoder.encode(value, ("s", "x"))
    header, blobs = unpack(pack({"v": node, "links": encoder.links}, encoder.blobs)[8:])
    rebuilder = sharing.Rebuilder(sharing.read_links(header["links"], same=False),
                                  sharing.held_targets({"x": grader_held}, lambda obj: False), strict=True)
    result = rebuilder.value(Decoder(blobs, None).decode(header["v"]), ("s", "x"))
    mine, theirs = dict(_arrays(value)), dict(_arrays(result))
    held_ids = {id(b) for b in counterpart.values()}
    for path, array in mine.items():
        np.testing.assert_array_equal(theirs[path], array)
        if id(array) in counterpart:
            assert theirs[path] is counterpart[id(array)]
        else:
            assert id(theirs[path]) not in held_ids
    for path, array in mine.items():  # arrays the stub holds twice are one array on the grader's side
        for other, same in mine.items():
            assert (theirs[path] is theirs[other]) == (array is same)


# -- the worker's side alone: what its stubs link to -------------------------------------------------

@pytest.fixture
def stub_module(rnnlm):
    """(a module holding a SimpleRnnlm stub, its transport, the grader's calls), talking without a process between."""
    calls = reference.calls(rnnlm, ("SimpleRnnlm",))
    transport = reference_stubs.Transport()
    module = types.ModuleType("stubbed")
    reference_stubs.install(module, calls.stubs(), transport)
    transport.send = lambda message: calls.answer(message[8:])[8:]
    return module, transport, calls


def test_a_message_the_grader_never_got_leaves_the_links_as_they_were(stub_module):
    module, transport, calls = stub_module
    send = transport.send
    model = module.SimpleRnnlm(*SIZES)
    model.reset_state()
    obj, = (entry[1] for entry in calls.objects.values())
    model.params = [param + 1.0 for param in model.params]  # rebound: the layers must not see it
    transport.send = None  # the call cannot reach the grader
    with pytest.raises(RuntimeError):
        model.reset_state()
    transport.send = send
    model.reset_state()
    assert obj.params[0] is not obj.layers[0].params[0]
    np.testing.assert_array_equal(obj.params[0], model.params[0])


def test_an_in_place_change_after_a_reference_error_still_reaches_the_layers(stub_module, rnnlm):
    module, transport, calls = stub_module
    model = module.SimpleRnnlm(*SIZES)
    xs, ts = _window()
    for param in model.params:
        param += 0.5
    with pytest.raises(Exception):  # noqa: B017 - whatever the reference raises on a window of the wrong rank
        model.forward(xs[0], ts)
    model.reset_state()
    loss = model.forward(xs, ts)
    expected = reference.module(rnnlm).SimpleRnnlm(*SIZES)
    for param in expected.params:
        param += 0.5
    assert loss == pytest.approx(expected.forward(xs, ts))


# -- through a worker: the textbook's training on a stub -------------------------------------------

TRAINING = '''
import numpy as np


class SimpleRnnlm:
    pass


def step(V, D, H, seed, xs, ts, lr):
    """One textbook training step on a model, then a forward: what it sees, and what it kept."""
    model = SimpleRnnlm(V, D, H, seed)
    params, grads = model.params, model.grads
    first_params, first_grads = list(params), list(grads)
    loss = model.forward(xs, ts)
    model.backward()
    kept = (params is model.params and grads is model.grads
            and all(a is b for a, b in zip(first_params, model.params))
            and all(a is b for a, b in zip(first_grads, model.grads)))
    written = [g.copy() for g in first_grads]
    for param, grad in zip(params, grads):
        param -= lr * grad
    model.reset_state()
    after = model.forward(xs, ts)
    return kept, loss, written, after, [p.copy() for p in model.params]


def rebound(V, D, H, seed, xs, ts, lr):
    model = SimpleRnnlm(V, D, H, seed)
    model.forward(xs, ts)
    model.backward()
    model.params = [param - lr * grad for param, grad in zip(model.params, model.grads)]
    model.reset_state()
    return model.forward(xs, ts)
'''


@pytest.fixture
def training(rnnlm, load_student):
    return load_student(TRAINING, references=reference.calls(rnnlm, ("SimpleRnnlm",))), reference.module(rnnlm)


def _reference_step(ref, xs, ts, lr, update=True):
    model = ref.SimpleRnnlm(*SIZES)
    loss = model.forward(xs, ts)
    model.backward()
    grads = [g.copy() for g in model.grads]
    if update:
        for param, grad in zip(model.params, model.grads):
            param -= lr * grad
    model.reset_state()
    return loss, grads, model.forward(xs, ts), model.params


def test_a_textbook_training_step_on_a_stub_matches_one_on_the_reference(training):
    student, ref = training
    xs, ts = _window()
    kept, loss, written, after, params = student.step(*SIZES, xs, ts, 0.5)
    r_loss, r_grads, r_after, r_params = _reference_step(ref, xs, ts, 0.5)
    assert kept  # grads = model.grads before backward sees what backward wrote; params are the same arrays
    assert loss == pytest.approx(r_loss)
    for got, want in zip(written, r_grads):
        np.testing.assert_allclose(got, want)
    assert after == pytest.approx(r_after)  # the update reached the reference layers
    assert after < loss
    for got, want in zip(params, r_params):
        np.testing.assert_allclose(got, want)


def test_rebinding_a_stubs_params_leaves_the_reference_layers_as_they_were(training):
    student, ref = training
    xs, ts = _window(1)
    assert student.rebound(*SIZES, xs, ts, 0.5) == pytest.approx(_reference_step(ref, xs, ts, 0.5, update=False)[2])


# -- end to end: one mistake, one unit --------------------------------------------------------------

def _simple_rnnlm_mutants():
    data = tomllib.loads((ROOT / "tests" / "mutants" / "08_rnnlm.toml").read_text(encoding="utf-8"))
    text = (ROOT / "tests" / "mutants" / "08_rnnlm.toml").read_text(encoding="utf-8")
    section = text[text.index("# -- SimpleRnnlm"):text.index("# -- truncated_batches")]
    return [pytest.param("08_rnnlm", entry, id=entry["name"]) for entry in data["mutant"]
            if f'name = "{entry["name"]}"' in section]


@pytest.mark.parametrize("aid, entry", everyday_share(_simple_rnnlm_mutants()))
def test_a_simple_rnnlm_mistake_costs_points_in_its_own_unit_only(aid, entry, fork_server):
    assignment = course.load(aid)
    result = grade(assignment, mutants.submission(assignment, entry), fork_server)
    lost = {test.unit for test in result.tests if test.score < test.max_score}
    assert lost == {"SimpleRnnlm"}, {t.name: t.output for t in result.tests if t.score < t.max_score}
