"""The command line: argument parsing and printing only.

  python -m autograder check [FOLDER] [--assignment ID] [--lang ko|en]          (students)
  python -m autograder grade --assignment ID SUBMISSION [--out results.json] [--lang ko|en]   (instructors, CI)
  python -m autograder grade --assignment ID SUBMISSIONS_DIR --jobs N --gradebook grades.db --csv grades.csv
  python -m autograder grade --assignment ID SUBMISSIONS_DIR --executor dask --scheduler ADDRESS --gradebook grades.db
  python -m autograder grade ... --reports DIR [--lang ko]                     (instructors: feedback per student)
  python -m autograder classroom-grade --assignment ID --org ORG --prefix PREFIX --deadline TIME [--post-feedback]
  python -m autograder report grades.db [--assignment ID] [--out DIR] [--lang ko]  (instructors: class report)
  python -m autograder stubs [--check]                                          (instructors)
  python -m autograder release [--out release] [--check]                        (instructors)
  python -m autograder gradescope [--out out/gradescope] [--lang ko|en]        (instructors)
  python -m autograder nbgrader [--out out/nbgrader]                            (instructors)
  python -m autograder otter [--out out/otter]                                  (instructors)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from . import course


STUDENT_USAGE = "  python -m autograder check [FOLDER] [--assignment ID] [--lang ko|en] [--plain]"
INSTRUCTOR_VERBS = ("grade", "report", "stubs", "release", "gradescope", "nbgrader", "otter")


def main(argv: list[str] | None = None) -> int:
    from . import messages
    messages.utf8_output()  # Korean and table lines, piped or redirected, on any platform
    if not (Path(__file__).parent / "sandbox").is_dir():
        return _student_main(argv)  # a release folder's copy of the engine: the student part only
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = parser.add_subparsers(dest="verb", required=True)

    grade = verbs.add_parser("grade", help="(instructors, CI) grade a submission with the hidden tests")
    grade.add_argument("--assignment", required=True, help="assignment id, e.g. 03_affine")
    grade.add_argument("submission", type=Path, help="a student file, a folder or a zip")
    grade.add_argument("--out", type=Path, help="write Gradescope-style results.json here (a batch: a folder "
                                                "that gets one <student>.json per student)")
    grade.add_argument("--quiet", action="store_true", help="print no table")
    grade.add_argument("--batch", action="store_true",
                       help="treat SUBMISSION as a folder with one entry per student (implied by "
                            "--jobs, --gradebook and --csv, and by a folder holding several copies "
                            "of the student file)")
    grade.add_argument("--jobs", type=int, help="grading lanes side by side on this machine (batch, local "
                                                 "executor; default: one per core this process may use)")
    grade.add_argument("--gradebook", type=Path, help="SQLite gradebook to record into (batch)")
    grade.add_argument("--csv", type=Path, help="export the gradebook's rows for this assignment as CSV")
    grade.add_argument("--duplicates", choices=("error", "newest"), default="error",
                       help="a student with several entries in a batch (eve.py and eve.zip, Eve/ and eve.py): "
                            "error stops before grading and names them (the default); newest grades the "
                            "most recently modified")
    grade.add_argument("--regrade", action="store_true",
                       help="grade again submissions the gradebook already holds")
    grade.add_argument("--reports", type=Path, metavar="DIR",
                       help="write a feedback report per student into DIR (STUDENT.md and STUDENT.html)")
    grade.add_argument("--report-format", choices=("md", "html", "both"), default="both",
                       help="the format of the --reports files (default: both)")
    grade.add_argument("--lang", choices=("en", "ko"),
                       help="language of the feedback (default: AUTOGRADER_LANG, else the locale, else en)")
    grade.add_argument("--executor", choices=("local", "dask"), default="local",
                       help="where a batch is graded: local (this machine, --jobs lanes; the default) "
                            "or dask (a dask.distributed cluster, see --scheduler)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="the Dask scheduler's address for --executor dask, e.g. tcp://10.0.0.5:8786")
    grade.add_argument("--test", action="append", metavar="NAME",
                       help="run only this hidden test (repeatable; one submission only): "
                            "what a notebook's autograded cell asks for")

    classroom = verbs.add_parser(
        "classroom-grade", help="(instructors, CI) grade a GitHub Classroom assignment's student repositories "
                                "with the hidden tests, at their last commit before the deadline")
    classroom.add_argument("--assignment", required=True, help="assignment id, e.g. 03_affine")
    classroom.add_argument("--org", help="the GitHub organisation of the classroom (lists its repositories "
                                         "through the API, with the token in $CLASSROOM_TOKEN)")
    classroom.add_argument("--prefix", help="the assignment's repository prefix in GitHub Classroom: "
                                            "<prefix>-<github-login> is that student's repository")
    classroom.add_argument("--repos", type=Path, metavar="FOLDER_OR_LIST",
                           help="instead of the API: a folder of cloned repositories (gh classroom clone "
                                "student-repos) or a text file with one repository URL a line")
    classroom.add_argument("--deadline", help="grade each repository's last commit at or before this ISO 8601 "
                                              "time, e.g. 2026-10-01T23:59:00+09:00 (default: the newest)")
    classroom.add_argument("--out", type=Path, help="where clones, grades.db, grades.csv, feedback/ and "
                                                    "repositories.csv go (default: out/classroom/ID/)")
    classroom.add_argument("--jobs", type=int, help="grading lanes side by side (default: one per core this "
                                                     "process may use)")
    classroom.add_argument("--lang", choices=("en", "ko"), help="language of the feedback")
    classroom.add_argument("--regrade", action="store_true", help="grade again commits the gradebook holds")
    classroom.add_argument("--quiet", action="store_true", help="print no table")
    classroom.add_argument("--post-feedback", action="store_true",
                           help="write each student's feedback into an issue of their repository "
                                "(the token needs Issues: write)")
    classroom.add_argument("--api-url", default=os.environ.get("GITHUB_API_URL", "https://api.github.com"),
                           help="the GitHub REST API's address (default: $GITHUB_API_URL, else api.github.com)")
    classroom.add_argument("--token-env", default="CLASSROOM_TOKEN", metavar="VARIABLE",
                           help="the environment variable holding the token (default: CLASSROOM_TOKEN)")

    report = verbs.add_parser(
        "report", help="(instructors) the class report from a gradebook: pass rate per test, the score "
                       "histogram (PNG), the most frequent hinted bugs")
    report.add_argument("gradebook", type=Path, help="the SQLite file written by grade --gradebook")
    report.add_argument("--assignment", help="report on this assignment only (default: every one in the gradebook)")
    report.add_argument("--out", type=Path, help="folder for class_report.html and its PNGs (default: the gradebook's)")
    report.add_argument("--format", choices=("html", "md"), default="html", help="the report's format (default: html)")
    report.add_argument("--lang", choices=("en", "ko"),
                        help="language of the report (default: AUTOGRADER_LANG, else the locale, else en)")

    stubs = verbs.add_parser("stubs", help="(instructors) regenerate the stubs from the solutions")
    stubs.add_argument("--check", action="store_true", help="only report stale stubs; exit 1 if any")

    release = verbs.add_parser(
        "release", help="(instructors) write release/: the student folders and zips and the GitHub "
                        "Classroom templates (the Gradescope zips: `gradescope`)")
    release.add_argument("--out", type=Path, help="the release folder (default: release/ in the course)")
    release.add_argument("--check", action="store_true",
                         help="only report where the release folder differs from the sources; exit 1 if it does")

    gradescope = verbs.add_parser(
        "gradescope", help="(instructors) build one Gradescope autograder zip per assignment, carrying "
                           "the course secret (made in .course-secret if the course has none)")
    gradescope.add_argument("--out", type=Path,
                            help="where the zips go (default: out/gradescope/ in the course)")
    gradescope.add_argument("--lang", choices=("en", "ko"),
                            help="the language the zips grade in: every message students read (default: en)")

    _add_check(verbs, argv)

    nbgrader = verbs.add_parser(
        "nbgrader", help="(instructors) export the course as an nbgrader course tree: nbgrader_config.py "
                         "and source/<id>/<id>.ipynb with solution regions and autograded hidden-test cells")
    nbgrader.add_argument("--out", type=Path, help="the course folder (default: out/nbgrader/ in the course)")
    nbgrader.add_argument("--course-id", default=None, help="nbgrader's course_id (default: backprop-rnn)")

    otter = verbs.add_parser(
        "otter", help="(instructors) write one otter-grader (Otter Assign) master notebook per assignment")
    otter.add_argument("--out", type=Path,
                       help="where <id>/<id>.ipynb go (default: out/otter/ in the course)")

    args = parser.parse_args(argv)
    if args.verb == "check":
        return _check_words(args)
    try:
        return _verb(args)
    except course.CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _verb(args: argparse.Namespace) -> int:
    """The one place that reads argparse's namespace: each verb gets explicit arguments."""
    if args.verb == "grade":
        return run_grade(args.assignment, args.submission, GradeOptions(
            out=args.out, quiet=args.quiet, batch=args.batch, jobs=args.jobs, gradebook=args.gradebook,
            csv=args.csv, duplicates=args.duplicates, regrade=args.regrade, reports=args.reports,
            report_format=args.report_format, lang=args.lang, executor=args.executor, scheduler=args.scheduler,
            tests=tuple(args.test or ())))
    if args.verb == "release":
        return run_release(out=args.out, check=args.check)
    if args.verb == "gradescope":
        return run_gradescope(out=args.out, lang=args.lang)
    if args.verb == "nbgrader":
        return run_nbgrader(out=args.out, course_id=args.course_id)
    if args.verb == "otter":
        return run_otter(out=args.out)
    if args.verb == "report":
        return run_report(args.gradebook, assignment=args.assignment, out=args.out, report_format=args.format,
                          lang=args.lang)
    if args.verb == "classroom-grade":
        return run_classroom_grade(
            args.assignment, org=args.org, prefix=args.prefix, repos=args.repos, deadline=args.deadline,
            out=args.out, jobs=args.jobs, lang=args.lang, regrade=args.regrade, quiet=args.quiet,
            post_feedback=args.post_feedback, api_url=args.api_url, token_env=args.token_env)
    return run_stubs(check=args.check)


@dataclass(frozen=True)
class GradeOptions:
    """The grade verb's options, as on its command line (see `grade --help`); the defaults are its defaults."""

    out: Path | None = None
    quiet: bool = False
    batch: bool = False
    jobs: int | None = None
    gradebook: Path | None = None
    csv: Path | None = None
    duplicates: str = "error"
    regrade: bool = False
    reports: Path | None = None
    report_format: str = "both"
    lang: str | None = None
    executor: str = "local"
    scheduler: str | None = None
    tests: tuple[str, ...] = ()  # --test NAME ...: only these hidden tests (one submission)


def _is_batch(submission: Path, options: GradeOptions, assignment) -> bool:
    """Whether SUBMISSION is a folder of students rather than one student's submission."""
    if options.batch or options.jobs is not None or options.gradebook or options.csv or options.executor != "local":
        return True
    if not submission.is_dir() or (options.out and options.out.suffix == ".json"):
        return False  # one results.json: one submission (Gradescope's submission folder)
    # One student's folder holds the student file at its top, or once further in with no other
    # .py or zip at its top; a folder of alice.py, bob.py or of students' folders is a batch.
    wanted = assignment.student_files[0]
    top = [p for p in submission.iterdir() if not p.name.startswith(".")]
    if any(p.suffix.lower() == ".zip" for p in top):
        return True
    if (submission / wanted).is_file():
        return False
    copies = sum(1 for _ in submission.rglob(wanted))
    return copies != 1 or any(p.suffix == ".py" for p in top)


def run_grade(assignment: str, submission: Path, options: GradeOptions = GradeOptions()) -> int:
    """`grade`: one submission (a file, folder or zip) or a folder of them; the exit status."""
    if options.executor == "local":
        from .sandbox import prestart

        prestart()  # the zygote starts (about 0.2 s) while this process imports the grader
    with _hidden_tests_speaking(options.lang):
        return _grade_in_language(assignment, Path(submission), options)


@contextlib.contextmanager
def _hidden_tests_speaking(lang: str | None):
    """The language reaches the hidden tests through the environment: this process and the
    processes of a batch (which inherit it) read it in messages.language()."""
    saved = os.environ.get("AUTOGRADER_LANG")
    if lang:
        os.environ["AUTOGRADER_LANG"] = lang
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("AUTOGRADER_LANG", None)
        else:
            os.environ["AUTOGRADER_LANG"] = saved


def _grade_in_language(assignment_id: str, submission: Path, options: GradeOptions) -> int:
    # One submission imports what grading it needs only (batch, executors' lanes, rich: when used).
    from .grade import safe_grade
    from .result import write_json
    from .sandbox import default_sandbox
    from .submission import load

    assignment = course.load(assignment_id)
    if not submission.exists():
        print(f"error: {submission} does not exist", file=sys.stderr)
        return 2
    if _is_batch(submission, options, assignment):
        if options.tests:
            print("error: --test grades one submission; it cannot be combined with a batch", file=sys.stderr)
            return 2
        from .executors.local import default_jobs
        from .report.console import BatchOptions, reports_inside, run_batch
        clash = options.reports and reports_inside(options.reports, submission, options.lang)
        if clash:
            print(f"error: {clash}", file=sys.stderr)
            return 2
        return run_batch(assignment, submission, BatchOptions(
            jobs=options.jobs or (default_jobs() if options.executor == "local" else 1), gradebook=options.gradebook, csv=options.csv, out=options.out,
            regrade=options.regrade, reports=options.reports, report_format=options.report_format,
            lang=options.lang, quiet=options.quiet, executor=options.executor, scheduler=options.scheduler,
            duplicates=options.duplicates))
    if options.out and options.out.is_dir():
        print(f"error: --out {options.out} is a folder; give the results file's name, "
              f"e.g. {options.out / 'results.json'}", file=sys.stderr)
        return 2
    loaded = load(submission, assignment.student_files)
    with default_sandbox() as sandbox:
        result = safe_grade(assignment, loaded, sandbox, only=options.tests or None)
    if options.out:
        write_json(result, options.out)
    if not options.quiet:
        from .report.table import print_result

        print_result(result)
    if options.reports:
        from .report.console import cannot_write, report_formats
        from .report.feedback import write_reports
        try:
            paths = write_reports([result], options.reports, options.lang, report_formats(options.report_format),
                                  index=False)  # one submission: its page alone
        except OSError as exc:
            print(f"error: {cannot_write(exc, options.reports, options.lang)}", file=sys.stderr)
            return 2
        for path in paths:
            print(f"wrote {path}")
    return 0


def run_classroom_grade(assignment_id: str, *, org: str | None = None, prefix: str | None = None,
                        repos: Path | None = None, deadline: str | None = None, out: Path | None = None,
                        jobs: int | None = None, lang: str | None = None, regrade: bool = False, quiet: bool = False,
                        post_feedback: bool = False, api_url: str = "https://api.github.com",
                        token_env: str = "CLASSROOM_TOKEN") -> int:
    """`classroom-grade`: a GitHub Classroom assignment's repositories, graded as a batch; the exit status."""
    from .classroom_grade import ClassroomError, ClassroomOptions, grade_classroom
    from .executors.local import default_jobs
    from .classroom_grade.repositories import parse_deadline

    assignment = course.load(assignment_id)
    try:
        when = parse_deadline(deadline, lang) if deadline else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from .sandbox import prestart

    prestart()  # the zygote starts while the repositories are cloned
    try:
        with _hidden_tests_speaking(lang):
            return grade_classroom(assignment, ClassroomOptions(
                out=out or course.find_root() / "out" / "classroom" / assignment.id, org=org,
                prefix=prefix, repos=repos, deadline=when, jobs=jobs or default_jobs(), lang=lang,
                regrade=regrade, quiet=quiet, post_feedback=post_feedback, api_url=api_url,
                token_variable=token_env))
    except ClassroomError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def run_report(gradebook: Path, *, assignment: str | None = None, out: Path | None = None,
               report_format: str = "html", lang: str | None = None) -> int:
    """`report`: the class report of a gradebook; the exit status."""
    from .report import instructor

    try:
        written = instructor.write(gradebook, out, assignment, lang, report_format)
    except instructor.ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from . import messages
    print(messages.text("report.instructor.wrote", lang, report=written.report, count=len(written.figures)))
    return 0


def run_stubs(*, check: bool = False) -> int:
    """`stubs`: write the stubs from the solutions, or (check) only list the stale ones; the exit status."""
    from .assign.stubs import stale_stubs, write_stubs

    assignments = [course.load(i) for i in course.assignment_ids()]
    if check:
        stale = stale_stubs(assignments)
        for path in stale:
            print(f"stale stub: {path} (run `make stubs`)")
        return 1 if stale else 0
    for path in write_stubs(assignments):
        print(f"wrote {path}")
    return 0


def run_release(*, out: Path | None = None, check: bool = False) -> int:
    """`release`: write the release folder (default: release/), or (check) only compare it; the exit status."""
    from .assign import release

    out = out or course.find_root() / "release"
    files = release.layout(release.build([course.load(i) for i in course.assignment_ids()]))
    if check:  # dist/ is compared once `make release` has assembled it; git tracks the rest
        checked = files if (out / release.DIST).is_dir() else release.tracked(files)
        owned = release.OWNED if (out / release.DIST).is_dir() else \
            tuple(n for n in release.OWNED if n != release.DIST)
        problems = release.differences(checked, out, owned)
        for problem in problems:
            print(problem)
        if problems:
            print(f"{out} is out of date: run `make release`")
            return 1
        print(f"{out} is up to date ({len(checked)} files)")
        return 0
    changed = release.write(files, out, owned=release.OWNED)
    for line in changed:
        print(line)
    print(f"{out}: {len(files)} files, {len(changed)} changed; hand out {out / release.DIST}/students/<id>.zip")
    return 0


def run_gradescope(*, out: Path | None = None, lang: str | None = None) -> int:
    """`gradescope`: one autograder zip per assignment, grading in `lang` (default en); the exit status."""
    from .assign import gradescope, release

    root = course.find_root()
    out = out or root / gradescope.OUT
    secret, made = gradescope.instructor_secret(root)
    if made:
        print(made)
    tree = release.gradescope_zips([course.load(i) for i in course.assignment_ids()], secret, lang)
    for line in gradescope.write_zips(tree, out):
        print(line)
    for name in sorted(tree):
        print(f"{out / name}: upload it as the autograder of assignment {Path(name).stem}")
    print(f"The zips grade in {lang or 'en'} and install "
          f"{', '.join(gradescope.pinned(list(gradescope.PINNED)))}, the version here.")
    return 0


def _student_main(argv: list[str] | None) -> int:
    """The command line of a release folder: `check` alone, so that --help lists what a student can run."""
    from . import messages

    words = sys.argv[1:] if argv is None else argv
    if words and words[0] in INSTRUCTOR_VERBS:
        print(messages.text("check.cli.student_copy", verb=words[0]), file=sys.stderr)
        return 2
    say = _check_help(argv)
    parser = argparse.ArgumentParser(prog="python -m autograder", description=f"{STUDENT_USAGE}\n\n{say('help')}",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_check(parser.add_subparsers(dest="verb", required=True), argv)
    return _check_words(parser.parse_args(argv))


def _add_check(verbs, argv: list[str] | None) -> None:
    say = _check_help(argv)
    check = verbs.add_parser("check", help=say("help"), description=say("help"))
    check.add_argument("folder", type=Path, nargs="?", default=Path("."), help=say("folder"))
    check.add_argument("--assignment", help=say("assignment"))
    check.add_argument("--lang", choices=("ko", "en"), help=say("lang"))
    check.add_argument("--plain", action="store_true", help=say("plain"))


def _check_help(argv: list[str] | None):
    """The check's help in the student's language: --lang, if given, else the environment and locale."""
    from . import messages

    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang")
    lang = early.parse_known_args(argv)[0].lang
    lang = lang if lang in messages.LANGS else None
    return lambda key: messages.text(f"check.cli.{key}", lang)


def _check_words(args: argparse.Namespace) -> int:
    return run_check(folder=args.folder, assignment=args.assignment, lang=args.lang, plain=args.plain)


def run_check(*, folder: Path = Path("."), assignment: str | None = None, lang: str | None = None,
              plain: bool = False) -> int:
    """`check`: the public tests of the assignment in `folder`, explained; the exit status."""
    from . import messages
    from .check import CheckError, check

    try:
        return check(Path(folder), assignment, lang, plain=plain)
    except CheckError as exc:
        print(messages.text(exc.key, lang, **exc.fields), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(messages.text("check.interrupted", lang), file=sys.stderr)
        return 130
    except BrokenPipeError:  # `check | head`: the reader has gone, and Python's exit must not print a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def run_nbgrader(*, out: Path | None = None, course_id: str | None = None) -> int:
    """`nbgrader`: the nbgrader course tree (default: out/nbgrader/); the exit status."""
    from .assign import nbgrader, release

    out = out or course.find_root() / "out" / "nbgrader"
    tree = nbgrader.course_tree([course.load(i) for i in course.assignment_ids()],
                                course_id or nbgrader.COURSE_ID)
    for line in release.write(tree, out):  # nbgrader's own files (gradebook.db, submitted/, ...) stay
        print(line)
    print(f"{out}: an nbgrader course; from there, run `nbgrader generate_assignment ID` for each assignment")
    return 0


def run_otter(*, out: Path | None = None) -> int:
    """`otter`: one Otter Assign master notebook per assignment (default: out/otter/); the exit status."""
    from .assign import otter, release

    out = out or course.find_root() / "out" / "otter"
    if out.exists() and not out.is_dir():
        print(f"error: {out} is a file; --out names the folder the notebooks go in", file=sys.stderr)
        return 2
    tree = otter.build([course.load(i) for i in course.assignment_ids()])
    for line in release.write(tree, out):  # what otter assign wrote beside them (dist/) stays
        print(line)
    print(f"{out}: {len(tree)} otter master notebooks; for each assignment ID, in {out}/ID/, run "
          "`otter assign ID.ipynb dist --no-pdfs`")
    return 0
