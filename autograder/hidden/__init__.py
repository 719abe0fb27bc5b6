"""Hidden tests, one module per assignment, named for the assignment without its number.

Each module defines plain functions `test_<property>(student, ref)`; the
assignment's manifest lists them with their points (docs/authoring.md).
They run on the trusted side only: no worker can read this folder.
"""
