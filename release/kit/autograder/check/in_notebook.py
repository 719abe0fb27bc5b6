"""The notebook side of the student kit: what a notebook's setup cell and public-test cells call.

    start_notebook(id, files, stubs, tested)   the setup cell, once per kernel (again is harmless)
    run_public_test(test, cases=None)    a public-test cell: one line when it passes, else the
                                         explanation `check` gives (hints included); never raises,
                                         so Run All reaches the end of the notebook

How it works and why: docs/notebooks.md (The notebook side of the student kit).
"""

from __future__ import annotations

import builtins
import dis
import hashlib
import linecache
import sys
import types
from pathlib import Path

from .. import messages
from .explain import Explainer, Explanation

_ID = "notebook"   # the assignment id, set by start_notebook()
_FILES: dict[str, str] = {}         # module name -> student file ('layers' -> 'layers.py')
_STUBS: dict[str, str] = {}         # student file -> sha256 of the stub as released
_TESTED: dict[str, tuple[str, ...]] = {}   # student file -> the names the public tests import from it
_WRITTEN: dict[str, str] = {}       # student file -> sha256 of what this kernel saved last
_COPIED: dict[str, object] = {}     # name -> the value a student cell put into the notebook's namespace
_HOOK = "_autograder_notebook_hook"


class NotInStudentCell(ImportError):
    """A name the tests need is not defined by the student cell: its message is the sentence to show."""


def text(key: str, **fields) -> str:
    return messages.text(f"notebook.{key}", **fields)


def _say(message: str) -> None:
    """Print in one write: a kernel may send print's text and its newline as two outputs."""
    sys.stdout.write(message + "\n")


def marker(filename: str) -> str:
    return f"# {filename}"


# ------------------------------------------------------------------ set-up

def start_notebook(assignment_id: str, files: list[str], stubs: dict[str, str], tested: dict[str, list[str]]) -> None:
    """Make each student module wait for its cell, and catch the cells that start with a marker."""
    global _ID
    _ID = assignment_id
    _FILES.update({Path(f).stem: f for f in files})
    _STUBS.update(stubs)
    _TESTED.update({f: tuple(names) for f, names in tested.items()})
    for name, filename in _FILES.items():
        current = sys.modules.get(name)
        if not isinstance(current, StudentModule):  # a cell that already ran stays
            sys.modules[name] = StudentModule.waiting(name, filename)
    shell = _shell()
    if shell is None:
        return
    cleanup = shell.input_transformers_cleanup
    cleanup[:] = [t for t in cleanup if getattr(t, "__name__", "") != "_student_cell_transform"]
    cleanup.insert(0, _student_cell_transform)  # before IPython's own: it sees the cell as written
    events = shell.events
    for hook in list(events.callbacks["post_run_cell"]):
        if getattr(hook, "__name__", "") in (_HOOK, "save_student_file"):
            events.unregister("post_run_cell", hook)
    events.register("post_run_cell", _autograder_notebook_hook)


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _student_cell_transform(lines: list[str]) -> list[str]:
    """IPython input transformer: a cell that starts with '# layers.py' runs as the module layers."""
    source = "".join(lines)
    for filename in _FILES.values():
        if source.startswith(marker(filename)):
            return [f"__import__({__name__!r}, fromlist=['_']).run_student_cell({filename!r}, {source!r})\n"]
    return lines


def _autograder_notebook_hook(result) -> None:
    """After any other cell: one that defines a tested name without the marker line is not graded."""
    source = getattr(result.info, "raw_cell", "") or ""
    if any(source.startswith(marker(f)) for f in _FILES.values()):
        return
    defined = _defined_names(source)
    for filename, names in _TESTED.items():
        found = [n for n in names if n in defined]
        if found:
            _say(text("unmarked_cell", names=", ".join(found), file=filename, marker=marker(filename)))


def _defined_names(source: str) -> set[str]:
    import ast
    try:
        return top_level_names(ast.parse(source))
    except SyntaxError:  # IPython syntax (magics) or a mistake: Python says so itself
        return set()


def top_level_names(tree) -> set[str]:
    """The names a module's top level defines: functions, classes and assigned names."""
    import ast
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


# ------------------------------------------------------------ the student cell

class StudentModule(types.ModuleType):
    """A student module built from its cell; a tested name it lacks is a Missing stand-in."""

    _reason: str | None = None   # why the cell's names are not there (not run yet, or it raised)

    @classmethod
    def waiting(cls, name: str, filename: str) -> "StudentModule":
        module = cls(name)
        module._reason = text("not_run", file=filename, marker=marker(filename))
        module.__file__ = str(Path(filename).resolve())
        return module

    def __getattr__(self, name: str):
        filename = _FILES.get(self.__name__, self.__name__ + ".py")
        if name.startswith("__") or name not in _TESTED.get(filename, ()):
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        return Missing(filename, name, self._reason or _missing_reason(self, filename, name))


def _missing_reason(module: types.ModuleType, filename: str, name: str) -> str:
    if name in _other_cells_names():
        return text("name_in_other_cell", name=name, file=filename, marker=marker(filename))
    return Explainer(_target(), messages.language()).missing_name(module, module.__name__, name)


class Missing:
    """Stands for a name the public tests import that the student cell does not give: any use raises."""

    def __init__(self, filename: str, name: str, reason: str):
        self.__name__ = self.__qualname__ = name
        self._filename, self._reason = filename, reason

    def _refuse(self):
        raise NotInStudentCell(self._reason)

    def __call__(self, *args, **kwargs):
        self._refuse()

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        self._refuse()

    def __repr__(self) -> str:
        return f"<{self.__name__}: not in {self._filename}>"


def run_student_cell(filename: str, source: str) -> None:
    """Save the cell as `filename` (unless an editor changed that file), then run it as its module."""
    __tracebackhide__ = True  # noqa: F841  IPython leaves this frame out of the student's traceback
    _save(filename, source)
    name = Path(filename).stem
    path = str(Path(filename).resolve())
    module = StudentModule(name)
    module.__file__ = path
    # tracebacks and explanations show the cell's lines, whatever the file on disk holds
    linecache.cache[path] = (len(source), None, source.splitlines(keepends=True), path)
    # names of other cells: in the notebook's namespace, and not put there by a student cell
    others = _other_cells_names()
    sys.modules[name] = module  # even when the cell fails: the tests then say why, never test older code
    code = None
    try:
        code = compile(source, path, "exec")
        exec(code, module.__dict__)
    except BaseException as exc:
        # the grader's import of the file fails the same way, and then every test: so do the tests here
        failed = sys.modules[name] = StudentModule(name)
        failed.__file__ = path
        failed._reason = text("cell_raised", file=filename, marker=marker(filename), error=type(exc).__name__,
                              detail=str(exc)[:200])
        raise
    finally:
        copied = {k: v for k, v in vars(module).items() if not k.startswith("__")}
        _notebook_namespace().update(copied)
        _COPIED.update(copied)
    borrowed = sorted(n for n in _global_names(code) - set(vars(module)) if n in others and not hasattr(builtins, n))
    elsewhere = sorted(n for n in _TESTED.get(filename, ()) if n not in vars(module) and n in others)
    for key, found in (("uses_other_cells", borrowed), ("tested_in_other_cells", elsewhere)):
        if found:
            _say(text(key, names=", ".join(found), file=filename, marker=marker(filename)))


def _global_names(code: types.CodeType) -> set[str]:
    """The global names the code and every function and class in it reads (not attributes)."""
    names = set()
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            names.add(instruction.argval)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _other_cells_names() -> set[str]:
    """The names of the notebook's namespace that no student cell put there."""
    return {n for n, v in _notebook_namespace().items() if _COPIED.get(n, _COPIED) is not v}


def _notebook_namespace() -> dict:
    shell = _shell()
    return shell.user_ns if shell is not None else vars(sys.modules["__main__"])


def sidecar(filename: str) -> Path:
    """Where the sha256 of what the notebook saved last is kept, beside the file."""
    return Path(f".{filename}.notebook-sha256")


def _save(filename: str, source: str) -> None:
    path, data = Path(filename), source.encode("utf-8")
    if path.exists():
        old = hashlib.sha256(path.read_bytes()).hexdigest()
        try:
            recorded = sidecar(filename).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            recorded = ""
        if old not in (_STUBS.get(filename), _WRITTEN.get(filename), recorded):
            _say(text("changed_outside", file=filename))
            return
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    _WRITTEN[filename] = digest
    try:
        sidecar(filename).write_text(digest + "\n", encoding="ascii")
    except OSError:  # a read-only folder: this kernel still remembers
        pass


# ------------------------------------------------------------- public tests

def _target():
    from .target import Target
    files = tuple(_FILES.values())
    return Target(_ID, _ID, files, (), Path.cwd(), ())


def run_public_test(test, cases: list[dict] | None = None, quiet: bool = False) -> None:
    """Run a public test function (once, or once per case of keyword arguments) and report.

    Prints 'passed: <test>' or the failures explained as `check` explains them.
    quiet=True (otter's test cells compare printed output): print nothing, and raise an
    AssertionError holding the explanation when a case fails. It returns None, so that a
    notebook shows no value after the cell.
    """
    explainer = _CellExplainer(_target(), messages.language(), test)
    failures: list[tuple[str, Explanation]] = []
    for kwargs in cases if cases is not None else [{}]:
        try:
            test(**kwargs)
        except KeyboardInterrupt:
            raise
        except NotInStudentCell as exc:
            failures.append((_case(kwargs), Explanation([str(exc)])))
        except BaseException as exc:  # SystemExit too: the student's code ran exit()
            failures.append((_case(kwargs), explainer.failure(exc, exc.__traceback__)))
    lines = _report(test.__name__, failures)
    if quiet:
        if failures:
            raise AssertionError("\n".join(lines))
    else:
        _say("\n".join(lines))


def _case(kwargs: dict) -> str:
    def short(value) -> str:
        name = getattr(value, "__name__", None)
        return name if isinstance(name, str) else repr(value)[:40]
    return ", ".join(f"{k}={short(v)}" for k, v in kwargs.items())


def _report(name: str, failures) -> list[str]:
    from .. import untrusted
    if not failures:
        return [text("passed", test=name)]
    lines: list[str] = []
    from .show import grouped
    groups = grouped(failures)  # the cases with the same explanation together
    for cases, why in groups:
        label = name + (f" [{'; '.join(cases)}]" if any(cases) else "")
        lines.append(text("failed", test=label))
        lines += ["    " + line for block in why.lines for line in block.splitlines()]
    return [untrusted.clean(line, untrusted.OUTPUT_CHARS) for line in lines]


class _CellExplainer(Explainer):
    """check's explanations, where a line of the test is 'in this cell', and a helper of another cell is named."""

    def __init__(self, target, lang, test):
        super().__init__(target, lang)
        self.tests = {Path(test.__code__.co_filename).resolve()}

    def where(self, filename: str, lineno: int) -> str:
        if Path(filename).resolve() in self.tests:
            return text("where_in_cell", line=lineno, code=linecache.getline(filename, lineno).strip())
        return super().where(filename, lineno)

    def failure(self, exc, tb):
        why = super().failure(exc, tb)
        name = getattr(exc, "name", None)
        if isinstance(exc, NameError) and name in _other_cells_names():
            filename = next(iter(_FILES.values()), "")
            why.lines.append(text("helper_in_other_cell", name=name, file=filename, marker=marker(filename)))
        return why
