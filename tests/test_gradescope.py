"""The Gradescope zip grades in a fake /autograder tree with the engine it carries.

The tree sits in a folder every uid may enter, as /autograder does: inside
pytest's tmp_path (root's alone) the worker could reach nothing of it, whatever
run_autograder did. Run as root, as Gradescope runs the grader, the worker
drops to a uid of its own; tests that need that are skipped for other users.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from autograder import cli, course
from autograder.assign import gradescope, release
from autograder.course import CourseError

IDS = course.assignment_ids()
ROOT = course.find_root()
SECRET = b"5e" * 32  # a course secret, as instructor_secret makes them: 64 hex digits
WITHOUT_LANDLOCK = Path(__file__).with_name("kernel_without_landlock.py")
as_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                             reason="the worker drops to a uid of its own only when the grader runs as root")


def bundle(aid: str, secret: bytes = SECRET, lang: str | None = None) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(release.gradescope_zips([course.load(aid)], secret, lang)[f"{aid}.zip"]))


@pytest.fixture
def open_dir():
    """A fresh folder that every uid may enter and list, as the parent of /autograder is."""
    path = Path(tempfile.mkdtemp(prefix="gradescope-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def fake_autograder(aid: str, parent: Path, lang: str | None = None) -> Path:
    """/autograder as Gradescope lays it out: the zip unpacked in source/ with the zip's
    permissions (as unzip applies them), an empty submission/ and results/."""
    root = parent / "autograder"
    for folder in ("source", "submission", "results"):
        (root / folder).mkdir(parents=True)
        (root / folder).chmod(0o755)
    root.chmod(0o755)
    with bundle(aid, lang=lang) as archive:
        archive.extractall(root / "source")
        for info in archive.infolist():
            (root / "source" / info.filename).chmod(info.external_attr >> 16 & 0o777)
    return root


def grader_env(tmp_path: Path) -> dict[str, str]:
    """The environment Gradescope gives: this interpreter as python3, nothing of the checkout on the path."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    python3 = bin_dir / "python3"
    python3.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python3.chmod(0o755)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "AUTOGRADER_COURSE", "AUTOGRADER_SECRET", "PYTHONDONTWRITEBYTECODE")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', os.defpath)}"
    return env


def run_autograder(root: Path, tmp_path: Path, landlock: bool = True) -> subprocess.CompletedProcess:
    """Run it as Gradescope would; with landlock=False, on what looks like a kernel without Landlock."""
    command = ["bash", str(root / "source" / "run_autograder")]
    if not landlock:
        command = [sys.executable, str(WITHOUT_LANDLOCK), *command]
    return subprocess.run(command, cwd=tmp_path, env={**grader_env(tmp_path), "AUTOGRADER_ROOT": str(root)},
                          capture_output=True, text=True, timeout=300)


def results_of(root: Path) -> dict:
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.parametrize("aid", IDS)
def test_zip_holds_the_scripts_the_engine_one_hidden_module_and_the_course(aid):
    a = course.load(aid)
    with bundle(aid) as archive:
        names = archive.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
    assert modes["setup.sh"] == modes["run_autograder"] == 0o100755
    hidden = {n.removeprefix("autograder/hidden/") for n in names if n.startswith("autograder/hidden/")}
    others = {f"{course.load(i).slug}.py" for i in IDS if i != aid}
    assert {"__init__.py", "draw.py", f"{a.slug}.py"} <= hidden and not hidden & others
    assert f"assignments/{aid}/manifest.toml" in names
    assert f"solutions/{aid}/{a.student_files[0]}" in names
    assert {"autograder/__main__.py", "autograder/grade.py", "autograder/sandbox/worker.py"} <= set(names)
    others = [n for n in names if n.startswith(("assignments/", "solutions/")) and f"/{aid}/" not in n]
    assert not others and not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


@pytest.mark.parametrize("aid", IDS)
def test_setup_and_run_autograder_are_valid_bash(aid, tmp_path):
    with bundle(aid) as archive:
        for script in ("setup.sh", "run_autograder"):
            text = archive.read(script).decode()
            assert text.startswith("#!/usr/bin/env bash\n")
            (tmp_path / script).write_text(text)
            check = subprocess.run(["bash", "-n", str(tmp_path / script)], capture_output=True, text=True)
            assert check.returncode == 0, check.stderr
    setup = (tmp_path / "setup.sh").read_text()
    assert "pip install" in setup and "numpy" in setup and "rich" in setup
    assert f"--assignment {aid}" in (tmp_path / "run_autograder").read_text()


@pytest.mark.parametrize("aid", IDS)
def test_solution_scores_full_and_stub_scores_zero_with_the_bundled_engine(aid, open_dir, tmp_path):
    a = course.load(aid)
    root = fake_autograder(aid, open_dir)
    scores = {}
    for kind, folder in (("solution", a.solution_folder), ("stub", a.folder)):
        for name in a.student_files:
            shutil.copy(folder / name, root / "submission" / name)
        run = run_autograder(root, tmp_path)
        assert run.returncode == 0, run.stdout + run.stderr
        results = results_of(root)
        assert [t["name"].split(": ")[1] for t in results["tests"]] == [t.name for t in a.tests]
        scores[kind] = results["score"]
    assert scores == {"solution": a.max_score, "stub": 0}
    # Python left the bytecode of what it imported beside the sources: the engine and the
    # hidden tests came from the unzipped bundle, not from the checkout.
    engine = root / "source" / "autograder"
    assert list((engine / "__pycache__").glob("grade.*.pyc"))
    assert list((engine / "hidden" / "__pycache__").glob(f"{a.slug}.*.pyc"))


def compile_as_setup_does(root: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """setup.sh's compileall line, run by bash with this interpreter as the venv's python."""
    (root / "venv" / "bin").mkdir(parents=True)
    (root / "venv" / "bin" / "python").symlink_to(sys.executable)
    with bundle(IDS[0]) as archive:
        (line,) = [x for x in archive.read("setup.sh").decode().splitlines() if "compileall" in x]
    return subprocess.run(["bash", "-c", f'ROOT="$AUTOGRADER_ROOT"; {line}'], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**grader_env(tmp_path), "AUTOGRADER_ROOT": str(root)})


def test_setup_compiles_the_bundle_so_that_an_upload_compiles_nothing(open_dir, tmp_path):
    # Each upload runs in a fresh container made from the image setup.sh built: what it
    # compiled is lost with the container, so each upload would compile the engine again.
    a = course.load(IDS[0])
    root = fake_autograder(a.id, open_dir)
    run = compile_as_setup_does(root, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    sources = [p for p in (root / "source").rglob("*.py")]
    bytecode = {p: p.stat().st_mtime_ns for p in (root / "source").rglob("*.pyc")}
    assert len(bytecode) >= len(sources) > 50
    for name in a.student_files:
        shutil.copy(a.solution_folder / name, root / "submission" / name)
    graded = run_autograder(root, tmp_path)
    assert graded.returncode == 0 and results_of(root)["score"] == a.max_score, graded.stdout + graded.stderr
    after = {p: p.stat().st_mtime_ns for p in (root / "source").rglob("*.pyc")}
    assert after == bytecode, f"compiled again by the upload: {sorted(set(after.items()) - set(bytecode.items()))}"


def test_run_autograder_writes_a_result_even_when_the_engine_cannot_run(open_dir, tmp_path):
    root = fake_autograder(IDS[0], open_dir)
    shutil.rmtree(root / "source" / "assignments")  # the course is broken: the engine exits 2
    run = run_autograder(root, tmp_path)
    assert run.returncode == 2
    results = results_of(root)
    assert results["score"] == 0 and "could not grade" in results["output"]


# -- the bundle out of the worker's reach, with and without Landlock ------------------------------

def own_work(a: course.Assignment) -> str:
    """The stub with the first unit solved: what this student earns alone is that unit's points."""
    main = a.student_files[0]
    solution = (a.solution_folder / main).read_text()
    node = next(n for n in ast.parse(solution).body
                if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name == a.units[0].name)
    return (a.folder / main).read_text() + "\n\n" + ast.get_source_segment(solution, node) + "\n"


STEAL = '''
import os as _os
import autograder as _engine  # imported by the fork server before the worker dropped to a uid of its own

_source = _os.path.dirname(_os.path.dirname(_engine.__file__))
'''


def steal_everything(a: course.Assignment) -> str:
    """Reads the solution, the hidden tests, the manifest and the secret, lists the bundle, forges a result.

    Only a PermissionError leaves the file as it is. A solution it can read replaces
    its own classes (full marks); any other outcome, a file read or a path that is not
    there, fails its import (0 points): the score is that of its own work only if
    every attempt met a PermissionError.
    """
    targets = [f"solutions/{a.id}/{a.student_files[0]}", f"autograder/hidden/{a.slug}.py",
               f"assignments/{a.id}/manifest.toml", course.SECRET_FILE, "autograder/grade.py"]
    return STEAL + f'''
for _name in {targets!r}:
    try:
        with open(_os.path.join(_source, _name), "rb") as _handle:
            _data = _handle.read()
    except PermissionError:
        continue
    if _name == {targets[0]!r}:
        exec(compile(_data, _name, "exec"))
    else:
        raise RuntimeError(_name + " was readable")
try:
    _os.listdir(_source)
except PermissionError:
    pass
else:
    raise RuntimeError("the bundle could be listed")
try:
    open(_os.path.join(_os.path.dirname(_source), "results", "results.json"), "w").close()
except PermissionError:
    pass
else:
    raise RuntimeError("a results.json could be forged")
'''


def exec_the_solution(a: course.Assignment) -> str:
    """The three lines that took full marks from a readable bundle."""
    return STEAL + f'exec(open(_os.path.join(_source, "solutions/{a.id}/{a.student_files[0]}")).read())\n'


def submit(root: Path, a: course.Assignment, source: str) -> None:
    (root / "submission" / a.student_files[0]).write_text(source)


@as_root
@pytest.mark.parametrize("aid", IDS[:2])
def test_without_landlock_a_submission_reads_nothing_of_the_bundle_and_earns_its_own_points(
        aid, open_dir, tmp_path):
    a = course.load(aid)
    root = fake_autograder(aid, open_dir)
    scores = {}
    for kind, source in (("honest", (a.solution_folder / a.student_files[0]).read_text()),
                         ("thief", own_work(a) + steal_everything(a))):
        submit(root, a, source)
        run = run_autograder(root, tmp_path, landlock=False)
        assert run.returncode == 0, run.stdout + run.stderr
        results = results_of(root)
        sandbox = results["output"].splitlines()[-1]
        assert "a uid of its own" in sandbox and "Landlock" not in sandbox, sandbox
        scores[kind] = results["score"]
    assert scores == {"honest": a.max_score, "thief": sum(t.points for t in a.units[0].tests)}


@as_root
def test_without_landlock_and_the_lock_down_the_solution_is_there_for_the_taking(open_dir, tmp_path):
    """What run_autograder's modes prevent: the bundle as unzipped, graded without them, gives full marks."""
    a = course.load(IDS[0])
    root = fake_autograder(a.id, open_dir)
    submit(root, a, (a.folder / a.student_files[0]).read_text() + exec_the_solution(a))
    out = root / "results" / "results.json"
    env = {**grader_env(tmp_path), "AUTOGRADER_COURSE": str(root / "source")}
    run = subprocess.run([sys.executable, str(WITHOUT_LANDLOCK), sys.executable, "-m", "autograder", "grade",
                          "--assignment", a.id, str(root / "submission"), "--out", str(out)],
                         cwd=root / "source", env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert results_of(root)["score"] == a.max_score
    assert run_autograder(root, tmp_path, landlock=False).returncode == 0  # the same file, with the modes
    assert results_of(root)["score"] == 0


@as_root
def test_run_autograder_leaves_the_grading_root_readable_by_root_alone_but_the_venv(open_dir, tmp_path):
    a = course.load(IDS[0])
    root = fake_autograder(a.id, open_dir)
    numpy_file = root / "venv" / "lib" / "site-packages" / "numpy" / "__init__.py"
    numpy_file.parent.mkdir(parents=True)
    numpy_file.write_text("")
    (root / "submission_metadata.json").write_text("{}")
    submit(root, a, (a.solution_folder / a.student_files[0]).read_text())
    os.chown(root / "source" / "setup.sh", 65534, 65534)  # whoever unpacked it: root shall own it
    assert run_autograder(root, tmp_path).returncode == 0
    assert stat.S_IMODE(root.stat().st_mode) == 0o711 and root.stat().st_uid == 0
    with bundle(a.id) as archive:
        unpacked = [root / "source" / name for name in archive.namelist()]
    for path in [*unpacked, root / "source", root / "source" / "autograder", root / "submission",
                 root / "submission" / a.student_files[0], root / "results", root / "submission_metadata.json"]:
        info = path.lstat()
        assert (info.st_uid, info.st_gid) == (0, 0) and not info.st_mode & 0o077, f"{path}: {oct(info.st_mode)}"
    assert stat.S_IMODE(numpy_file.stat().st_mode) == 0o644  # the worker imports numpy from here


@as_root
def test_run_autograder_does_not_grade_when_it_cannot_lock_the_root(open_dir, tmp_path):
    a = course.load(IDS[0])
    root = fake_autograder(a.id, open_dir)
    submit(root, a, (a.solution_folder / a.student_files[0]).read_text())
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "chown").write_text("#!/bin/sh\nexit 1\n")  # e.g. a file system that refuses it
    (tmp_path / "bin" / "chown").chmod(0o755)
    run = run_autograder(root, tmp_path)
    assert run.returncode == 3 and "readable by root alone" in run.stderr
    results = results_of(root)
    assert results["score"] == 0 and "could not grade" in results["output"] and not results["tests"]


FAKE_PYTHON = """#!/bin/sh
# python3 for setup.sh without a network: recent enough, and `-m venv DIR` makes a venv whose pip does nothing.
case "$1" in
    -c) exit 0 ;;
    -m) mkdir -p "$4/bin" "$4/lib" && printf '#!/bin/sh\\nexit 0\\n' > "$4/bin/python" &&
        chmod +x "$4/bin/python" && echo numpy > "$4/lib/numpy.py" ;;
esac
"""


@as_root
def test_setup_leaves_the_grading_root_readable_by_root_alone_but_the_venv(open_dir, tmp_path):
    root = fake_autograder(IDS[0], open_dir)
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    (bin_dir / "python3").write_text(FAKE_PYTHON)
    (bin_dir / "python3").chmod(0o755)
    env = {**grader_env(tmp_path), "AUTOGRADER_ROOT": str(root)}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    run = subprocess.run(["bash", "-c", 'umask 077; exec bash "$1"', "setup", str(root / "source" / "setup.sh")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert stat.S_IMODE(root.stat().st_mode) == 0o711
    for path in [root / "source", root / "source" / course.SECRET_FILE, root / "submission", root / "results"]:
        assert path.stat().st_uid == 0 and not path.stat().st_mode & 0o077, f"{path}: {oct(path.stat().st_mode)}"
    for path, others_may in ((root / "venv", 0o005), (root / "venv" / "lib", 0o005),
                             (root / "venv" / "lib" / "numpy.py", 0o004)):  # the worker imports numpy from here
        assert path.stat().st_mode & others_may == others_may, f"{path}: {oct(path.stat().st_mode)}"


# -- the course secret: in the Gradescope zip, never in a release ---------------------------------

def course_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "course"
    skip = shutil.ignore_patterns("__pycache__", ".*")
    for folder in ("assignments", "solutions"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=skip)
    shutil.copy(ROOT / "pyproject.toml", copy)
    return copy


def members(tree: dict[str, bytes]) -> dict[str, bytes]:
    """Every file of a tree, and every member of its zips, by where it is."""
    found = {}
    for name, data in tree.items():
        found[name] = data
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                found.update({f"{name}:{m}": archive.read(m) for m in archive.namelist()})
    return found


def test_gradescope_zip_carries_the_course_secret_readable_by_its_owner_alone():
    with bundle(IDS[0]) as archive:
        info = archive.getinfo(course.SECRET_FILE)
        assert archive.read(info) == SECRET + b"\n"
    assert info.external_attr >> 16 == 0o100600


def test_release_and_student_zips_carry_no_course_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOGRADER_SECRET", raising=False)
    copy = course_copy(tmp_path)
    value = b"a1" * 32
    (copy / course.SECRET_FILE).write_bytes(value + b"\n")
    assignments = [course.load(i, copy) for i in course.assignment_ids(copy)]
    released = members(release.build(assignments))
    assert any(name.startswith("students/") and ".zip:" in name for name in released)
    assert not [name for name, data in released.items() if course.SECRET_FILE in name or value in data]
    on_disk = {p.relative_to(ROOT).as_posix(): p.read_bytes() for p in (ROOT / "release").rglob("*") if p.is_file()}
    assert not [name for name in members(on_disk) if course.SECRET_FILE in name]
    secret, made = gradescope.instructor_secret(copy)
    assert (secret, made) == (value, None)
    for name, data in release.gradescope_zips(assignments, secret).items():
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.read(course.SECRET_FILE) == value + b"\n", name


def test_building_the_zips_makes_a_secret_once_when_the_course_has_none(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("AUTOGRADER_SECRET", raising=False)
    copy = course_copy(tmp_path)
    (copy / ".gitignore").write_text("/out/")
    monkeypatch.setenv("AUTOGRADER_COURSE", str(copy))
    assert cli.main(["gradescope"]) == 0
    said = capsys.readouterr().out.splitlines()
    path = copy / course.SECRET_FILE
    made = [line for line in said if str(path) in line]
    assert len(made) == 1 and made[0].endswith(".") and made[0].count(". ") == 0
    secret = path.read_bytes().strip()
    assert re.fullmatch(rb"[0-9a-f]{64}", secret) and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (copy / ".gitignore").read_text().splitlines() == ["/out/", f"/{course.SECRET_FILE}"]
    zips = sorted((copy / "out" / "gradescope").glob("*.zip"))
    assert [z.stem for z in zips] == IDS
    for z in zips:
        assert stat.S_IMODE(z.stat().st_mode) == 0o600
        with zipfile.ZipFile(z) as archive:
            assert archive.read(course.SECRET_FILE).strip() == secret
    assert cli.main(["gradescope"]) == 0  # a second build keeps the secret and says nothing of it
    assert str(path) not in capsys.readouterr().out
    assert path.read_bytes().strip() == secret
    assert (copy / ".gitignore").read_text().count(course.SECRET_FILE) == 1


def test_the_instructors_environment_secret_goes_into_the_zips_and_no_file_is_made(tmp_path, monkeypatch):
    copy = course_copy(tmp_path)
    monkeypatch.setenv("AUTOGRADER_SECRET", "from the environment")
    monkeypatch.setenv("AUTOGRADER_COURSE", str(copy))
    assert cli.main(["gradescope", "--out", str(tmp_path / "zips")]) == 0
    assert not (copy / course.SECRET_FILE).exists() and not (copy / ".gitignore").exists()
    with zipfile.ZipFile(tmp_path / "zips" / f"{IDS[0]}.zip") as archive:
        assert archive.read(course.SECRET_FILE) == b"from the environment\n"


def test_an_empty_secret_file_is_a_sentence_not_a_new_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOGRADER_SECRET", raising=False)
    copy = course_copy(tmp_path)
    (copy / course.SECRET_FILE).write_text("\n")
    with pytest.raises(CourseError, match="is empty"):
        gradescope.instructor_secret(copy)
    with pytest.raises(CourseError, match="secret"):
        gradescope.bundle_files(course.load(IDS[0], copy), [], b"")


# ------------------------------------------------------------------ options of the zip

HANGUL = re.compile("[\uac00-\ud7a3]")


def test_setup_pins_numpy_to_the_version_the_tests_ran_with():
    import numpy
    with bundle("03_affine") as archive:
        setup = archive.read("setup.sh").decode()
    (install,) = [line for line in setup.splitlines() if "pip install" in line]
    assert f"numpy=={numpy.__version__}" in install.split() and "rich" in install


def test_pinned_replaces_any_numpy_specifier_and_leaves_the_rest():
    assert gradescope.pinned(["numpy>=1.24", "rich>=13"], {"numpy": "1.26.4"}) == ["numpy==1.26.4", "rich>=13"]
    assert gradescope.pinned(["numpy"], {"numpy": "2.1.0"}) == ["numpy==2.1.0"]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_zip_built_with_lang_grades_in_that_language(lang, open_dir, tmp_path):
    a = course.load("03_affine")
    root = fake_autograder(a.id, open_dir, lang=lang)
    assert f"--lang {lang}" in (root / "source" / "run_autograder").read_text()
    shutil.copy(a.folder / "layers.py", root / "submission" / "layers.py")  # the stub: every test says why
    run = run_autograder(root, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    outputs = " ".join(t["output"] for t in results_of(root)["tests"])
    assert bool(HANGUL.search(outputs)) == (lang == "ko"), outputs[:500]


def test_without_lang_run_autograder_passes_no_language():
    with bundle("03_affine") as archive:
        assert "--lang" not in archive.read("run_autograder").decode()


@pytest.mark.parametrize("upload", ["layers (1).py", "Layers.py"])
def test_an_odd_upload_name_in_the_submission_folder_is_graded_and_named(upload, open_dir, tmp_path):
    a = course.load("03_affine")
    root = fake_autograder(a.id, open_dir)
    shutil.copy(a.solution_folder / "layers.py", root / "submission" / upload)
    run = run_autograder(root, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    results = results_of(root)
    assert results["score"] == a.max_score
    assert f"layers.py was graded from {upload} in the upload." in results["output"]


def test_the_gradescope_command_takes_lang_and_says_what_it_pinned(tmp_path, monkeypatch, capsys):
    import numpy
    monkeypatch.setenv("AUTOGRADER_SECRET", SECRET.decode())
    assert cli.main(["gradescope", "--out", str(tmp_path), "--lang", "ko"]) == 0
    said = capsys.readouterr().out
    assert f"grade in ko and install numpy=={numpy.__version__}" in said
    with zipfile.ZipFile(tmp_path / "03_affine.zip") as archive:
        assert "--lang ko" in archive.read("run_autograder").decode()
