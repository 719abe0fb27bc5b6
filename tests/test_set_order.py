"""07_many_to_one's make_dataset must sort the distinct permutations; relying on a set's order fails every time.

A set of strings is ordered by their hashes, which Python randomizes per process
unless PYTHONHASHSEED is fixed. The worker runs with PYTHONHASHSEED=0
(sandbox/launch.py), so a submission's set order is the same on every run, and the
hidden test can only catch reliance on it if that fixed order is not the sorted one.
These tests keep both facts true: if someone changes the worker's seed, or the
spellings below come out sorted under it, they fail and say why.
"""

from __future__ import annotations

import subprocess
import sys

from autograder.sandbox import launch

SORTED = [("as", "as", "soon"), ("as", "soon", "as"), ("soon", "as", "as")]

# The ways a student takes the distinct orders without sorting them.
SPELLINGS = {
    "a set": "list(set(permutations(('as', 'soon', 'as'))))",
    "a set comprehension": "list({p for p in permutations(('as', 'soon', 'as'))})",
    "a set of lists' tuples": "[tuple(p) for p in set(permutations(['as', 'soon', 'as']))]",
    "a frozenset": "list(frozenset(permutations(('as', 'soon', 'as'))))",
    "a set of joined strings": "[tuple(s.split()) for s in {' '.join(p) for p in permutations(('as', 'soon', 'as'))}]",
    "dict.fromkeys": "list(dict.fromkeys(permutations(('as', 'soon', 'as'))))",
}


def _worker_seed() -> str:
    """The PYTHONHASHSEED the worker's interpreter is started with."""
    seen = {}

    class Stop(Exception):
        pass

    def fake_popen(args, **kwargs):
        seen.update(kwargs["env"])
        raise Stop

    real = launch.subprocess.Popen
    launch.subprocess.Popen = fake_popen
    try:
        launch.interpreter("pass", 0, launch.Path("/"))
    except Stop:
        pass
    finally:
        launch.subprocess.Popen = real
    return seen["PYTHONHASHSEED"]


def test_the_worker_runs_with_a_fixed_hash_seed():
    assert _worker_seed() == "0", "the worker's string hashing must be fixed: make_dataset's set order depends on it"


def test_no_unsorted_spelling_of_the_distinct_orders_comes_out_sorted_in_the_worker():
    code = "from itertools import permutations\n" + "\n".join(
        f"print(repr({expression}))" for expression in SPELLINGS.values())
    env = {"PYTHONHASHSEED": _worker_seed(), "PATH": "/usr/bin:/bin"}
    lines = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           check=True).stdout.splitlines()
    for name, line in zip(SPELLINGS, lines):
        got = [tuple(s) for s in eval(line)]  # noqa: S307 -- our own repr of tuples of words
        assert sorted(got) == SORTED, name
        assert got != SORTED, f"{name} comes out sorted in the worker: the hidden test cannot catch it"
