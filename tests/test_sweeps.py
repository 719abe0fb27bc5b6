"""The everyday share of a sweep: stable, at least one case per assignment, every other case in the slow set."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .sweeps import _picked, everyday_share


def _slow(param) -> bool:
    return any(mark.name == "slow" for mark in param.marks)


def _params(ids: list[tuple[str, str]]) -> list:
    return [pytest.param(aid, name, id=f"{aid}: {name}") for aid, name in ids]


@given(st.lists(st.tuples(st.sampled_from(["01_a", "02_b", "03_c"]), st.text(min_size=1, max_size=12)),
                min_size=1, max_size=40, unique=True), st.integers(1, 6))
def test_every_assignment_keeps_an_everyday_case_and_the_rest_go_to_the_slow_set(ids, share):
    params = everyday_share(_params(ids), share)
    assert [p.id for p in params] == [f"{aid}: {name}" for aid, name in ids]  # nothing lost, nothing reordered
    for aid in {aid for aid, _ in ids}:
        assert any(not _slow(p) for p in params if p.values[0] == aid), aid
    if share == 1:
        assert not any(_slow(p) for p in params)


def test_the_everyday_share_is_the_same_whatever_else_the_sweep_holds():
    ids = [("01_a", f"mutant {i}") for i in range(60)]
    alone = {p.id for p in everyday_share(_params(ids), 3) if not _slow(p)}
    grown = {p.id for p in everyday_share(_params(ids + [("01_a", "a new mutant")]), 3) if not _slow(p)}
    assert alone <= grown and 10 <= len(alone) <= 30  # about a third of 60


def test_a_case_keeps_its_own_marks_when_it_goes_to_the_slow_set():
    xfail = pytest.mark.xfail(strict=True, reason="known")
    params = [pytest.param("01_a", str(i), id=f"01_a: {i}", marks=[xfail]) for i in range(20)]
    for param in everyday_share(params, 4):
        assert xfail in param.marks


@given(st.lists(st.tuples(st.sampled_from(["01_a", "02_b"]), st.sampled_from(["values", "state", "edges", None]),
                          st.text(min_size=1, max_size=12)), min_size=1, max_size=40, unique_by=lambda t: t[2]),
       st.integers(1, 8))
def test_every_kind_keeps_an_everyday_case_as_well_as_every_assignment(cases, share):
    params = [pytest.param(aid, kind, id=name) for aid, kind, name in cases]
    everyday = [p for p in everyday_share(params, share, kinds=lambda p: p.values[1]) if not _slow(p)]
    assert {p.values[0] for p in everyday} == {aid for aid, _, _ in cases}
    assert {p.values[1] for p in everyday} >= {kind for _, kind, _ in cases if kind is not None}
    assert len(everyday) <= len({aid for aid, _, _ in cases}) + 3 + sum(_picked(name, share) for _, _, name in cases)
