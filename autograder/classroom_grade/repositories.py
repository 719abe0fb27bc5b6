"""Student repositories: where they come from, whose they are, and the commit that is graded.

Mapping rule. GitHub Classroom names each student's repository
`<assignment-prefix>-<github-login>` (a group assignment: `-<team-name>`), the
prefix being the assignment's name in Classroom, made lower case with spaces as
`-` (e.g. "03-affine"). The student is what follows `<prefix>-`, compared
without regard to case, as GitHub compares names; a repository whose name does
not start so is not one of this assignment's, and template repositories are
never students. Without a prefix (a list of repositories given by hand) the
student is the whole repository name.

The graded commit is the newest one on the default branch whose committer
date is at or before the deadline (`git rev-list -1 --before=DEADLINE HEAD`).
That date is written by the student's own git, so a deadline is best kept by
grading at the deadline (the workflow's schedule): a later run then only
confirms it.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

from .. import untrusted
from ..messages import text

GIT_SECONDS = 300                       # one clone: a course repository is small
_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}\Z")  # what GitHub allows in a repository name
GITHUB_HOST = "github.com"


@dataclass(frozen=True)
class Repository:
    name: str                  # e.g. 03-affine-alice
    clone_url: str             # an https URL, or a local path (tests, a folder of clones)
    full_name: str = ""        # owner/name, for posting feedback; "" when unknown


@dataclass(frozen=True)
class Checkout:
    """One repository after cloning: graded (`folder` set) or not, with the reason in `problem`."""
    repository: Repository
    student: str
    folder: Path | None = None
    commit: str = ""
    committed: str = ""        # the commit's committer date, ISO 8601
    problem: str = ""


def student_of(name: str, prefix: str | None) -> str | None:
    """The student a repository belongs to by the mapping rule, or None if not of this assignment."""
    if not prefix:
        return name
    head = f"{prefix}-"
    if len(name) > len(head) and name[:len(head)].lower() == head.lower():
        return name[len(head):]
    return None


def from_api(answer: list[dict]) -> list[Repository]:
    """GitHub's repository objects as Repositories, templates left out."""
    return [Repository(str(r["name"]), str(r.get("clone_url") or ""), str(r.get("full_name") or ""))
            for r in answer if r.get("name") and not r.get("is_template")]


def from_folder(folder: Path) -> list[Repository]:
    """A folder of repositories (e.g. `gh classroom clone student-repos` made it): one per subfolder."""
    return [Repository(p.name, str(p.resolve())) for p in sorted(Path(folder).iterdir())
            if p.is_dir() and not p.is_symlink() and ((p / ".git").exists() or (p / "HEAD").is_file())]


def from_list(path: Path) -> list[Repository]:
    """A text file naming one repository a line: an https URL, owner/name or a path; '#' starts a comment."""
    found = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", line) and not Path(line).exists():
            line = f"https://{GITHUB_HOST}/{line}.git"
        parsed = urlparse(line)
        name = Path(parsed.path.rstrip("/")).name.removesuffix(".git")
        full = parsed.path.strip("/").removesuffix(".git") if parsed.scheme in ("https", "http") else ""
        found.append(Repository(name, line, full if full.count("/") == 1 else ""))
    return found


def parse_deadline(value: str, lang: str | None = None) -> datetime:
    """An ISO 8601 time with its zone ("2026-10-01T23:59:00+09:00", or Z for UTC); ValueError says how."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ValueError(text("classroom.deadline", lang, value=value))
    return when


def git_environment(token: str | None) -> dict[str, str]:
    """The environment of every git call: no prompt, no user or system config, the token for GitHub only.

    The token travels as an HTTP header set through git's environment, scoped to
    https://github.com/, so it appears neither in a command line nor in a clone's .git/config.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
               GIT_ALLOW_PROTOCOL="https:file:ssh")
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0=f"http.https://{GITHUB_HOST}/.extraHeader",
                   GIT_CONFIG_VALUE_0=f"Authorization: Basic {basic}")
    return env


def _git(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=GIT_SECONDS, stdin=subprocess.DEVNULL)


def _said(run: subprocess.CompletedProcess) -> str:
    """The last line git wrote about a failure, cleaned (a URL or a name may come from anyone)."""
    lines = [line for line in (run.stderr or run.stdout).splitlines() if line.strip()]
    return untrusted.message(lines[-1] if lines else f"git exited with status {run.returncode}")


def check_out(repository: Repository, student: str, into: Path, deadline: datetime | None,
              env: dict[str, str], lang: str | None = None) -> Checkout:
    """Clone `repository` into `into` and check out its last commit before `deadline` (else HEAD)."""
    if into.exists():
        shutil.rmtree(into)  # a clone of an earlier run in our own folder: start again from GitHub
    into.parent.mkdir(parents=True, exist_ok=True)
    try:
        run = _git(["clone", "--quiet", "--no-checkout", "--", repository.clone_url, str(into)], env)
    except subprocess.TimeoutExpired:
        return Checkout(repository, student, problem=text("classroom.clone_failed", lang,
                                                           repository=repository.name,
                                                           reason=f"no answer within {GIT_SECONDS} s"))
    if run.returncode != 0:
        return Checkout(repository, student, problem=text("classroom.clone_failed", lang,
                                                           repository=repository.name, reason=_said(run)))
    before = [f"--before={deadline.isoformat()}"] if deadline else []
    found = _git(["rev-list", "-1", *before, "HEAD"], env, into)
    commit = found.stdout.strip() if found.returncode == 0 else ""
    if not commit:
        shutil.rmtree(into)  # nothing to grade: no folder, so no entry in the batch
        key = "classroom.no_commit_before" if deadline and found.returncode == 0 else "classroom.empty_repository"
        return Checkout(repository, student, problem=text(key, lang, repository=repository.name,
                                                          deadline=deadline.isoformat() if deadline else ""))
    checkout = _git(["-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", commit], env, into)
    if checkout.returncode != 0:
        shutil.rmtree(into, ignore_errors=True)
        return Checkout(repository, student, problem=text("classroom.clone_failed", lang,
                                                           repository=repository.name, reason=_said(checkout)))
    date = _git(["show", "-s", "--format=%cI", commit], env, into).stdout.strip()
    return Checkout(repository, student, into, commit, date)


def valid_name(name: str) -> bool:
    """A repository name GitHub could have given, safe as a folder name."""
    return bool(_NAME.match(name)) and name not in (".", "..")
