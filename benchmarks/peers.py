"""The peers on the same submissions: nbgrader autograde and otter-grader, each optional.

Each peer runs from its own environment in the course folder (`.venv-nbgrader`,
`.venv-otter`; the Makefile makes them) on the notebooks this course exports
(`python -m autograder nbgrader`, `python -m autograder otter`). A submission
is the released student notebook with the student's code in the cell that
starts with `# <student file>`, the rest of the notebook untouched (nbgrader
checksums its locked cells). Where a peer cannot run, its Run says why instead
of giving figures.

  nbgrader   one `nbgrader autograde <id> --force` for the whole batch, as nbgrader is used;
             a submission's latency is the gap between consecutive autograded notebooks
             appearing (the first one's counts from the start, so it carries the start-up).
  otter      one `otter run -a <autograder zip> -o OUT --no-logo <notebook>` per submission
             (batches need Docker, which a course's grading machine may not have), each
             under a wall-clock limit; its kernel runs in a session of its own and is
             killed with it at the limit.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from autograder import course

from . import native as native_course
from .measure import Run, run_limited

NATIVE = ", its own tests"  # the tool name's suffix when the peer grades with its own hidden tests

VENVS = {"nbgrader": ".venv-nbgrader", "otter": ".venv-otter"}
PACKAGES = {"nbgrader": "nbgrader", "otter": "otter-grader"}
MAKE = {"nbgrader": "make venv-nbgrader", "otter": "make venv-otter"}
NBGRADER_LIMIT = 1800.0  # seconds for the whole autograde batch
OTTER_LIMIT = 60.0       # seconds for one `otter run`: it has no limit of its own
EXPORT_LIMIT = 600.0
TIMESTAMP = "2026-01-01 12:00:00.000000 UTC"


def _bin(tool: str, root: Path) -> Path:
    return root / VENVS[tool] / "bin"


def version(tool: str, root: Path) -> str:
    python = _bin(tool, root) / "python"
    if not python.exists():
        return f"not installed ({VENVS[tool]} is missing: `{MAKE[tool]}`)"
    found = subprocess.run([str(python), "-c", "import importlib.metadata as m, sys; "
                            f"print(m.version({PACKAGES[tool]!r}))"], capture_output=True, text=True, timeout=60)
    return found.stdout.strip() if found.returncode == 0 else f"not importable in {VENVS[tool]}"


def _env(tool: str, root: Path) -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{_bin(tool, root)}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(root / VENVS[tool])
    env.pop("PYTHONPATH", None)
    return env


def with_code(notebook: dict, filename: str, code: str) -> dict:
    """The notebook with `code` in the cell that starts with '# <filename>' (its first line kept)."""
    found = copy.deepcopy(notebook)
    for cell in found["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and source.startswith(f"# {filename}"):
            cell["source"] = source.splitlines()[0] + "\n" + code
            cell["outputs"], cell["execution_count"] = [], None
            return found
    raise LookupError(f"the exported notebook has no cell starting with '# {filename}'")


def _export(verb: str, out: Path, root: Path) -> str:
    """Run `python -m autograder <verb> --out out`; '' on success, else why not."""
    done = subprocess.run([sys.executable, "-m", "autograder", verb, "--out", str(out)], cwd=root,
                          capture_output=True, text=True, timeout=EXPORT_LIMIT)
    if done.returncode == 0:
        return ""
    if "invalid choice" in done.stderr:
        return f"this checkout has no `python -m autograder {verb}` export"
    return f"`python -m autograder {verb}` failed: {(done.stderr or done.stdout).strip()[-300:]}"


def _missing(tool: str, root: Path) -> str:
    if not (_bin(tool, root) / tool).exists():
        return f"{VENVS[tool]} is missing (`{MAKE[tool]}` makes it)"
    return ""


def _prepare(tool: str, assignment_id: str, run: Run, work: Path, root: Path, skip: str,
             native: bool) -> tuple[Path, dict] | None:
    """A fresh course for `tool` in work/<tool>: this course's export, or with native=True the
    tool's own hidden tests (native.py); and the environment its commands run in.
    None, with the reason in run.unavailable, where the tool cannot run."""
    run.unavailable = skip or _missing(tool, root)
    if run.unavailable:
        return None
    tree = work / (tool + ("-native" if native else ""))
    shutil.rmtree(tree, ignore_errors=True)
    if native:
        native_course.write_tree(native_course.nbgrader_tree(assignment_id) if tool == "nbgrader"
                                 else native_course.otter_tree(assignment_id),
                                 tree)
    else:
        run.unavailable = _export(tool, tree, root)
    if run.unavailable:
        return None
    return tree, _env(tool, root)


def nbgrader(assignment_id: str, sources: dict[str, str], work: Path, root: Path, skip: str = "",
             native: bool = False) -> Run:
    """nbgrader autograde of the sources; native=True: with its own hidden test cells (native.py)."""
    run = Run("nbgrader autograde" + (NATIVE if native else ""), "samples", len(sources))
    prepared = _prepare("nbgrader", assignment_id, run, work, root, skip, native)
    if prepared is None:
        return run
    tree, env = prepared
    assignment = course.load(assignment_id)
    made = subprocess.run(["nbgrader", "generate_assignment", assignment_id, "--force"], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=EXPORT_LIMIT)
    released = tree / "release" / assignment_id / f"{assignment_id}.ipynb"
    if made.returncode != 0 or not released.exists():
        run.unavailable = f"nbgrader generate_assignment failed: {(made.stderr or made.stdout).strip()[-300:]}"
        return run
    template = json.loads(released.read_text(encoding="utf-8"))
    for student, code in sources.items():
        folder = tree / "submitted" / student / assignment_id
        folder.mkdir(parents=True)
        notebook = with_code(template, assignment.student_files[0], code)
        (folder / f"{assignment_id}.ipynb").write_text(json.dumps(notebook, indent=1), encoding="utf-8")
        (folder / "timestamp.txt").write_text(TIMESTAMP)
    started = _now()
    finished = run_limited(["nbgrader", "autograde", assignment_id, "--force"], NBGRADER_LIMIT, cwd=tree,
                           env=env, log=tree.parent / (tree.name + "-autograde.log"))
    run.wall = finished.wall
    run.add_memory(finished)
    if finished.returncode is None:
        run.unavailable = f"nbgrader autograde did not finish within {NBGRADER_LIMIT:g} s"
        return run
    notebooks = {s: tree / "autograded" / s / assignment_id / f"{assignment_id}.ipynb" for s in sources}
    written = sorted((path.stat().st_mtime, s) for s, path in notebooks.items() if path.exists())
    previous = started
    for when, student in written:
        run.by_name[student] = when - previous
        previous = when
    run.latencies = list(run.by_name.values())
    if len(written) < len(sources):
        run.note = f"{len(sources) - len(written)} not autograded"
    grades = tree.parent / (tree.name + "-grades.csv")
    exported = subprocess.run(["nbgrader", "export", "--to", str(grades)], cwd=tree, env=env,
                              capture_output=True, text=True, timeout=EXPORT_LIMIT)
    if exported.returncode == 0:
        with open(grades, newline="", encoding="utf-8") as handle:
            run.scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)
                          if row["assignment"] == assignment_id}
    return run


def otter(assignment_id: str, sources: dict[str, str], work: Path, root: Path, skip: str = "",
          native: bool = False) -> Run:
    """otter run of each source; native=True: with its own test files (native.py)."""
    run = Run("otter run (no Docker)" + (NATIVE if native else ""), "samples", len(sources))
    prepared = _prepare("otter", assignment_id, run, work, root, skip, native)
    if prepared is None:
        return run
    tree, env = prepared
    assignment = course.load(assignment_id)
    master = tree / assignment_id / f"{assignment_id}.ipynb"
    dist = tree / assignment_id / "dist"
    made = subprocess.run(["otter", "assign", str(master), str(dist), "--no-pdfs"], cwd=master.parent, env=env,
                          capture_output=True, text=True, timeout=EXPORT_LIMIT)
    zips = sorted((dist / "autograder").glob("*.zip"))
    student = dist / "student" / f"{assignment_id}.ipynb"
    if made.returncode != 0 or not zips or not student.exists():
        run.unavailable = f"otter assign failed: {(made.stderr or made.stdout).strip()[-300:]}"
        return run
    template = json.loads(student.read_text(encoding="utf-8"))
    timed_out, failed = [], []
    for name, code in sources.items():
        folder = tree.parent / (tree.name + "-submissions") / name
        (folder / "out").mkdir(parents=True)
        notebook = folder / f"{assignment_id}.ipynb"
        notebook.write_text(json.dumps(with_code(template, assignment.student_files[0], code), indent=1),
                            encoding="utf-8")
        finished = run_limited(["otter", "run", "-a", str(zips[0]), "-o", str(folder / "out"), "--no-logo",
                                str(notebook)], OTTER_LIMIT, cwd=folder, env=env, log=folder / "otter.log")
        run.wall += finished.wall
        run.latencies.append(finished.wall)
        run.by_name[name] = finished.wall
        run.add_memory(finished)
        results = folder / "out" / "results.json"
        if finished.returncode is None:
            timed_out.append(name)
        elif results.exists():
            data = json.loads(results.read_text())
            run.scores[name] = float(data["score"]) if "score" in data else \
                sum(float(t.get("score") or 0) for t in data.get("tests", []))  # Gradescope's form
        else:
            failed.append(f"{name}: {finished.stderr.strip().splitlines()[-1] if finished.stderr.strip() else '?'}")
    notes = [f"{len(timed_out)} killed at the {OTTER_LIMIT:g} s limit"] if timed_out else []
    notes += [f"no results.json for {len(failed)}"] if failed else []
    run.note = "; ".join(notes)
    if failed and len(failed) == len(sources):
        run.unavailable = f"otter run wrote no results: {failed[0][-300:]}"
    return run


def _now() -> float:
    import time

    return time.time()


PEERS = [nbgrader, otter]
