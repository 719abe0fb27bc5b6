"""07_many_to_one's optional plot: it draws the reference's training, and explains what stops it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograder import course

A = course.load("07_many_to_one")
PLOT = A.folder / "plot.py"
SOLUTION = A.solution_folder / "classifier.py"
FIGURE = A.folder / "many_to_one.png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SIZE = (900, 600)  # plot.py's figsize (9, 6) at 100 dpi


def plot(*args, cwd=None):
    return subprocess.run([sys.executable, str(PLOT), *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def image_size(path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as image:
        image.verify()  # the whole file is a well-formed PNG
    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


def test_plot_of_the_solution_writes_a_valid_png(tmp_path):
    out = tmp_path / "fig.png"
    run = plot("--classifier", SOLUTION, "--out", out)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"wrote {out}"
    assert out.read_bytes().startswith(PNG_SIGNATURE) and image_size(out) == SIZE


def test_plot_runs_beside_the_students_own_file_by_default(tmp_path):
    (tmp_path / "plot.py").write_bytes(PLOT.read_bytes())
    (tmp_path / "classifier.py").write_bytes(SOLUTION.read_bytes())
    run = subprocess.run([sys.executable, "plot.py", "--epochs", "20"], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert image_size(tmp_path / "many_to_one.png") == SIZE


def test_the_readme_figure_is_committed_and_shown():
    assert FIGURE.read_bytes().startswith(PNG_SIGNATURE) and image_size(FIGURE) == SIZE
    assert "](many_to_one.png)" in (A.folder / "README.md").read_text(encoding="utf-8")
    assert {"plot.py", "many_to_one.png"} <= set(A.public_files)


def test_plot_of_the_untouched_stub_says_what_to_do_first(tmp_path):
    run = plot("--out", tmp_path / "fig.png")  # the stub beside plot.py
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "classifier.py is not finished yet" in run.stderr and "python -m pytest" in run.stderr
    assert not (tmp_path / "fig.png").exists()


@pytest.mark.parametrize("change, said", [
    (("self.hs", "self.states"), "forward did not keep its hidden states"),
    (("return losses", "return losses[:-1]"), "fit returned 299 losses for 300 epochs"),
    (("def one_hot(", "import nonexistent_module_xyz\n\ndef one_hot("), "importing classifier.py failed"),
])
def test_plot_of_a_broken_classifier_is_a_sentence(tmp_path, change, said):
    broken = tmp_path / "classifier.py"
    broken.write_text(SOLUTION.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    run = plot("--classifier", broken, "--out", tmp_path / "fig.png")
    assert run.returncode == 1 and "Traceback" not in run.stderr and said in run.stderr, run.stderr


def test_plot_of_a_missing_file_is_a_sentence(tmp_path):
    run = plot("--classifier", tmp_path / "nope.py")
    assert run.returncode == 1 and "does not exist" in run.stderr and "Traceback" not in run.stderr


def test_plot_reads_hidden_states_kept_in_one_float32_array(tmp_path):
    variant = (course.find_root() / "examples" / "submissions" / "07_many_to_one" /
               "correct_hidden_states_kept_in_a_float32_array_as.py")
    run = plot("--classifier", variant, "--out", tmp_path / "fig.png", "--epochs", "30")
    assert run.returncode == 0, run.stderr
    assert image_size(tmp_path / "fig.png") == SIZE


@pytest.mark.parametrize("line", ['public_files = ["../solutions/x.py"]', 'public_files = "plot.py"',
                                  'public_files = [".hidden"]'])
def test_public_files_must_be_plain_names_in_the_assignment_folder(tmp_path, line):
    folder = tmp_path / "assignments" / "07_many_to_one"
    folder.mkdir(parents=True)
    (tmp_path / "solutions").mkdir()
    manifest = (A.folder / "manifest.toml").read_text(encoding="utf-8")
    (folder / "manifest.toml").write_text(manifest.replace(
        'public_files = ["plot.py", "many_to_one.png"]', line), encoding="utf-8")
    with pytest.raises(course.CourseError, match="public_files must list file names"):
        course.load("07_many_to_one", tmp_path)
