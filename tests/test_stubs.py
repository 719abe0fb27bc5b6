"""Stubs come from the solutions and cannot drift from them."""

import pytest

from autograder import course
from autograder.assign.stubs import make_stub, stale_stubs
from autograder.course import CourseError

SOLUTION = '''import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W = W

    def backward(self, dout):
        """- dout: (N, M)"""
        ### BEGIN SOLUTION
        dx = np.dot(dout, self.W.T)
        return dx
        ### END SOLUTION


def softmax(x):
    ### BEGIN SOLUTION
    return x
    ### END SOLUTION

### BEGIN SOLUTION
HELPER = 1
### END SOLUTION
'''


def test_regions_become_not_implemented_with_the_qualified_name():
    stub = make_stub(SOLUTION, "03_affine")
    assert 'raise NotImplementedError("03_affine: implement Affine.backward")' in stub
    assert 'raise NotImplementedError("03_affine: implement softmax")' in stub
    assert "np.dot" not in stub and "HELPER" not in stub and "BEGIN SOLUTION" not in stub
    assert '"""- dout: (N, M)"""' in stub and "self.W = W" in stub
    compile(stub, "stub", "exec")


@pytest.mark.parametrize("broken", [
    "def f():\n    ### BEGIN SOLUTION\n    return 1\n",
    "def f():\n    return 1\n    ### END SOLUTION\n",
    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n",
])
def test_unbalanced_markers_are_errors(broken):
    with pytest.raises(CourseError):
        make_stub(broken, "x")


def test_committed_stubs_are_generated_from_the_solutions():
    assignments = [course.load(i) for i in course.assignment_ids()]
    assert assignments, "no assignments found"
    stale = stale_stubs(assignments)
    assert not stale, f"stale stubs (run `make stubs`): {stale}"
