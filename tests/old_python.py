"""The student kit on the oldest Python students may have (3.9): a static scan, and a real run.

    shipped_sources(tree) -> {where: Python source}   every .py file and notebook code cell a student gets
    problems(source, where) -> [sentence]             what would break on Python 3.9
    python -m tests.old_python                        the real run (`make test-py39`, CI)

The scan is quick and runs with the everyday tests (tests/test_old_python.py):
the grammar of 3.9 (ast.parse with feature_version), tomllib without its tomli
fallback, and the 3.10+ names that parse fine but fail when the line runs
(`int | None` outside an annotation, zip(strict=...), dataclass(slots=...), ...).

The real run proves what no scan can: it builds a release of every
assignment into a temporary folder, makes a venv of Python 3.9 (3.10 when
3.9 is missing) and runs `pip install -r requirements.txt` in a released
folder as a student would (numpy, pytest, rich and tomli from PyPI, and the
folder's own kit), compiles every shipped file with it, and in a copy of each
student folder runs the public tests with pytest and `python -m autograder
check` on the solution (everything passes) and on the stub (the tests fail,
each one explained), in the folder, from its parent (`check 03_affine`) and
from the root of the file system given the folder's path.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Names that exist from Python 3.10 or 3.11 on: an attribute or a name with one of these fails on 3.9.
NEWER_NAMES = {
    "pairwise": "itertools.pairwise (3.10)", "bit_count": "int.bit_count (3.10)",
    "TypeAlias": "typing.TypeAlias (3.10)", "ParamSpec": "typing.ParamSpec (3.10)",
    "Concatenate": "typing.Concatenate (3.10)", "TypeGuard": "typing.TypeGuard (3.10)",
    "aclosing": "contextlib.aclosing (3.10)", "anext": "anext (3.10)", "aiter": "aiter (3.10)",
    "EncodingWarning": "EncodingWarning (3.10)", "Self": "typing.Self (3.11)", "Never": "typing.Never (3.11)",
    "LiteralString": "typing.LiteralString (3.11)", "assert_never": "typing.assert_never (3.11)",
    "StrEnum": "enum.StrEnum (3.11)", "ExceptionGroup": "ExceptionGroup (3.11)",
    "add_note": "BaseException.add_note (3.11)", "file_digest": "hashlib.file_digest (3.11)",
    "co_qualname": "code.co_qualname (3.11)", "UTC": "datetime.UTC (3.11)",
}
# Keyword arguments that arrived in 3.10: zip(strict=), dataclass(slots=, kw_only=, match_args=).
NEWER_KEYWORDS = {"zip": {"strict"}, "dataclass": {"slots", "kw_only", "match_args"}}
BUILTIN_TYPES = {"int", "float", "complex", "str", "bytes", "bool", "list", "dict", "tuple", "set", "frozenset",
                 "type", "object", "slice", "range"}


def shipped_sources(tree: dict[str, bytes]) -> dict[str, str]:
    """Every Python source of students/ in a release tree: the .py files and each notebook's code cells."""
    sources = {}
    for name, data in sorted(tree.items()):
        if not name.startswith("students/") or name.endswith(".zip"):
            continue
        if name.endswith(".py"):
            sources[name] = data.decode("utf-8")
        elif name.endswith(".ipynb"):
            for i, cell in enumerate(json.loads(data)["cells"]):
                if cell["cell_type"] == "code":
                    source = cell["source"]
                    sources[f"{name}#cell{i}"] = "".join(source) if isinstance(source, list) else source
    return sources


def problems(source: str, where: str) -> list[str]:
    """What in `source` fails on Python 3.9, one sentence each; empty when nothing does."""
    try:
        module = ast.parse(source, where, feature_version=(3, 9))
    except SyntaxError as exc:
        return [f"{where}, line {exc.lineno}: not Python 3.9 syntax ({exc.msg})"]
    postponed = any(isinstance(n, ast.ImportFrom) and n.module == "__future__"
                    and any(a.name == "annotations" for a in n.names) for n in module.body)
    annotations = set() if not postponed else {id(n) for n in _annotations(module)}
    found = []
    guarded = {id(n) for n in _guarded_imports(module)}
    for node in ast.walk(module):
        line = getattr(node, "lineno", "?")
        if isinstance(node, ast.Import) and any(a.name == "tomllib" for a in node.names) and id(node) not in guarded:
            found.append(f"{where}, line {line}: `import tomllib` without the tomli fallback (tomllib is 3.11+)")
        elif isinstance(node, ast.ImportFrom) and node.module == "tomllib" and id(node) not in guarded:
            found.append(f"{where}, line {line}: `from tomllib import` without the tomli fallback (3.11+)")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr) and id(node) not in annotations \
                and (_is_type(node.left) or _is_type(node.right)):
            found.append(f"{where}, line {line}: `X | Y` of types is evaluated here (3.10+): use a tuple or Optional")
        elif isinstance(node, ast.Attribute) and node.attr in NEWER_NAMES:
            found.append(f"{where}, line {line}: {NEWER_NAMES[node.attr]} does not exist in Python 3.9")
        elif isinstance(node, ast.Name) and node.id in NEWER_NAMES and isinstance(node.ctx, ast.Load) \
                and id(node) not in annotations:
            found.append(f"{where}, line {line}: {NEWER_NAMES[node.id]} does not exist in Python 3.9")
        elif isinstance(node, ast.alias) and node.name in NEWER_NAMES:
            found.append(f"{where}: imports {NEWER_NAMES[node.name]}, which does not exist in Python 3.9")
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            late = {k.arg for k in node.keywords} & NEWER_KEYWORDS.get(name, set())
            if late:
                found.append(f"{where}, line {line}: {name}({', '.join(sorted(late))}=...) is Python 3.10+")
    return found


def _annotations(module: ast.AST):
    """Every node inside an annotation: not evaluated under `from __future__ import annotations`."""
    for node in ast.walk(module):
        roots = []
        if isinstance(node, ast.arg) and node.annotation is not None:
            roots.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            roots.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
        for root in roots:
            yield from ast.walk(root)


def _guarded_imports(module: ast.AST):
    """Imports inside a try whose handler catches ImportError or ModuleNotFoundError."""
    for node in ast.walk(module):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                for h in node.handlers):
            for statement in node.body:
                if isinstance(statement, (ast.Import, ast.ImportFrom)):
                    yield statement


def _is_type(node: ast.AST) -> bool:
    """None, a builtin type, or a subscripted one (list[int]): the operands of a runtime type union."""
    if isinstance(node, ast.Constant) and node.value is None:
        return True
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _is_type(node.left) or _is_type(node.right)
    return isinstance(node, ast.Name) and node.id in BUILTIN_TYPES


# -- the real run ---------------------------------------------------------------------------------------

OLDEST = ("3.9", "3.10")  # the versions tried, oldest first
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"


def find_old_python() -> Path | None:
    """The oldest of OLDEST on this machine: pyenv's versions folder first, then python3.X on PATH."""
    for version in OLDEST:
        if PYENV_VERSIONS.is_dir():
            for folder in sorted(PYENV_VERSIONS.glob(f"{version}.*"), reverse=True):
                binary = folder / "bin" / "python"
                if binary.is_file() and _reports(binary, version):
                    return binary
        found = shutil.which(f"python{version}")
        if found and _reports(Path(found), version):
            return Path(found)
    return None


def _reports(python: Path, version: str) -> bool:
    """Whether `python` runs and is that version (a pyenv shim of an uninstalled version does not run)."""
    try:
        run = subprocess.run([str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return run.returncode == 0 and run.stdout.strip() == version


def venv(python: Path, folder: Path, home: Path) -> Path:
    """A venv of `python` in `home` after `pip install -r requirements.txt` in the release folder `folder`.

    The venv is kept while requirements.txt stays the same; the folder's own kit
    (its last line, `.`) is installed again every time, since it changes with the engine.
    """
    requirements = (folder / "requirements.txt").read_bytes()
    stamp = home / ".requirements"
    interpreter = home / "bin" / "python"
    if not (interpreter.is_file() and stamp.is_file() and stamp.read_bytes() == requirements):
        shutil.rmtree(home, ignore_errors=True)
        subprocess.run([str(python), "-m", "venv", str(home)], check=True)
        subprocess.run([str(interpreter), "-m", "pip", "install", "-q", "-r", "requirements.txt"], cwd=folder,
                       check=True)
        stamp.write_bytes(requirements)
    subprocess.run([str(interpreter), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", "."],
                   cwd=folder, check=True)
    return interpreter


class Failed(Exception):
    """A step of the real run went wrong: its message says which and shows the output."""


def run(python: Path, args: list[str], cwd: Path, expect: int) -> str:
    """Run `python args` in `cwd`; its output, or Failed when the exit status is not `expect`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AUTOGRADER", "VIRTUAL_ENV"))}
    env["PYTHONIOENCODING"] = ""  # what the student's terminal gives, not ours
    done = subprocess.run([str(python), *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                          errors="replace", timeout=600, env=env)
    output = done.stdout + done.stderr
    if done.returncode != expect:
        raise Failed(f"`python {' '.join(args)}` in {cwd} exited {done.returncode}, expected {expect}:\n{output}")
    return output


def check_assignment(python: Path, released: Path, solution_folder: Path, student_files: tuple[str, ...],
                     work: Path) -> list[str]:
    """The public tests and `check` on the stub and on the solution of one released folder; what was proved."""
    proved = []
    for kind in ("stub", "solution"):
        folder = work / kind / released.name
        shutil.copytree(released, folder)
        if kind == "solution":
            for name in student_files:
                shutil.copy2(solution_folder / name, folder / name)
        expect = 0 if kind == "solution" else 1
        run(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider"], folder, expect)
        for where, args in ((folder, ["."]), (folder.parent, [folder.name]), (Path(folder.anchor), [str(folder)])):
            output = run(python, ["-m", "autograder", "check", "--plain", *args], where, expect)
            if "Traceback" in output:
                raise Failed(f"`check` on the {kind} of {released.name} printed a traceback:\n{output}")
            if kind == "stub" and "NotImplementedError" not in output:
                raise Failed(f"`check` on the stub of {released.name} did not say which method to write:\n{output}")
            if str(folder.resolve()) not in output:
                raise Failed(f"`check {' '.join(args)}` in {where} did not check {folder}:\n{output}")
        proved.append(f"{released.name} {kind}: pytest and check (in the folder, from its parent, from /) exit {expect}")
    return proved


def main() -> int:
    from autograder import course
    from autograder.assign import release

    python = find_old_python()
    if python is None:
        print(f"No Python {' or '.join(OLDEST)} found (looked in {PYENV_VERSIONS} and for python3.9 and python3.10 "
              "on PATH): install one (e.g. `pyenv install 3.9`) to test the student kit on the oldest Python "
              "students use.", file=sys.stderr)
        return 2
    root = course.find_root()
    assignments = [course.load(i, root) for i in course.assignment_ids(root)]
    tree = release.students_tree(assignments)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="py39-") as temporary:
        work = Path(temporary)
        for name, data in tree.items():
            if not name.endswith(".zip"):
                (work / "release" / name).parent.mkdir(parents=True, exist_ok=True)
                (work / "release" / name).write_bytes(data)
        installed = work / "install" / assignments[0].id  # pip's own files stay out of the folders checked
        shutil.copytree(work / "release" / "students" / assignments[0].id, installed)
        interpreter = venv(python, installed, root / ".venv-py39")
        version = subprocess.run([str(interpreter), "--version"], capture_output=True, text=True).stdout.strip()
        print(f"student kit under {version} ({interpreter})")
        try:
            run(interpreter, ["-m", "compileall", "-q", str(work / "release")], work, 0)
            print(f"  every shipped .py file compiles under {version}")
        except Failed as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            failures += 1
        for a in assignments:
            try:
                for line in check_assignment(interpreter, work / "release" / "students" / a.id,
                                             a.solution_folder, a.student_files, work):
                    print(f"  {line}")
            except Failed as exc:
                print(f"FAILED: {exc}", file=sys.stderr)
                failures += 1
    if failures:
        print(f"{failures} step(s) failed under {version}", file=sys.stderr)
        return 1
    print(f"the student kit works under {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
