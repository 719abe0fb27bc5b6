"""Under `make test` (-n 2 --dist loadgroup), the tests of one xdist group run in one process.

A module's tests that share a module-scoped fixture, and the tests that assert on one shared grade
(tests/graded.py), are grouped so that the shared work is done once. pytest-xdist schedules a group by
the suffix `@<group>` of the node id (tests/conftest.py puts it there); these tests fail if it is missing.
Run without xdist, they have nothing to check and skip.
"""

from __future__ import annotations

import pytest


def _under_loadgroup(request) -> None:
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("checks the scheduling of `make test`'s processes (-n 2 --dist loadgroup)")


@pytest.mark.xdist_group("named-group")
def test_a_test_marked_with_a_group_carries_it_in_its_node_id(request):
    _under_loadgroup(request)
    assert request.node.nodeid.endswith("::test_a_test_marked_with_a_group_carries_it_in_its_node_id@named-group")


@pytest.fixture(scope="module")
def shared():
    return object()


@pytest.mark.parametrize("case", ["first", "second"])
def test_a_test_using_a_module_fixture_joins_its_modules_group(request, shared, case):
    _under_loadgroup(request)
    assert request.node.nodeid.endswith(f"[{case}]@tests/test_xdist_groups.py")
