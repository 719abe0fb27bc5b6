"""The public tests expose what the hidden tests punish, and say so with a hint.

Every mutant of tests/mutants/*.toml loses points under the hidden tests
(tests/test_mutants.py). Here each one goes through the public tests the way a
student's `check` runs them, and then either
  - fails them with one of the hints it was written for, or
  - is listed in tests/mutants/hidden_only.toml: under [[hidden_only]] when the
    public inputs cannot expose it at all (check says "All public tests pass"),
    under [[unhinted]] when the public tests fail it without recognising the bug;
    each entry with the sentence that says why.
"All public tests pass" is printed for no mutant outside [[hidden_only]], and
the list holds no entry that the public tests have outgrown.

The full sweep of every mutant is slow (CI runs it); the everyday suite sweeps
the mutants of the properties the hidden tests punish most often (grads in
place, params through fit, probabilities 0 and 1, a set's order, BPTT).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from autograder import course

from .public_runs import ROOT, all_passed_sentences, mutants, public_run

LIST = ROOT / "tests" / "mutants" / "hidden_only.toml"
IDS = course.assignment_ids()

EVERYDAY = {
    "06_time_rnn": ["TimeAffine grads rebound instead of written in place", "TimeRNN does not add dh from the next step",
                    "TimeRNN backward runs forwards in time", "TimeRNN grads of one step only (= instead of +=)"],
    "07_many_to_one": ["make_dataset keeps a set's order (hash-randomized) instead of sorting",
                       "bce_loss without clipping: nan when a probability is exactly 0 or 1",
                       "fit rebinds the attributes: params keeps the initial arrays",
                       "grads rebound to new arrays instead of written in place"],
}


def listed() -> dict[tuple[str, str], tuple[str, str]]:
    """{(assignment, mutant): (kind, reason)} of tests/mutants/hidden_only.toml."""
    data = tomllib.loads(LIST.read_text(encoding="utf-8"))
    found = {}
    for kind in ("hidden_only", "unhinted"):
        for entry in data.get(kind, []):
            key = (entry["assignment"], entry["mutant"])
            assert key not in found, f"listed twice: {key}"
            found[key] = (kind, entry["reason"])
    return found


def written_for(entry: dict) -> set[str]:
    """The hints a mutant was written for, and those only the public tests give it (`public_hint`)."""
    found = set()
    for field in ("hint", "public_hint"):
        given = entry.get(field, [])
        found |= {given} if isinstance(given, str) else set(given)
    return found


def pairing_problem(aid: str, entry: dict, run, listing) -> str | None:
    """Why this mutant's public run breaks the pairing, or None."""
    kind, _ = listing.get((aid, entry["name"]), (None, ""))
    passed = run.code == 0
    printed_all_pass = any(sentence in run.text for sentence in all_passed_sentences())
    if kind == "hidden_only":
        if not passed:
            return "listed as hidden only, but the public tests fail it now: move or remove its entry"
        return None
    if passed or printed_all_pass:
        return "the public tests pass it (\"All public tests pass\") and it is not listed as hidden only"
    hinted = bool(run.hints & written_for(entry)) if written_for(entry) else bool(run.hints)
    if kind == "unhinted":
        return "listed as unhinted, but the public tests give its hint now: remove its entry" if hinted else None
    if written_for(entry) and not hinted:
        return f"the public tests fail it without its hint {sorted(written_for(entry))} (fired: {sorted(run.hints)})"
    return None


def test_the_list_names_real_mutants_with_a_reason_each():
    names = {(aid, e["name"]) for aid in IDS for e in mutants(aid)}
    for (aid, name), (_kind, reason) in listed().items():
        assert (aid, name) in names, f"{LIST.name} names a mutant that does not exist: {aid}: {name}"
        assert reason.strip().endswith(".") and len(reason.split()) >= 6, f"{aid}: {name}: give the reason as a sentence"


@pytest.mark.parametrize("aid", sorted(EVERYDAY))
def test_public_tests_fail_with_a_hint_the_mutants_of_properties_hidden_tests_punish(aid, tmp_path, monkeypatch):
    listing = listed()
    entries = {e["name"]: e for e in mutants(aid)}
    problems = {}
    for i, name in enumerate(EVERYDAY[aid]):
        run = public_run(aid, entries[name], tmp_path / str(i), "en", monkeypatch)
        problem = pairing_problem(aid, entries[name], run, listing)
        if problem or (aid, name) in listing:
            problems[name] = problem or "listed in hidden_only.toml: the public tests must expose it"
    assert not problems, problems


@pytest.mark.slow  # every mutant through the public tests: minutes, run in CI
@pytest.mark.parametrize("aid", IDS)
def test_every_mutant_hidden_tests_catch_fails_the_public_tests_with_a_hint_or_is_listed(aid, tmp_path, monkeypatch):
    listing = listed()
    problems = {}
    for i, entry in enumerate(mutants(aid)):
        run = public_run(aid, entry, tmp_path / str(i), "en", monkeypatch)
        problem = pairing_problem(aid, entry, run, listing)
        if problem:
            problems[entry["name"]] = problem
    assert not problems, problems


def test_the_hash_seeds_of_the_public_order_check_expose_every_unsorted_spelling():
    """07's public test runs make_dataset under a few string-hash seeds: each way of taking the distinct
    orders without sorting them comes out unsorted under at least one of those seeds."""
    import ast

    from .test_set_order import SORTED, SPELLINGS

    tree = ast.parse((ROOT / "assignments" / "07_many_to_one" / "test_many_to_one.py").read_text(encoding="utf-8"))
    seeds = next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                 and getattr(node.targets[0], "id", None) == "HASH_SEEDS")
    assert len(seeds) >= 2
    code = "from itertools import permutations\n" + "\n".join(f"print(repr({e}))" for e in SPELLINGS.values())
    unsorted = set()
    for seed in seeds:
        out = subprocess.run([sys.executable, "-c", code], env={"PYTHONHASHSEED": str(seed), "PATH": "/usr/bin:/bin"},
                             capture_output=True, text=True, timeout=60, check=True).stdout.splitlines()
        unsorted |= {name for name, line in zip(SPELLINGS, out) if ast.literal_eval(line) != SORTED}
    assert unsorted == set(SPELLINGS), f"sorted under every seed {seeds}: {sorted(set(SPELLINGS) - unsorted)}"
