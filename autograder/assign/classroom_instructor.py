"""The instructor's workflow for hidden grading of GitHub Classroom repositories: classroom/instructor/grade.yml.

It belongs in the instructor's private copy of this repository (as
.github/workflows/grade.yml), never in a student template: it runs the hidden
tests. On a schedule, or by hand (workflow_dispatch, with the assignment, its
repository prefix, the deadline and whether to post feedback), it installs the
kit and runs `python -m autograder classroom-grade`, then uploads the CSV, the
gradebook, repositories.csv and the feedback pages as an artifact.

Settings a scheduled run cannot be asked for come from the repository's
variables (Settings, Secrets and variables, Actions, Variables):
CLASSROOM_ASSIGNMENT, CLASSROOM_PREFIX, CLASSROOM_DEADLINE, CLASSROOM_ORG
(default: the repository's owner) and CLASSROOM_POST_FEEDBACK ("true" to post).
Secrets: CLASSROOM_TOKEN (reads the organisation's repositories; Issues: write
to post feedback) and AUTOGRADER_SECRET (the course secret, so that a
repository scores as it does on Gradescope and on the instructor's machine).

Grading runs under sudo: the sandbox's namespaces and its uid of its own need
root (docs/security.md), and GitHub's runners grant it. Before, the checkout
is made unreadable to other users, as Gradescope's run_autograder does with
its bundle, so that a worker's uid cannot read the solutions even on a kernel
without Landlock.
"""

from __future__ import annotations

from ..course import Assignment
from .classroom import PYTHON_VERSION, to_yaml

PATH = "classroom/instructor/grade.yml"
COMMAND = "python -m autograder classroom-grade"
TOKEN_SECRET = "CLASSROOM_TOKEN"
OUT = "out/classroom"
SCHEDULE = "0 15 * * *"      # daily at 15:00 UTC (midnight in Korea): after a day's deadlines
JOB_MINUTES = 60
JOBS = 2                     # a GitHub-hosted runner has 2 to 4 cores

# Every value from an input or a variable reaches the script through the environment,
# never spliced into it: `${{ inputs.x }}` inside `run:` would let a value become shell code.
_SCRIPT = f"""\
set -euo pipefail
flags=()
if [ -n "$DEADLINE" ]; then flags+=(--deadline "$DEADLINE"); fi
post="$POST_FEEDBACK_VARIABLE"  # a scheduled run: the variable; a run by hand: its checkbox
if [ "$GITHUB_EVENT_NAME" = "workflow_dispatch" ]; then post="$POST_FEEDBACK_INPUT"; fi
if [ "$post" = "true" ]; then flags+=(--post-feedback); fi
chmod -R go-rwx .  # the course (solutions, hidden tests): only the runner's user and root may read it
sudo --preserve-env={TOKEN_SECRET},AUTOGRADER_SECRET,GITHUB_API_URL "$(command -v python)" \\
  -m autograder classroom-grade --assignment "$ASSIGNMENT" --org "$ORG" --prefix "$PREFIX" \\
  --jobs {JOBS} --out "{OUT}/$ASSIGNMENT" "${{flags[@]}}"
"""


def workflow(assignments: list[Assignment]) -> dict:
    """The workflow as data (written by classroom.to_yaml)."""
    ids = [a.id for a in assignments]
    return {
        "name": "Hidden grading (GitHub Classroom)",
        "on": {
            "schedule": [{"cron": SCHEDULE}],
            "workflow_dispatch": {"inputs": {
                "assignment": {"description": "the assignment to grade", "required": True,
                               "type": "choice", "options": ids, "default": ids[0]},
                "prefix": {"description": "its repository prefix in GitHub Classroom (<prefix>-<login>)",
                           "required": True, "type": "string"},
                "deadline": {"description": "grade the last commit at or before this time, e.g. "
                                            "2026-10-01T23:59:00+09:00 (empty: the newest)",
                             "required": False, "type": "string"},
                "post-feedback": {"description": "post each student's feedback as an issue in their repository",
                                  "required": False, "type": "boolean", "default": False},
            }},
        },
        "permissions": {"contents": "read"},
        "concurrency": {"group": "classroom-grade", "cancel-in-progress": False},
        "jobs": {"grade": {
            # A scheduled run before the variables are set would only fail: it is skipped instead.
            "if": "github.event_name == 'workflow_dispatch' || vars.CLASSROOM_ASSIGNMENT != ''",
            "runs-on": "ubuntu-latest",
            "timeout-minutes": JOB_MINUTES,
            "env": {
                "ASSIGNMENT": "${{ inputs.assignment || vars.CLASSROOM_ASSIGNMENT }}",
                "PREFIX": "${{ inputs.prefix || vars.CLASSROOM_PREFIX }}",
                "DEADLINE": "${{ inputs.deadline || vars.CLASSROOM_DEADLINE }}",
                "ORG": "${{ vars.CLASSROOM_ORG || github.repository_owner }}",
                "POST_FEEDBACK_INPUT": "${{ inputs.post-feedback }}",
                "POST_FEEDBACK_VARIABLE": "${{ vars.CLASSROOM_POST_FEEDBACK }}",
                TOKEN_SECRET: f"${{{{ secrets.{TOKEN_SECRET} }}}}",
                "AUTOGRADER_SECRET": "${{ secrets.AUTOGRADER_SECRET }}",
            },
            "steps": [
                {"name": "Check out the course", "uses": "actions/checkout@v4"},
                {"name": "Set up Python", "uses": "actions/setup-python@v5",
                 "with": {"python-version": PYTHON_VERSION}},
                {"name": "Install the kit", "run": "python -m pip install -e ."},
                {"name": "Grade the student repositories with the hidden tests", "run": _SCRIPT},
                {"name": "Upload the grades and the feedback", "if": "always()",
                 "uses": "actions/upload-artifact@v4",
                 "with": {"name": "classroom-grades-${{ env.ASSIGNMENT }}",
                          "path": "\n".join(f"{OUT}/*/{name}" for name in
                                            ("grades.csv", "grades.db", "repositories.csv", "feedback/")),
                          "if-no-files-found": "warn"}},
            ],
        }},
    }


def workflow_text(assignments: list[Assignment]) -> str:
    header = ("# Hidden grading of GitHub Classroom repositories: copy to .github/workflows/grade.yml in the\n"
              "# instructor's private course repository (never into a student template).\n"
              f"# Secrets: {TOKEN_SECRET} (a token that reads the organisation's repositories), AUTOGRADER_SECRET.\n"
              "# Generated by `make release`; edit autograder/assign/classroom_instructor.py, not this file.\n")
    return header + to_yaml(workflow(assignments))
