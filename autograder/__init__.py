"""The grading engine of the backprop / RNN course kit.

The pipeline, one module per step:
  submission.py  load a file, folder or zip into the student's source files
  sandbox/       run student code in a limited worker process
  student.py     the proxy hidden tests use to reach the worker
  round_trips.py what the proxy learns or holds back, to send fewer requests
  hidden/        the hidden tests, one module per assignment
  grade.py       run an assignment's hidden tests -> Result
  result.py      the Result and its Gradescope form
  report/        tables, JSON, CSV and the gradebook
Importing this package imports nothing else: the sandbox's fork server imports
it too, and must never hold the hidden tests or the solutions.
"""

__version__ = "0.1.0"
