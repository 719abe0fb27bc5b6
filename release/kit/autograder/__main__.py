import sys

from .cli import main

if __name__ == "__main__":  # grader processes of a batch import this module again
    sys.exit(main())
