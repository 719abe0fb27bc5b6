"""Shared fixtures: a fork server for the whole session, and a way to load code into a worker.

Also what `make test` needs to run on several processes (pytest-xdist, `-n 2 --dist loadgroup`):
the tests of a module with a module-scoped fixture run in one process, so that the fixture's
work (a batch graded through the CLI, a release built) is done once; and the mutation and
null-model tallies that each process collects reach the summary the first process prints.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from autograder.course import Limits
from autograder.reference_calls import ReferenceCalls
from autograder.sandbox.forkserver import ForkServer
from autograder.proxy import Student

FAST = Limits(call_seconds=2.0, submission_seconds=20.0, cpu_seconds=5.0, memory_mb=256)


@pytest.fixture(scope="session")
def fork_server():
    server = ForkServer()
    yield server
    server.close()


@pytest.fixture
def load_student(fork_server):
    """load_student(source, limits=FAST) -> Student proxy for a module `layers` with that source."""
    workers = []

    def load(source: str, limits: Limits = FAST, references: ReferenceCalls | None = None) -> Student:
        """references: earlier units the module gets as stubs, answered on the trusted side."""
        worker = fork_server.start(limits)
        workers.append(worker)
        student = Student(worker, "layers.py", references=references)
        student.load("layers", {"layers.py": np.frombuffer(source.encode(), dtype=np.uint8)},
                     references.stubs() if references else {})
        return student

    yield load
    for worker in workers:
        worker.close()


MUTATION_LOG: list[tuple[str, str, bool]] = []  # (assignment, mutant, killed)
NULL_MODEL_LOG: list[tuple[str, str, float, float]] = []  # (assignment, null model, score, max score)


def pytest_collection_modifyitems(config, items):
    """A test that uses a module-scoped fixture runs in the process that runs its module's others."""
    for item in items:
        defs = getattr(item, "_fixtureinfo", None)
        scopes = {d.scope for name in getattr(defs, "names_closure", ())
                  for d in (defs.name2fixturedefs.get(name) or ())}
        if "module" in scopes:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
    if getattr(config.option, "loadgroup", False):
        for item in items:
            _join_group(item)


def _join_group(item) -> None:
    """Give a test of an xdist_group the node id `<id>@<group>` by which `--dist loadgroup` schedules groups.

    pytest-xdist (3.8) does this by setting `item._nodeid`, which pytest 9 no longer reads: its node ids are
    NodeId objects. Without this, every group is silently split over both processes and each process
    repeats the group's module-scoped work. Done here the same way for both; xdist's own suffix, where it
    takes effect (pytest 8), lands after ours, and the scheduler reads the last one.
    """
    names = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                    for mark in item.iter_markers("xdist_group")})
    if not names or "@" in item.nodeid.rsplit("]", 1)[-1]:
        return
    grouped = f"{item.nodeid}@{'_'.join(names)}"
    node_id = getattr(item, "_id", None)
    if node_id is not None and hasattr(node_id, "_str_cache"):
        object.__setattr__(node_id, "_str_cache", grouped)  # NodeId is frozen; its text is what nodeid returns
    else:
        item._nodeid = grouped


_SENT = [0, 0]  # how much of MUTATION_LOG and NULL_MODEL_LOG this process has passed on


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In an xdist worker: the tally entries a test added travel with its report."""
    outcome = yield
    if call.when != "call" or not hasattr(item.config, "workerinput"):
        return
    mutations, nulls = MUTATION_LOG[_SENT[0]:], NULL_MODEL_LOG[_SENT[1]:]
    if mutations or nulls:
        # As plain JSON data: execnet carries only builtin types, not str subclasses such as untrusted.Safe.
        outcome.get_result().user_properties.append(("tallies", json.loads(json.dumps([mutations, nulls]))))
        _SENT[:] = len(MUTATION_LOG), len(NULL_MODEL_LOG)


def pytest_runtest_logreport(report):
    """In the controlling process of xdist (reports arrive with `node`): gather the workers' tallies."""
    if getattr(report, "node", None) is None:
        return
    for key, value in report.user_properties:
        if key == "tallies":
            MUTATION_LOG.extend(tuple(entry) for entry in value[0])
            NULL_MODEL_LOG.extend(tuple(entry) for entry in value[1])


def pytest_terminal_summary(terminalreporter):
    _null_model_summary(terminalreporter)
    if not MUTATION_LOG:
        return
    killed = sum(k for _, _, k in MUTATION_LOG)
    by_assignment: dict[str, list[bool]] = {}
    for aid, _, k in MUTATION_LOG:
        by_assignment.setdefault(aid, []).append(k)
    terminalreporter.section("mutation suite")
    for aid, kills in sorted(by_assignment.items()):
        terminalreporter.write_line(f"{aid}: {sum(kills)}/{len(kills)} mutants killed")
    terminalreporter.write_line(
        f"kill rate: {killed}/{len(MUTATION_LOG)} = {100 * killed / len(MUTATION_LOG):.1f}%")
    for aid, name, k in MUTATION_LOG:
        if not k:
            terminalreporter.write_line(f"SURVIVED {aid}: {name}")


def _null_model_summary(terminalreporter):
    if not NULL_MODEL_LOG:
        return
    terminalreporter.section("null models")
    zero = sum(score == 0 for _, _, score, _ in NULL_MODEL_LOG)
    for aid, name, score, most in NULL_MODEL_LOG:
        if score:
            terminalreporter.write_line(f"SCORED {aid}: {name}: {score:g}/{most:g}")
    terminalreporter.write_line(f"null models scoring 0: {zero}/{len(NULL_MODEL_LOG)}")
