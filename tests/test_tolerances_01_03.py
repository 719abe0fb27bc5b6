"""No submission steers its tolerance (01-03): a float32 cast changes no score; a 0.1 % error fails in every dtype.

Each case is the reference solution with every method wrapped: the real code
runs, then what it returns (and the gradients dW, db it keeps) is cast to
float32, or scaled by 1.001, or both. The hidden tests take their tolerances
from the reference alone, so the cast keeps full marks and the scaled results
lose the value tests whatever their dtype.
"""

from __future__ import annotations

import pytest

from autograder import course
from autograder.grade import grade
from autograder.submission import Submission

IDS = ("01_computational_graph", "02_activations", "03_affine")

_WRAPPER = '''

import functools as _t_functools
import numpy as _t_np


def _t_change(value):
    if isinstance(value, tuple):
        return tuple(_t_change(v) for v in value)
    if isinstance(value, (float, _t_np.floating)) or (isinstance(value, _t_np.ndarray) and value.dtype.kind == "f"):
        value = _t_np.asarray(value, dtype=_t_np.float64) * _T_SCALE
        return value.astype(_t_np.float32) if _T_FLOAT32 else value
    return value


def _t_wrap(function):
    @_t_functools.wraps(function)
    def changed(self, *args, **kwargs):
        out = function(self, *args, **kwargs)
        for name in ("dW", "db"):
            if isinstance(getattr(self, name, None), _t_np.ndarray):
                setattr(self, name, _t_change(getattr(self, name)))
        return _t_change(out)
    return changed


for _t_class in [v for v in list(globals().values()) if isinstance(v, type) and v.__module__ == __name__]:
    for _t_name, _t_member in list(vars(_t_class).items()):
        if callable(_t_member) and not _t_name.startswith("__"):
            setattr(_t_class, _t_name, _t_wrap(_t_member))
'''


def changed(aid: str, scale: float, float32: bool) -> Submission:
    assignment = course.load(aid)
    name = assignment.student_files[0]
    source = (assignment.solution_folder / name).read_text(encoding="utf-8")
    source += f"\n\n_T_SCALE = {scale!r}\n_T_FLOAT32 = {float32!r}\n" + _WRAPPER
    return Submission(f"{aid} scaled by {scale} ({'float32' if float32 else 'float64'})", {name: source.encode()})


@pytest.mark.parametrize("aid", IDS)
def test_results_cast_to_float32_keep_full_marks(aid, fork_server):
    assignment = course.load(aid)
    result = grade(assignment, changed(aid, 1.0, True), fork_server)
    assert result.score == assignment.max_score, {t.name: t.output for t in result.tests if not t.passed}


@pytest.mark.parametrize("float32", [False, True], ids=["float64", "float32"])
@pytest.mark.parametrize("aid", IDS)
def test_a_systematic_error_of_a_tenth_of_a_percent_fails_in_every_dtype(aid, float32, fork_server):
    assignment = course.load(aid)
    result = grade(assignment, changed(aid, 1.001, float32), fork_server)
    failed = {t.name for t in result.tests if not t.passed}
    forward = {"01_computational_graph": "test_mul_forward_multiplies_arrays_of_any_shape",
               "02_activations": "test_sigmoid_forward_matches_reference",
               "03_affine": "test_affine_forward_matches_reference"}[aid]
    assert forward in failed, sorted(failed)
    assert result.score <= assignment.max_score / 2, (result.score, sorted(failed))
