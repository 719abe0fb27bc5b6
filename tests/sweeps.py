"""Which cases of a long sweep run every day.

A sweep (every mutant, every file of the blind corpus) grades one submission
per case, and grading is most of the suite's time. Every case runs in the slow
set (`make test-integration`, which CI runs after `make test`); a stable share
of each assignment's cases runs in `make test` too, and so not again in the
slow set. The share is chosen by a hash of the case's id, so it is the same on
every machine and run, and adding a case does not reshuffle the others. Where a
sweep's cases come in kinds (a mutant's property class: values, gradients,
state, ...), every kind keeps at least one everyday case too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

import pytest

SHARE = 3  # one case in three of each assignment runs every day


def _assignment(param) -> str:
    return param.values[0]


def everyday_share(params: Iterable, share: int = SHARE, group: Callable = _assignment,
                   kinds: Callable | None = None) -> list:
    """`params` (pytest.param), all but about one in `share` of each group marked slow; at least one per group stays.

    `group` gives a case's group (by default its first value: the assignment's id); `kinds`, if given, a second
    grouping (a property class) of which every value but None keeps at least one everyday case as well.
    """
    params = list(params)
    chosen = {id(p) for p in params if _picked(p.id, share)}
    for grouping in (group, kinds) if kinds else (group,):
        for name in sorted({grouping(p) for p in params}, key=str):
            members = [p for p in params if grouping(p) == name]
            if name is not None and not any(id(p) in chosen for p in members):
                chosen.add(id(members[0]))
    return [p if id(p) in chosen else pytest.param(*p.values, id=p.id, marks=[*p.marks, pytest.mark.slow])
            for p in params]


def _picked(case_id: str, share: int) -> bool:
    return int(hashlib.sha256(case_id.encode()).hexdigest(), 16) % share == 0
