"""The blind corpus: student submissions written from what a student sees, graded by the hidden tests.

tests/corpus/<assignment>/ holds whole student files written from the assignment's
README, stub and public tests alone (never from the hidden tests or the mutants),
so that they measure the grader rather than echo it:

- correct_<style>.py: right in some style a student writes (the textbook's phrasing,
  explicit loops, einsum or @, float32 throughout, dict or tuple caches, ...);
  each must score full marks;
- bug_<class>_<short>.py: one realistic mistake, named by its property class
  (values, grad, reuse, cache, state, inplace, edges, kind, hardcode, nothing);
  each must lose points;
- bug_nothing_zeros.py: the right API computing nothing (zeros, constants), which
  by the grading contract scores 0.

The first line of every file says what it is (`# correct: <style>` or `# bug: <sentence>`).
Where the grader and the corpus disagree today, the case is a strict xfail with
the reason, so that it flips to a failure the day the grader catches up.
One grade per file: about a second each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import course
from autograder.grade import grade
from autograder.submission import Submission

from .sweeps import everyday_share

CORPUS = Path(__file__).parent / "corpus"
ASSIGNMENTS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())

# Bug files that keep full marks today: (assignment, file) -> the property class and what no hidden test looks at.
SURVIVORS: dict[tuple[str, str], str] = {
    ("01_computational_graph", "bug_inplace_backward_scales_dout.py"):
        "inputs unmodified: dout *= self.y writes dx into the caller's dout after dy was taken, so the values are "
        "right; the course lets backward mutate dout in place (DESIGN; 02's README says so), and 01's README gives "
        "dout no dtype, so no hidden test sends an integer dout, where the in-place product would raise",
    ("01_computational_graph", "bug_reuse_returned_buffer_aliased.py"):
        "returned arrays aliased by a later call: out crosses the sandbox as a copy taken when forward returns, so "
        "no hidden test can see the next forward overwrite it, and backward never reads the buffer",
    ("02_activations", "bug_edges_sigmoid_inplace_int.py"):
        "integer inputs: np.exp(out, out=out) on an integer copy of x raises; the README names no dtype for x, "
        "so no hidden test feeds integers to the activations",
    ("05_rnn_cell", "bug_state_params_snapshot_on_first_forward.py"):
        "params updated in place between calls: a copy taken at the first forward keeps params' identities and "
        "values, and only an in-place update of the worker's arrays after that forward would show it; the "
        "sandbox hands the grader copies of arrays and no handle to write into them, so no hidden test can",
    ("06_time_rnn", "bug_cache_hs_buffer_reused.py"):
        "returned arrays aliased by a later call: hs crosses the sandbox as a copy taken when forward returns, so "
        "no hidden test can see the next forward overwrite it; the public stateful test (two halves joined) "
        "catches it in the student's own process",
    ("06_time_rnn", "bug_edges_timeembedding_squeeze.py"):
        "D = 1: squeeze() breaks only an embedding of size 1; the README lets only N and T be 1, so the hidden "
        "tests draw D from 2 to 5",
    ("06_time_rnn", "bug_inplace_timeaffine_reshapes_dout_in_place.py"):
        "inputs unmodified: dout.shape = ... changes the caller's dout (and fails on a non-contiguous one); the "
        "README asks neither that backward leave dout alone nor that it take non-contiguous arrays",
    ("07_many_to_one", "bug_edges_fit_zero_epochs.py"):
        "edges: fit(..., epochs=0) returns one loss instead of none; for any epochs >= 1 the losses and the "
        "parameters are right, and the README lists no zero-epoch fit among the sizes it lets tests use",
    ("07_many_to_one", "bug_kind_labels_bool.py"):
        "kind: make_dataset's labels are a bool array; True and False equal 1 and 0 in every formula the README "
        "uses (1 - t, y_hat - t, comparisons), and the README names no dtype for t, so nothing a student could "
        "know of tells them from ints",
    ("07_many_to_one", "bug_edges_predict_ge_half.py"):
        "edges: predict labels a probability of exactly 0.5 as 1; a tie, which the README says no test gives "
        "(the suite's variants count np.where(p >= 0.5) correct), and drawn probabilities never hit it",
}

# Correct files that lose points today: (assignment, file) -> the failing tests. None at the last run.
FALSE_FAILS: dict[tuple[str, str], str] = {}

# "Computes nothing" files that still earn points today: (assignment, file) -> the tests that pay them.
NULL_POINTS: dict[tuple[str, str], str] = {}


def _files(prefix: str):
    for aid in ASSIGNMENTS:
        for path in sorted((CORPUS / aid).glob(f"{prefix}*.py")):
            yield aid, path


def _property_class(param) -> str:
    """A bug file's property class: bug_<class>_<short>.py."""
    return param.values[1].stem.split("_")[1]


def _one_group(param) -> str:
    """Computing nothing scores 0 on every assignment every day through the null models (tests/test_null_models.py):
    of the corpus's own such files, the everyday share alone, with at least one."""
    return "all"


def _params(prefix: str, known: dict[tuple[str, str], str], **grouping):
    """A case per file; a stable fifth of each assignment's every day, the rest in the slow set (tests/sweeps.py)."""
    return everyday_share([pytest.param(aid, path, id=f"{aid}/{path.stem}",
                                        marks=[pytest.mark.xfail(strict=True, reason=known[aid, path.name])]
                                        if (aid, path.name) in known else [])
                           for aid, path in _files(prefix)], 5, **grouping)


_GRADED: dict[Path, object] = {}  # one grade per file, though bug_nothing files are asserted on twice


def _grade(fork_server, aid: str, path: Path):
    if path not in _GRADED:
        assignment = course.load(aid)
        (student_file,) = assignment.student_files
        submission = Submission(path.stem, {student_file: path.read_bytes()})
        _GRADED[path] = grade(assignment, submission, fork_server, lang="en")
    return _GRADED[path]


def _failures(result) -> str:
    return "\n".join(f"{t.name}: {t.output.splitlines()[0] if t.output else ''}" for t in result.tests if not t.passed)


@pytest.mark.parametrize("aid, path", _params("correct_", FALSE_FAILS))
def test_correct_submission_scores_full_marks(aid, path, fork_server):
    result = _grade(fork_server, aid, path)
    assert result.score == result.max_score, f"{result.score}/{result.max_score}\n{_failures(result)}"


@pytest.mark.parametrize("aid, path", _params("bug_", SURVIVORS, kinds=_property_class))
def test_buggy_submission_loses_points(aid, path, fork_server):
    result = _grade(fork_server, aid, path)
    assert result.score < result.max_score, f"{path.name} kept {result.score}/{result.max_score}"


@pytest.mark.parametrize("aid, path", _params("bug_nothing", NULL_POINTS, group=_one_group))
def test_submission_computing_nothing_scores_zero(aid, path, fork_server):
    result = _grade(fork_server, aid, path)
    paid = [t.name for t in result.tests if t.score > 0]
    assert result.score == 0, f"{result.score}/{result.max_score} from {paid}"


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_corpus_covers_the_assignment(aid):
    """At least 4 correct styles, 8 bugs and one null submission, each labelled on its first line."""
    folder = CORPUS / aid
    correct = sorted(folder.glob("correct_*.py"))
    bugs = sorted(folder.glob("bug_*.py"))
    assert len(correct) >= 4 and len(bugs) >= 8, (len(correct), len(bugs))
    assert (folder / "bug_nothing_zeros.py").exists()
    assert {p.name for p in folder.glob("*.py")} == {p.name for p in correct + bugs}
    for path in correct:
        assert path.read_text(encoding="utf-8-sig").startswith("# correct: "), path.name
    for path in bugs:
        assert path.read_text(encoding="utf-8-sig").startswith("# bug: "), path.name


def test_every_assignment_has_a_corpus():
    assert set(ASSIGNMENTS) >= {"01_computational_graph", "02_activations", "03_affine", "04_softmax_loss",
                                "05_rnn_cell", "06_time_rnn", "07_many_to_one", "08_rnnlm"}
