"""Why a public test failed, as sentences a student can act on.

Messages come in the order a student debugs: the student file does not load
(syntax error, an error at import), a name is missing, a method is not
written yet, a method raised, and last the values (the assertions of
autograder.assertions, whose messages already show shapes, the first mismatching
entries, the errors and the gradient table).
"""

from __future__ import annotations

import difflib
import re
import linecache
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, TracebackType

from .. import messages
from .none_value import none_attribute
from .raised import raised_hints
from .target import Target, imported_names


@dataclass
class Explanation:
    lines: list[str]                 # what happened, then where; in the student's language
    hints: tuple[str, ...] = ()      # the catalogue keys of the bug hints among the lines ("hint.affine...")
    advice: tuple[str, ...] = ()     # other hint keys among the lines ("explain.raised..."): not a named bug

    @property
    def hinted(self) -> bool:
        """Whether the lines hold a hint a student can act on (summary: which failure to start with)."""
        return bool(self.hints or self.advice)


def _frames(tb: TracebackType | None):
    while tb is not None:
        yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next


def _in(path: str, files: set[Path]) -> bool:
    try:
        return Path(path).resolve() in files
    except (OSError, ValueError):
        return False


def _line(filename: str, lineno: int) -> str:
    return linecache.getline(filename, lineno).strip()


class Explainer:
    """Sentences for one check: knows the student's files and the test files, and the language."""

    def __init__(self, target: Target, lang: str):
        self.target, self.lang = target, lang
        self.student = {(target.folder / f).resolve() for f in target.student_files}
        self.tests = {p.resolve() for p in target.tests}

    def text(self, key: str, **fields) -> str:
        return messages.text(key, self.lang, **fields)

    def where(self, filename: str, lineno: int) -> str:
        return self.text("check.where", file=Path(filename).name, line=lineno, code=_line(filename, lineno))

    # -- the student file does not load

    def syntax_error(self, exc: SyntaxError) -> Explanation:
        name = Path(exc.filename or self.target.student_files[0]).name
        lines = [self.text("check.syntax_error", file=name, line=exc.lineno or "?", error=exc.msg)]
        if exc.text:
            lines.append(f"    {exc.text.rstrip()}")
        return Explanation(lines)

    def import_error(self, exc: BaseException, module: str) -> Explanation:
        filename = next((f for f in self.target.student_files if Path(f).stem == module), module + ".py")
        if isinstance(exc, SyntaxError):
            return self.syntax_error(exc)
        last = [(f, n) for f, n in _frames(exc.__traceback__) if _in(f.f_code.co_filename, self.student)]
        lines = [self.text("check.import_error", file=filename, error=type(exc).__name__, detail=_detail(exc))]
        if last:
            frame, lineno = last[-1]
            lines.append(self.where(frame.f_code.co_filename, lineno))
        return Explanation(lines)

    def no_student_file(self, filename: str) -> Explanation:
        return Explanation([self.text("check.error.no_student_file", folder=self.target.folder, file=filename)])

    # -- a test file does not load

    def collection_error(self, exc: BaseException | None, test_file: Path, modules: dict[str, ModuleType],
                         fallback: str) -> Explanation:
        cause = (exc.__cause__ or exc.__context__) if exc is not None else None
        if isinstance(cause, ImportError):
            for name, module in modules.items():
                missing = [n for n in imported_names(test_file, name) if not hasattr(module, n)]
                if missing:
                    return Explanation([self.missing_name(module, name, n) for n in missing])
        if cause is not None:
            detail = _detail(cause)
        else:
            tail = fallback.strip().splitlines()
            detail = tail[-1] if tail else ""
        return Explanation([self.text("check.test_file_error", file=test_file.name, detail=detail)])

    def missing_name(self, module: ModuleType, module_name: str, name: str) -> str:
        filename = next((f for f in self.target.student_files if Path(f).stem == module_name), module_name + ".py")
        kind = self.text("check.kind.class" if name[:1].isupper() else "check.kind.function")
        defined = [n for n, v in vars(module).items() if not n.startswith("_")
                   and getattr(v, "__module__", None) == module.__name__]
        close = difflib.get_close_matches(name, defined, n=1, cutoff=0.6) or \
            [n for n in defined if n.lower() == name.lower()]
        if close:
            return self.text("check.missing_name_close", file=filename, kind=kind, name=name, close=close[0])
        return self.text("check.missing_name", file=filename, kind=kind, name=name)

    # -- a test failed or raised

    def failure(self, exc: BaseException, tb: TracebackType | None) -> Explanation:
        frames = list(_frames(tb))
        student = [(f, n) for f, n in frames if _in(f.f_code.co_filename, self.student)]
        in_test = [(f, n) for f, n in frames if _in(f.f_code.co_filename, self.tests)]
        test_line = [self.where(in_test[-1][0].f_code.co_filename, in_test[-1][1])] if in_test else []
        if isinstance(exc, NotImplementedError) and student:
            frame, lineno = student[-1]
            return Explanation([self.text("check.not_implemented", method=_method(frame),
                                          file=Path(frame.f_code.co_filename).name, line=lineno)])
        if isinstance(exc, AssertionError):  # assertions.CheckFailed's message holds the values and the hints
            message = str(exc).strip() or self.text("check.assertion_without_message")
            return Explanation([message, *test_line], tuple(getattr(exc, "hints", ())))
        missing = _missing_attribute(exc, self.student) if isinstance(exc, AttributeError) and not student else None
        if missing:
            owner, name = missing
            return Explanation([self.text("check.missing_attribute", owner=owner, name=name), *test_line])
        found = []
        if student:
            frame, lineno = student[-1]
            lines = [self.text("check.raised", method=_method(frame), error=type(exc).__name__, detail=_detail(exc)),
                     self.where(frame.f_code.co_filename, lineno), *test_line]
            found = raised_hints(exc, _method(frame), _line(frame.f_code.co_filename, lineno))
        else:
            lines = [self.text("check.test_raised", error=type(exc).__name__, detail=_detail(exc)), *test_line]
        if "NoneType" in str(exc):
            lines.append(self.none_value(student[-1] if student else None))
        lines += [self.text("assert.hint", text=h.text(self.lang)) for h in found]
        return Explanation(lines, tuple(h.key for h in found if h.recorded),
                           tuple(h.key for h in found if not h.recorded))

    def none_value(self, where) -> str:
        """What was None: an attribute forward should have kept, else a value a method did not return."""
        found = none_attribute(*where) if where else None
        if found is None:
            return self.text("check.returned_none")
        key = ("explain.none_item_assignment" if found.item_assignment else
               "explain.none_set_elsewhere" if found.assigned else
               "explain.none_attribute_param" if found.parameter else "explain.none_attribute")
        return self.text(key, name=found.name, method=found.method, setter=found.setter)


def _method(frame) -> str:
    """'Affine.backward': Python 3.11's qualified name of the frame's code, before 3.11 the class of its self."""
    qualified = getattr(frame.f_code, "co_qualname", None)
    if qualified:
        return qualified
    owner = frame.f_locals.get("self")
    name = frame.f_code.co_name
    return f"{type(owner).__name__}.{name}" if owner is not None and hasattr(type(owner), name) else name


_NO_ATTRIBUTE = re.compile(r"^'(\w+)' object has no attribute '(\w+)'")


def _missing_attribute(exc: AttributeError, files: set[Path]) -> tuple[str, str] | None:
    """(class, attribute) when an object of a class of the student's files lacks an attribute, else None.

    Python 3.10+ carries the object and the name on the exception; before, they are read from its message.
    """
    obj, name = getattr(exc, "obj", None), getattr(exc, "name", None)
    if obj is not None and name:
        return (type(obj).__name__, name) if _defined_in(type(obj), files) else None
    match = _NO_ATTRIBUTE.match(str(exc))
    if not match:
        return None
    for module in list(sys.modules.values()):
        cls = getattr(module, match.group(1), None)
        if isinstance(cls, type) and _in(getattr(module, "__file__", "") or "", files) and _defined_in(cls, files):
            return match.group(1), match.group(2)
    return None


def _defined_in(cls: type, files: set[Path]) -> bool:
    module = sys.modules.get(getattr(cls, "__module__", ""), None)
    return module is not None and _in(getattr(module, "__file__", "") or "", files)


def _detail(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    prefix = type(exc).__name__ + ": "
    text = text[len(prefix):] if text.startswith(prefix) else text
    lines = text.splitlines()
    return lines[0] if len(lines) <= 3 else " ".join(lines[:3]) + " ..."
