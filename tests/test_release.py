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
from autograder.assign import release
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


def student_visible(tree: release.Tree) -> dict[str, str]:
    """Every text in students/, classroom/ and notebooks/, by where it is.

    Zip members count one by one, and a notebook's cells both one by one (their
    source as written, not JSON-escaped) and as the whole file.
    """
    texts = {}
    for name, data in tree.items():
        if not name.startswith(("students/", "classroom/", "notebooks/")):
            continue
        if name.endswith(".ipynb"):
            texts[name] = data.decode()
            for cell in nbformat.reads(data.decode(), as_version=4).cells:
                texts[f"{name}#{cell.id}"] = cell.source
        elif name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                texts.update({f"{name}:{m}": archive.read(m).decode() for m in archive.namelist()})
        else:
            texts[name] = data.decode()
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
    expected = {"README.md", "requirements.txt", *a.student_files,
                *(p.name for p in a.folder.glob("test_*.py"))}
    folder = {n.split("/", 2)[2]: data for n, data in tree.items() if n.startswith(f"students/{aid}/")}
    assert set(folder) == expected
    for name in expected - {"requirements.txt"}:
        assert folder[name] == (a.folder / name).read_bytes(), name
    assert folder["requirements.txt"].decode().split() == ["numpy>=1.24", "pytest>=7"]
    with zipfile.ZipFile(io.BytesIO(tree[f"students/{aid}.zip"])) as archive:
        assert archive.namelist() == sorted(f"{aid}/{n}" for n in expected)
        assert {m.split("/", 1)[1]: archive.read(m) for m in archive.namelist()} == folder
        for info in archive.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0) and info.external_attr >> 16 == 0o100644


def test_release_has_a_notebook_per_assignment_and_it_is_the_students(tree):
    notebooks = sorted(n for n in tree if n.startswith("notebooks/"))
    assert notebooks == [f"notebooks/{aid}.ipynb" for aid in IDS]
    for aid in IDS:
        nb = nbformat.reads(tree[f"notebooks/{aid}.ipynb"].decode(), as_version=4)
        nbformat.validate(nb)
        sources = "\n".join(c.source for c in nb.cells)
        a = course.load(aid)
        for name in a.student_files:  # the stub, as in the student folder
            assert (a.folder / name).read_text(encoding="utf-8").rstrip("\n") in sources


def test_student_release_has_no_manifest(tree):
    visible = [n for n in student_visible(tree)]
    assert visible and not [n for n in visible if n.endswith("manifest.toml")]


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


def test_the_leak_check_sees_a_solution_inside_a_notebook(tree):
    from autograder.assign import notebook

    solved = notebook.to_bytes(notebook.student_notebook(course.load("03_affine"), solved=True))
    leaks = solution_leaks({**tree, "notebooks/03_affine.ipynb": solved})
    assert leaks and all("notebooks/03_affine.ipynb#layers-py" in leak for leak in leaks)


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
    assert written == tree


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
    (out / "students" / f"{aid}.zip").unlink()
    (out / "classroom" / aid / "notes.txt").write_text("left over")
    (out / "mine.txt").write_text("not the release's")
    capsys.readouterr()
    assert main(["release", "--out", str(out), "--check"]) == 1
    printed = capsys.readouterr().out
    assert f"students/{aid}/README.md is out of date" in printed
    assert f"students/{aid}.zip is missing" in printed
    assert f"classroom/{aid}/notes.txt is not generated by the sources" in printed
    assert "mine.txt" not in printed and "make release" in printed
    assert main(["release", "--out", str(out)]) == 0
    assert main(["release", "--out", str(out), "--check"]) == 0
    assert not (out / "classroom" / aid / "notes.txt").exists() and (out / "mine.txt").exists()


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
