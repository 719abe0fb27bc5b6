"""Run the public tests in this process with pytest, and record why each one failed.

The student's own code runs here, without a sandbox: it is theirs, and this
works the same on Linux, macOS and Windows (no fork, no resource limits). The
student modules are imported once before pytest starts, so that a syntax error
or a crash at import is one sentence instead of one per test file, and that
import is timed against the grader's import limit. Everything
this run adds to sys.path and sys.modules is taken away again afterwards, so
that a second check in the same process sees the files as they are then.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest

from .explain import Explainer, Explanation
from .target import PublicTest, Target, public_tests

SLOW_SECONDS = 10.0  # a test running this long gets a word about endless loops
CONFIG = Path(__file__).with_name("pytest.ini")  # empty: no pytest.ini or pyproject.toml around the folder applies


@dataclass
class Row:
    """One public test function: its outcome and, when it failed, why (per parametrized case)."""

    test: PublicTest
    failures: list[tuple[str, Explanation]] = field(default_factory=list)   # (case id or '', why)
    ran: int = 0

    @property
    def passed(self) -> bool:
        return self.ran > 0 and not self.failures


@dataclass
class Checked:
    """What a check found: one Row per public test function, and how long the student's files took to import."""

    rows: list[Row]
    import_took: float | None  # seconds; None when the import failed


def run(target: Target, explainer: Explainer) -> Checked:
    """Run every public test of `target` on the student's files."""
    rows = {(t.file, t.name): Row(t) for t in public_tests(target)}
    with _isolated(target):
        modules, problem, import_took = _import_student(target, explainer)
        if problem is None:
            recorder = _Recorder(target, explainer, modules, rows)
            args = [str(p) for p in target.tests] + [
                "-p", "no:terminal", "-p", "no:cacheprovider", "-c", str(CONFIG),
                "--rootdir", str(target.tests[0].parent), "--continue-on-collection-errors",
                "--capture=sys"]  # the student's prints are kept from the report; the console stays ours
            pytest.main(args, plugins=[recorder])
            if recorder.interrupted:
                raise KeyboardInterrupt
    for row in rows.values():
        if problem is not None:
            row.failures.append(("", problem))
        elif not row.ran and not row.failures:
            row.failures.append(("", Explanation([explainer.text("check.not_run")])))
    return Checked(list(rows.values()), import_took)


@contextlib.contextmanager
def _isolated(target: Target):
    """sys.path with the student's folder first; the student's and tests' modules fresh, and gone after."""
    folders = {target.folder, *(p.parent for p in target.tests)}
    names = set(target.module_names) | {p.stem for p in target.tests} | {"conftest"}
    saved_path, saved_bytecode = list(sys.path), sys.dont_write_bytecode

    def purge():
        for name, module in list(sys.modules.items()):
            where = getattr(module, "__file__", None)
            if name in names or (where and Path(where).resolve().parent in folders):
                del sys.modules[name]

    purge()
    sys.path.insert(0, str(target.folder))
    sys.dont_write_bytecode = True  # leave no __pycache__ in the student's folder
    try:
        yield
    finally:
        sys.path[:] = saved_path
        sys.dont_write_bytecode = saved_bytecode
        purge()


def _import_student(target: Target, explainer: Explainer
                    ) -> tuple[dict[str, ModuleType], Explanation | None, float | None]:
    """The student's modules, or why they could not be imported; and the seconds the imports took."""
    import numpy  # noqa: F401  the grader's worker holds numpy already: time the student's files alone
    modules = {}
    started = time.perf_counter()
    for filename, name in zip(target.student_files, target.module_names):
        if not (target.folder / filename).is_file():
            return modules, explainer.no_student_file(filename), None
        importlib.invalidate_caches()
        try:
            modules[name] = importlib.import_module(name)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit too: the student's file ran exit() at import
            return modules, explainer.import_error(exc, name), None
        where = Path(getattr(modules[name], "__file__", "") or "")
        if where.resolve() != (target.folder / filename).resolve():
            # a module of that name elsewhere on the path (installed, or the standard library's)
            return modules, explainer.no_student_file(filename), None
    return modules, None, time.perf_counter() - started


class _Recorder:
    """A pytest plugin: the outcome of every test item, and the exception behind every failure."""

    def __init__(self, target: Target, explainer: Explainer, modules: dict[str, ModuleType],
                 rows: dict[tuple[str, str], Row]):
        self.target, self.explainer, self.modules, self.rows = target, explainer, modules, rows
        self.collect_errors: dict[str, BaseException] = {}
        self.interrupted = False
        self.stderr = sys.stderr  # the console, before pytest captures the tests' output

    def pytest_keyboard_interrupt(self, excinfo):
        self.interrupted = True

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        """Say so when a test runs long: no sandbox stops an endless loop here, the student does (Ctrl+C)."""
        row = self._row(item)
        name = row.test.name if row else item.name
        timer = threading.Timer(SLOW_SECONDS, lambda: print(
            self.explainer.text("check.slow", test=name, seconds=f"{SLOW_SECONDS:g}"), file=self.stderr, flush=True))
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def _row(self, item) -> Row | None:
        name = getattr(item, "originalname", item.name)
        if getattr(item, "cls", None) is not None:
            name = f"{item.cls.__name__}::{name}"
        return self.rows.get((Path(str(item.path)).name, name))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        row = self._row(item)
        if row is None:
            return
        if report.when == "call":
            row.ran += 1
        if report.failed:
            case = item.callspec.id if hasattr(item, "callspec") else ""
            if call.excinfo is not None:
                why = self.explainer.failure(call.excinfo.value, call.excinfo.tb)
            else:
                why = Explanation([report.longreprtext.strip().splitlines()[-1]])
            row.failures.append((case, why))

    def pytest_exception_interact(self, node, call, report):
        if isinstance(node, pytest.Collector) and call.excinfo is not None:
            self.collect_errors[Path(str(node.path)).name] = call.excinfo.value

    def pytest_collectreport(self, report):
        if not report.failed:
            return
        filename = Path(report.nodeid.split("::")[0]).name
        path = next((p for p in self.target.tests if p.name == filename), None)
        if path is None:
            return
        exc = self.collect_errors.get(filename)
        if exc is not None and not isinstance(exc, pytest.Collector.CollectError):
            why = self.explainer.failure(exc, exc.__traceback__)
        else:
            why = self.explainer.collection_error(exc, path, self.modules, report.longreprtext)
        for row in self.rows.values():
            if row.test.file == filename and not row.failures:
                row.failures.append(("", why))
