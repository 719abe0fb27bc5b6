"""Bug patterns of each assignment: detectors that compare a student's output with what a known wrong
formula gives on the same inputs, and return the hint (autograder/hints.py) that names it.

One module per assignment, used by its hidden tests. These detectors compute the
right answers as well as the wrong ones, so they stay with the grader: a
student's release holds hints.py (the Hint type and the generic detectors) and
the catalogue's sentences, never this package.
"""
