"""The classroom-grade verb: hidden grading of a GitHub Classroom assignment's student repositories.

    python -m autograder classroom-grade --assignment 03_affine --org YOUR-ORG --prefix 03-affine \\
        --deadline 2026-10-01T23:59:00+09:00 --jobs 2 --out out/classroom/03_affine [--post-feedback]

Steps, each in the module named:
  1. list the repositories: the organisation's through the GitHub REST API
     (github.py, token from $CLASSROOM_TOKEN), or a folder of clones or a list
     file given with --repos (repositories.py);
  2. map each repository to its student by the Classroom naming rule (repositories.py);
  3. clone each into OUT/repos/<student>/ at its last commit before the deadline;
  4. grade OUT/repos/ with the hidden tests as one batch (autograder/report/console.py):
     OUT/grades.db, OUT/grades.csv and OUT/feedback/<student>.md|.html;
  5. write OUT/repositories.csv (each repository: student, commit, date, what happened);
  6. with --post-feedback, write each graded student's feedback page into an
     issue of their repository (github.py), edited in place by later runs.

Exit status: 0 when everything was graded (whatever the scores), 1 when some
repository could not be cloned or some feedback not posted (every file is
still written), 2 when nothing could be graded.
"""

from __future__ import annotations

import csv
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..course import Assignment
from ..messages import text
from . import github, repositories
from .repositories import Checkout, Repository

TOKEN_VARIABLE = "CLASSROOM_TOKEN"
API_URL = "https://api.github.com"
CLONES_MARK = ".classroom-grade"   # marks OUT/repos/ as this command's own folder


@dataclass(frozen=True)
class ClassroomOptions:
    """What classroom-grade takes from its command line.

    org, prefix: the organisation and the Classroom assignment's repository prefix;
    repos: a folder of clones or a list file instead of the API; deadline: grade
    each repository's last commit at or before it (None: HEAD); out: the folder of
    everything written; api_url, token_variable: where the API is and the name of
    the environment variable holding the token.
    """
    out: Path
    org: str | None = None
    prefix: str | None = None
    repos: Path | None = None
    deadline: datetime | None = None
    jobs: int = 1
    lang: str | None = None
    regrade: bool = False
    quiet: bool = False
    post_feedback: bool = False
    api_url: str = API_URL
    token_variable: str = TOKEN_VARIABLE


class ClassroomError(Exception):
    """classroom-grade cannot start: a sentence for the instructor."""


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def grade_classroom(assignment: Assignment, options: ClassroomOptions) -> int:
    """Steps 1 to 6 above; the exit status."""
    from ..report.console import BatchOptions, run_batch

    lang = options.lang
    token = os.environ.get(options.token_variable, "")
    api = github.Api(options.api_url, token)
    found = _repositories(options, api, token)
    env = repositories.git_environment(token)
    students = {repositories.student_of(r.name, options.prefix) for r in found}
    _forget_old_clones(options.out / "repos", students)
    checkouts, ignored = [], []
    for repository in found:
        student = repositories.student_of(repository.name, options.prefix)
        if student is None:
            continue  # another assignment's repository
        if not (repositories.valid_name(repository.name) and repositories.valid_name(student)):
            ignored.append(text("classroom.bad_name", lang, repository=repository.name))
            continue
        checkout = repositories.check_out(repository, student, options.out / "repos" / student,
                                          options.deadline, env, lang)
        say(text("classroom.cloned", lang, repository=repository.name, commit=checkout.commit[:10],
                 date=checkout.committed) if checkout.folder else checkout.problem)
        checkouts.append(checkout)
    for line in ignored:
        say(line)
    _write_table(checkouts, options.out / "repositories.csv")
    graded = [c for c in checkouts if c.folder]
    if not graded:
        say(text("classroom.nothing", lang, count=len(checkouts)))
        return 2
    status = run_batch(assignment, options.out / "repos", BatchOptions(
        jobs=options.jobs, gradebook=options.out / "grades.db", csv=options.out / "grades.csv",
        reports=options.out / "feedback", lang=lang, quiet=options.quiet, regrade=options.regrade))
    if status:
        return status
    posted = _post(assignment, graded, api, options) if options.post_feedback else True
    missed = len(checkouts) - len(graded)
    say(text("classroom.done", lang, graded=len(graded), missed=missed, out=options.out))
    return 0 if (missed == 0 and posted) else 1


def _repositories(options: ClassroomOptions, api: github.Api, token: str) -> list[Repository]:
    lang = options.lang
    if options.repos is not None:
        if options.repos.is_dir():
            return repositories.from_folder(options.repos)
        if options.repos.is_file():
            return repositories.from_list(options.repos)
        raise ClassroomError(text("classroom.no_repos", lang, path=options.repos))
    if not options.org or not options.prefix:
        raise ClassroomError(text("classroom.needs_org", lang))
    if not token:
        raise ClassroomError(text("classroom.no_token", lang, variable=options.token_variable))
    try:
        return repositories.from_api(github.list_repositories(api, options.org, lang))
    except github.GitHubError as exc:
        raise ClassroomError(str(exc)) from None


def _forget_old_clones(folder: Path, students: set) -> None:
    """Remove clones of an earlier run whose repository is gone, so they are not graded again.

    Only in a folder this command made (it holds CLONES_MARK): never someone else's files.
    """
    import shutil

    if folder.is_dir() and (folder / CLONES_MARK).is_file():
        for path in folder.iterdir():
            if path.is_dir() and not path.is_symlink() and path.name not in students:
                shutil.rmtree(path)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CLONES_MARK).write_text("clones made by python -m autograder classroom-grade\n")


def _write_table(checkouts: list[Checkout], path: Path) -> None:
    """OUT/repositories.csv: one row per repository of the assignment, graded or not, sorted by student."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:  # the BOM: Excel reads UTF-8
        writer = csv.writer(handle)
        writer.writerow(["student", "repository", "commit", "committed", "graded", "problem"])
        for c in sorted(checkouts, key=lambda c: c.student.lower()):
            writer.writerow([c.student, c.repository.name, c.commit, c.committed,
                             "yes" if c.folder else "no", c.problem])


def _post(assignment: Assignment, graded: list[Checkout], api: github.Api, options: ClassroomOptions) -> bool:
    """Each graded student's feedback into an issue of their repository; False if any could not be posted."""
    from ..report.gradebook import Gradebook
    from ..report.feedback import markdown
    from ..submission import load

    lang, every = options.lang, True
    with Gradebook(options.out / "grades.db") as book:
        for c in graded:
            if not c.repository.full_name:
                say(text("classroom.post_unknown", lang, repository=c.repository.name))
                every = False
                continue
            sha = load(c.folder, assignment.student_files, c.student).sha256
            result = book.result(c.student, assignment.id, sha)
            if result is None:
                continue
            title = text("classroom.issue_title", lang, assignment=assignment.id)
            body = markdown(result, lang) + "\n" + text("classroom.issue_commit", lang, commit=c.commit)
            try:
                how = github.post_feedback(api, c.repository.full_name, assignment.id, title, body, lang)
            except github.GitHubError as exc:
                say(str(exc))
                every = False
                continue
            say(text(f"classroom.posted_{how}", lang, repository=c.repository.full_name))
    return every
