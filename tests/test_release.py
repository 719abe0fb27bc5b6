"""The release holds what students need and nothing of the instructors', byte for byte reproducibly."""

from __future__ import annotations

import ast
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import course
from autograder.assign import release, student_kit
from autograder.assign.stubs import BEGIN, END
from autograder.cli import main
from autograder.course import CourseError

IDS = course.assignment_ids()
ROOT = course.find_root()
HIDDEN = Path(course.__file__).parent / "hidden"


def assignments(root: Path = ROOT) -> list[course.Assignment]:
    return [course.load(i, root) for i in course.assignment_ids(root)]


@pytest.fixture(scope="module")
def tree() -> release.Tree:
    return release.build(assignments())


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def student_visible(tree: release.Tree) -> dict[str, str]:
    """Every text in students/ and classroom/, by where it is.

    Zip members count one by one, and a notebook's cells (in a folder or in a zip)
    both one by one (their source as written, not JSON-escaped) and as the whole file.
    Figures (real PNGs, as a README shows them) hold no text and are left out; anything
    else that is not UTF-8 text fails here.
    """
    texts = {}
    for name, data in tree.items():
        if not name.startswith(("students/", "classroom/")):
            continue
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    texts.update(file_texts(f"{name}:{member}", archive.read(member)))
        else:
            texts.update(file_texts(name, data))
    return texts


def file_texts(where: str, data: bytes) -> dict[str, str]:
    if where.endswith(".png") and data.startswith(PNG_SIGNATURE):
        return {}
    texts = {where: data.decode()}
    if where.endswith(".ipynb"):
        for cell in nbformat.reads(data.decode(), as_version=4).cells:
            texts[f"{where}#{cell.id}"] = cell.source
    return texts


def long_lines(text: str, shortest: int) -> list[str]:
    return [s for s in (line.strip() for line in text.splitlines()) if len(s) >= shortest]


def holds(lines: list[str], run: list[str]) -> bool:
    """Whether `run` occurs in `lines` as consecutive entries."""
    return any(lines[i:i + len(run)] == run for i in range(len(lines) - len(run) + 1))


def solution_regions(path: Path) -> list[list[str]]:
    """The lines of each `### BEGIN SOLUTION` region, stripped, without those under 12 characters."""
    regions, current = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() == BEGIN:
            current = []
        elif line.strip() == END:
            regions.append(long_lines("\n".join(current), 12))
            current = None
        elif current is not None:
            current.append(line)
    return [r for r in regions if r]


def hidden_bodies() -> dict[str, list[str]]:
    """'module.function' -> the lines of its body longer than 30 characters, for bodies with two or more."""
    bodies = {}
    for path in sorted(HIDDEN.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = "\n".join(source.splitlines()[node.body[0].lineno - 1:node.end_lineno])
                lines = long_lines(body, 31)
                if len(lines) >= 2:
                    bodies[f"{path.stem}.{node.name}"] = lines
    return bodies


def test_release_folder_is_up_to_date():
    run = subprocess.run([sys.executable, "-m", "autograder", "release", "--check"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("aid", IDS)
def test_student_release_holds_the_readme_stub_public_tests_and_requirements(aid, tree):
    a = course.load(aid)
    own = {"README.md", *a.student_files, *a.public_files, *(p.name for p in a.folder.glob("test_*.py"))}
    engine = student_kit.engine_files()
    kit = {"requirements.txt", "pyproject.toml", "Makefile", "assignment.toml", f"{aid}.ipynb"}
    expected = own | kit | set(engine)
    folder = {n.split("/", 2)[2]: data for n, data in tree.items() if n.startswith(f"students/{aid}/")}
    assert set(folder) == expected
    for name in own:
        assert folder[name] == (a.folder / name).read_bytes(), name
    for name, data in engine.items():  # the package's own files, byte for byte
        assert data == (ROOT / name).read_bytes(), name
    assert [line for line in folder["requirements.txt"].decode().splitlines() if not line.startswith("#")] == [
        "numpy>=1.24", "pytest>=7", "rich>=13", "tomli>=1.1; python_version < '3.11'", "."]
    with zipfile.ZipFile(io.BytesIO(tree[f"students/{aid}.zip"])) as archive:
        assert archive.namelist() == sorted(f"{aid}/{n}" for n in expected)
        assert {m.split("/", 1)[1]: archive.read(m) for m in archive.namelist()} == folder
        for info in archive.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0) and info.external_attr >> 16 == 0o100644


def test_each_student_folder_holds_its_notebook_beside_the_kit(tree):
    """The notebook's public tests import autograder.assertions: it ships where the kit is, and only there."""
    notebooks = sorted(n for n in tree if n.endswith(".ipynb"))
    assert notebooks == [f"students/{aid}/{aid}.ipynb" for aid in IDS]
    assert not [n for n in tree if n.startswith("notebooks/")]
    for aid in IDS:
        nb = nbformat.reads(tree[f"students/{aid}/{aid}.ipynb"].decode(), as_version=4)
        nbformat.validate(nb)
        sources = "\n".join(c.source for c in nb.cells)
        a = course.load(aid)
        for name in a.student_files:  # the stub, as in the student folder
            assert (a.folder / name).read_text(encoding="utf-8").rstrip("\n") in sources
        assert "from autograder.assertions import" in sources
        assert f"students/{aid}/autograder/assertions.py" in tree and f"students/{aid}/autograder/hints.py" in tree
        with zipfile.ZipFile(io.BytesIO(tree[f"students/{aid}.zip"])) as archive:
            assert archive.read(f"{aid}/{aid}.ipynb") == tree[f"students/{aid}/{aid}.ipynb"]


def test_student_release_has_no_manifest(tree):
    visible = [n for n in student_visible(tree)]
    assert visible and not [n for n in visible if n.endswith("manifest.toml")]


# What a release folder may hold of the engine: the check verb, its assertions and messages. Never the
# grader's side (sandbox, student proxy, reference loader, grading, reports, releases, hidden tests).
STUDENT_SIDE = {"__init__.py", "__main__.py", "cli.py", "course.py", "assertions.py", "hints.py", "messages.py",
                "untrusted.py", "cell.py", "check", "catalogue"}


def test_student_release_ships_only_the_student_side_of_the_engine(tree):
    shipped = {name for name in student_visible(tree) if "/autograder/" in name}
    assert shipped, "no engine files in the student release: `make check` cannot work"
    for name in shipped:
        first = name.split("/autograder/", 1)[1].split("/")[0]
        assert first in STUDENT_SIDE, f"{name} is not part of the student check"
    catalogue = {lang: sorted(n.rsplit("/", 1)[1] for n in shipped if f"/catalogue/{lang}/" in n)
                 for lang in ("en", "ko")}
    assert catalogue["en"] and catalogue["en"] == catalogue["ko"]
    assert not [n for n in shipped if n.endswith("hidden.toml")], "the hidden tests' sentences are shipped"
    for aid in IDS:  # each folder holds what `python -m autograder check` imports
        assert f"students/{aid}/autograder/check/runner.py" in tree
        assert f"students/{aid}/autograder/assertions.py" in tree
        assert f"classroom/{aid}/autograder/assertions.py" in tree


def test_student_engine_imports_on_its_own_from_a_release_folder(tree, tmp_path):
    """Every shipped module imports from a copy of the folder, with no course and no editable install."""
    aid = IDS[0]
    for name, data in tree.items():
        if name.startswith(f"students/{aid}/"):
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    folder = tmp_path / "students" / aid
    modules = sorted(p.relative_to(folder).with_suffix("").as_posix().replace("/", ".")
                     for p in (folder / "autograder").rglob("*.py") if p.name != "__main__.py")
    code = ("import importlib, sys\n"
            f"for name in {modules!r}:\n"
            "    module = importlib.import_module(name)\n"
            "    print(module.__file__)\n")
    run = subprocess.run([sys.executable, "-S", "-c", code], cwd=folder, capture_output=True, text=True,
                         timeout=120, env=third_party_only())
    assert run.returncode == 0, run.stderr
    files = run.stdout.split()
    assert len(files) == len(modules) and all(Path(f).resolve().is_relative_to(folder.resolve()) for f in files)


POSIX_ONLY = {"resource", "fcntl", "termios", "pwd", "grp", "posix"}


def test_student_engine_runs_on_windows_too(tree):
    """No POSIX-only module and no fork in what students run: `check` works on Windows and macOS."""
    aid = IDS[0]
    scanned = [name for name in tree if name.startswith(f"students/{aid}/autograder/") and name.endswith(".py")]
    assert len(scanned) > 5
    for name in scanned:
        module = ast.parse(tree[name].decode(), name)
        imported = {alias.name.split(".")[0] for node in ast.walk(module) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {(node.module or "").split(".")[0] for node in ast.walk(module)
                     if isinstance(node, ast.ImportFrom) and not node.level}
        assert not imported & POSIX_ONLY, f"{name} imports {imported & POSIX_ONLY}"
        calls = {node.attr for node in ast.walk(module) if isinstance(node, ast.Attribute)}
        assert not calls & {"fork", "forkpty", "setrlimit"}, f"{name} forks or sets limits"


def third_party_only() -> dict[str, str]:
    """An environment where `python -S` finds numpy, pytest and rich but not this repository's package.

    -S skips site-packages' .pth files, among them the editable install's finder; PYTHONPATH then
    names site-packages itself, so the third-party packages import as they would for a student.
    """
    import numpy
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AUTOGRADER"))}
    env["PYTHONPATH"] = str(Path(numpy.__file__).resolve().parents[1])
    return env


def solution_leaks(tree: release.Tree) -> list[str]:
    """Where a solution region appears in what students see, one sentence each."""
    texts = {where: long_lines(text, 12) for where, text in student_visible(tree).items()}
    found, checked = [], 0
    for aid in IDS:
        for solution in sorted(course.load(aid).solution_folder.glob("*.py")):
            for region in solution_regions(solution):
                checked += 1
                leaks = [where for where, lines in texts.items() if holds(lines, region)]
                if leaks:
                    found.append(f"{solution}: the solution of {region[0]!r}... is in {leaks}")
    assert checked, "no solution regions found"
    return found


def test_release_contains_no_solution_code(tree):
    assert not solution_leaks(tree)


@pytest.mark.parametrize("where", ["folder", "zip"])
def test_the_leak_check_sees_a_solution_inside_a_notebook(tree, where):
    from autograder.assign import notebook

    solved = notebook.to_bytes(notebook.student_notebook(course.load("03_affine"), solved=True))
    if where == "folder":
        name, planted = "students/03_affine/03_affine.ipynb", {"students/03_affine/03_affine.ipynb": solved}
    else:
        with zipfile.ZipFile(io.BytesIO(tree["students/03_affine.zip"])) as archive:
            files = {m: archive.read(m) for m in archive.namelist()}
        files["03_affine/03_affine.ipynb"] = solved
        name = "students/03_affine.zip:03_affine/03_affine.ipynb"
        planted = {"students/03_affine.zip": release.zip_bytes(files)}
    leaks = solution_leaks({**tree, **planted})
    assert leaks and all(f"{name}#layers-py" in leak for leak in leaks)


def test_release_contains_no_hidden_test(tree):
    texts = student_visible(tree)
    for aid in IDS:  # the manifest's test names are the hidden tests' own
        for test in course.load(aid).tests:
            leaks = [where for where, text in texts.items() if test.name in text]
            assert not leaks, f"hidden test {test.name} is named in {leaks}"
    lines = {where: long_lines(text, 31) for where, text in texts.items()}
    bodies = hidden_bodies()
    assert bodies, "no hidden tests found"
    for function, body in bodies.items():
        leaks = [where for where, found in lines.items() if holds(found, body)]
        assert not leaks, f"the body of hidden {function} is in {leaks}"


def test_generating_twice_gives_identical_bytes(tree, tmp_path):
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = tmp_path / "release"
    run = subprocess.run([sys.executable, "-m", "autograder", "release", "--out", str(out)],
                         capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr
    written = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert written == release.layout(tree)


def test_bytes_do_not_depend_on_file_times_or_where_the_course_is(tree, tmp_path):
    copy = tmp_path / "elsewhere"
    skip = shutil.ignore_patterns("__pycache__", ".*")
    for folder in ("assignments", "solutions"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=skip, copy_function=shutil.copy)
    shutil.copy(ROOT / "pyproject.toml", copy)
    for path in copy.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    assert release.build(assignments(copy)) == tree


def test_check_names_every_difference_and_write_repairs_them(tmp_path, capsys):
    out = tmp_path / "release"
    assert main(["release", "--out", str(out)]) == 0
    assert main(["release", "--out", str(out), "--check"]) == 0
    aid = IDS[0]
    (out / "students" / aid / "README.md").write_text("edited by hand")
    (out / "dist" / "students" / f"{aid}.zip").unlink()
    (out / "classroom" / aid / "notes.txt").write_text("left over")
    (out / "students" / aid / f"{aid}.ipynb").write_text("{}")
    (out / "students" / aid / ".ipynb_checkpoints").mkdir()  # what opening the notebook there leaves
    (out / "students" / aid / ".ipynb_checkpoints" / f"{aid}-checkpoint.ipynb").write_text("{}")
    (out / "notebooks").mkdir()  # where notebooks used to be: no longer the release's
    (out / "notebooks" / f"{aid}.ipynb").write_text("{}")
    (out / "mine.txt").write_text("not the release's")
    capsys.readouterr()
    assert main(["release", "--out", str(out), "--check"]) == 1
    printed = capsys.readouterr().out
    assert f"students/{aid}/README.md is out of date" in printed
    assert f"dist/students/{aid}.zip is missing" in printed
    assert f"classroom/{aid}/notes.txt is not generated by the sources" in printed
    assert f"students/{aid}/{aid}.ipynb is out of date" in printed and "checkpoint" not in printed
    assert "mine.txt" not in printed and "make release" in printed
    assert main(["release", "--out", str(out)]) == 0
    assert main(["release", "--out", str(out), "--check"]) == 0
    assert not (out / "classroom" / aid / "notes.txt").exists() and (out / "mine.txt").exists()
    assert (out / "notebooks" / f"{aid}.ipynb").exists()  # not owned: left alone, like mine.txt


def test_a_stale_stub_stops_the_release(tmp_path):
    copy = tmp_path / "course"
    for folder in ("assignments", "solutions"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy)
    a = course.load(IDS[0], copy)
    stub = a.folder / a.student_files[0]
    stub.write_text(stub.read_text() + "\n# edited by hand\n")
    with pytest.raises(CourseError, match="make stubs"):
        release.build([a])


def test_release_will_not_take_over_a_folder_it_did_not_write(tmp_path, capsys):
    (tmp_path / "README.md").write_text("my own notes")
    assert main(["release", "--out", str(tmp_path)]) == 2
    assert "not a release folder" in capsys.readouterr().err
    assert (tmp_path / "README.md").read_text() == "my own notes"


def test_the_student_kit_is_tracked_once_and_the_dist_folder_assembles_it(tree):
    """kit/ holds the engine once; students/<id>/ only the assignment's own files; dist/ the whole."""
    files = release.layout(tree)
    kept = release.tracked(files)
    engine = set(student_kit.engine_files())
    assert {f"kit/{name}" for name in engine} <= set(kept)
    assert not [n for n in kept if "/autograder/" in n and not n.startswith("kit/")]
    for aid in IDS:
        own = {n.split("/", 2)[2] for n in kept if n.startswith(f"students/{aid}/")}
        assert own == {n.split("/", 2)[2] for n in tree if n.startswith(f"students/{aid}/")} \
            - engine - {"Makefile", "requirements.txt"}
        assert {n for n in kept if n.startswith(f"classroom/{aid}/")} == {
            f"classroom/{aid}/.github/workflows/classroom.yml", f"classroom/{aid}/.gitignore"}
        assert files[f"dist/students/{aid}.zip"] == tree[f"students/{aid}.zip"]
        template = {n.removeprefix("dist/") for n in files if n.startswith(f"dist/classroom/{aid}/")}
        assert template == {n for n in tree if n.startswith(f"classroom/{aid}/")}


def test_git_tracks_no_engine_file_twice():
    """What a review of an engine change shows: autograder/ once, and the student kit once."""
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("the course is not a git checkout")
    names = listed.stdout.split()
    for path in (ROOT / "autograder").rglob("*.py"):
        copies = [n for n in names if n.endswith("/" + path.relative_to(ROOT).as_posix())]
        assert len(copies) <= 1, f"{path.relative_to(ROOT)} is tracked {len(copies)} times outside autograder/: {copies}"


def test_check_leaves_an_unassembled_dist_alone_and_names_a_stale_one(tmp_path, capsys):
    """A fresh clone has no dist/: --check compares what git tracks; once assembled, dist/ too."""
    out = tmp_path / "release"
    assert main(["release", "--out", str(out)]) == 0
    shutil.rmtree(out / "dist")
    assert main(["release", "--out", str(out), "--check"]) == 0
    assert main(["release", "--out", str(out)]) == 0
    zipped = out / "dist" / "students" / f"{IDS[0]}.zip"
    zipped.write_bytes(zipped.read_bytes() + b"\0")
    capsys.readouterr()
    assert main(["release", "--out", str(out), "--check"]) == 1
    assert f"dist/students/{IDS[0]}.zip is out of date" in capsys.readouterr().out
