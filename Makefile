# The front door. Every verb sets itself up: a fresh machine needs only python3 and pip.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
JOBS   ?= 2
# pytest-xdist processes of `make test` (TEST_JOBS=0 runs the tests in one process)
TEST_JOBS ?= 2
NBGRADER_VENV  := .venv-nbgrader
NBGRADER_READY := $(NBGRADER_VENV)/.ready

.PHONY: setup lint test test-py39 test-all grade report stubs release gradescope bench figures clean
.PHONY: nbgrader venv-nbgrader test-integration otter venv-otter

$(READY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m compileall -q autograder solutions benchmarks  # an editable install compiles nothing
	touch $(READY)

setup: $(READY)                          ## create .venv and install the kit

lint: $(READY)                           ## ruff's checks (pyproject.toml [tool.ruff]); `make test` runs it first
	$(BIN)/python -m ruff check .

test: lint                               ## the everyday tests (a few minutes, on two processes)
	$(BIN)/python -m pytest -q -m "not slow" -n $(TEST_JOBS) --dist loadgroup

# Students run the kit on Python 3.9 and newer: a released folder of every assignment, in a venv of the
# oldest Python on this machine (3.9, else 3.10; tests/old_python.py finds it) with the release's requirements.txt.
test-py39: $(READY)                      ## the student kit under Python 3.9: public tests and check, stub and solution
	$(BIN)/python -m tests.old_python

grade: $(READY)                          ## grade the bundled sample submissions
	$(BIN)/python -m autograder grade --assignment 03_affine examples/submissions/03_affine \
		--jobs $(JOBS) --gradebook out/grades.db --csv out/grades.csv --regrade --reports out/feedback

report: grade                            ## the class report of the sample batch: out/class_report.html
	$(BIN)/python -m autograder report out/grades.db

stubs: $(READY)                          ## regenerate assignments/*/ stubs from solutions/
	$(BIN)/python -m autograder stubs

release: $(READY)                        ## write release/: student folders and zips, Classroom templates
	$(BIN)/python -m autograder release

gradescope: $(READY)                     ## the Gradescope autograder zips, with the course secret, in out/gradescope/
	$(BIN)/python -m autograder gradescope

# nbgrader is heavy and may pin what otter-grader pins differently: it gets a venv of its own,
# with the kit installed in editable mode, since autograded cells import `autograder`.
$(NBGRADER_READY): pyproject.toml
	$(PYTHON) -m venv $(NBGRADER_VENV)
	$(NBGRADER_VENV)/bin/python -m pip install -q --upgrade pip
	$(NBGRADER_VENV)/bin/python -m pip install -q -e '.[nbgrader]'
	touch $(NBGRADER_READY)

venv-nbgrader: $(NBGRADER_READY)        ## .venv-nbgrader: nbgrader and the kit, for the nbgrader course
nbgrader: $(READY)                       ## export the nbgrader course tree to out/nbgrader/
	$(BIN)/python -m autograder nbgrader

# otter-grader gets a venv of its own too (it pins packages differently from nbgrader),
# with the kit in editable mode: the hidden-test cells import `autograder`.
OTTER_VENV := .venv-otter
OTTER_READY := $(OTTER_VENV)/.ready

$(OTTER_READY): pyproject.toml
	$(PYTHON) -m venv $(OTTER_VENV)
	$(OTTER_VENV)/bin/python -m pip install -q --upgrade pip
	$(OTTER_VENV)/bin/python -m pip install -q -e '.[otter]'
	touch $(OTTER_READY)

venv-otter: $(OTTER_READY)              ## .venv-otter: otter-grader and the kit, for the otter export
otter: $(READY)                          ## export the Otter Assign master notebooks to out/otter/
	$(BIN)/python -m autograder otter

test-integration: $(READY) $(NBGRADER_READY) $(OTTER_READY)  ## the slow tests: the real nbgrader and otter-grader, every mutant and variant under several secrets
	$(BIN)/python -m pytest -q -m slow -n $(TEST_JOBS) --dist loadgroup

# After the peer venvs' variables: make expands a rule's prerequisites where it reads the rule.
test-all: $(READY) $(NBGRADER_READY) $(OTTER_READY)  ## everything, the slow integration tests too
	$(BIN)/python -m pytest -q

figures: $(READY)                        ## redraw the figure of 07's README from the reference solution
	$(BIN)/python assignments/07_many_to_one/plot.py --classifier solutions/07_many_to_one/classifier.py \
		--out assignments/07_many_to_one/many_to_one.png

bench: $(READY)                          ## the course (1,000 students; BENCH_COURSE_STUDENTS=N for fewer), ours against the peers: docs/benchmarks.md
	-$(MAKE) --no-print-directory venv-nbgrader venv-otter  # the peers; if one cannot install, the table says so
	$(BIN)/python -m benchmarks

# Only what is generated and made again by a verb. out/ holds course data (the gradebook
# and feedback of `make grade`, the live nbgrader course with its gradebook, submissions
# and autograded notebooks, otter's graded results): it stays, but for out/gradescope/,
# the zips `make gradescope` builds again.
clean:                                   ## the venvs, build files and Gradescope zips; never out/'s course data
	rm -rf $(VENV) $(NBGRADER_VENV) $(OTTER_VENV) .venv-py39 build *.egg-info .pytest_cache out/gradescope
	find . -name __pycache__ -type d -not -path './out/*' -prune -exec rm -rf {} +
	@if [ -d out ]; then echo "kept out/ (course data: gradebooks, the nbgrader course, otter results); delete what you no longer need by hand"; fi
