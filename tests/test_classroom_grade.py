"""classroom-grade end to end without GitHub: local bare repositories, a fake API on loopback."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from autograder import course
from autograder.classroom_grade import repositories
from autograder.classroom_grade.repositories import Repository, parse_deadline, student_of

AID = "03_affine"
ORG = "course"
PREFIX = "03-affine"
TOKEN = "ghp_test_token_not_real"
DEADLINE = "2026-10-01T23:59:00+09:00"
BEFORE = "2026-09-30T12:00:00+09:00"
AFTER = "2026-10-02T09:00:00+09:00"
SOLUTION = (course.load(AID).solution_folder / "layers.py").read_text()
STUB = (course.load(AID).folder / "layers.py").read_text()


def said(text: str) -> str:
    return " ".join(text.split())


def git(*args, cwd=None, date=None):
    env = {**os.environ, "GIT_AUTHOR_NAME": "s", "GIT_AUTHOR_EMAIL": "s@example.com",
           "GIT_COMMITTER_NAME": "s", "GIT_COMMITTER_EMAIL": "s@example.com", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True)


def bare_repository(root: Path, name: str, commits: list[tuple[str, dict[str, str]]]) -> Path:
    """A bare repository `root/name.git` whose main branch holds `commits`: (date, {file: text}) in order."""
    bare = root / f"{name}.git"
    git("init", "--quiet", "--bare", "-b", "main", str(bare))
    work = root / "work" / name
    git("init", "--quiet", "-b", "main", str(work))
    for date, files in commits:
        for file, content in files.items():
            (work / file).write_text(content)
        git("add", "-A", cwd=work)
        git("commit", "--quiet", "--allow-empty", "-m", f"work of {date}", cwd=work, date=date)
    if commits:
        git("push", "--quiet", str(bare), "main", cwd=work)
    return bare


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """Six repositories of the assignment, one of another assignment, a template and a missing one."""
    root = tmp_path_factory.mktemp("github")
    repos = {
        "alice": [(BEFORE, {"layers.py": SOLUTION, "README.md": "mine"})],
        "bob": [(BEFORE, {"layers.py": STUB}), (AFTER, {"layers.py": SOLUTION})],   # late fix: not counted
        "carol": [(BEFORE, {"README.md": "I forgot the file"})],
        "erin": [(AFTER, {"layers.py": SOLUTION})],                                 # everything late
    }
    bares = {login: bare_repository(root, f"{PREFIX}-{login}", commits) for login, commits in repos.items()}
    other = bare_repository(root, "04-softmax-alice", [(BEFORE, {"layers.py": SOLUTION})])
    listing = [{"name": f"{PREFIX}-{login}", "full_name": f"{ORG}/{PREFIX}-{login}", "clone_url": str(path),
                "is_template": False} for login, path in bares.items()]
    listing += [
        {"name": f"{PREFIX}-dave", "full_name": f"{ORG}/{PREFIX}-dave", "clone_url": str(root / "gone.git")},
        {"name": "04-softmax-alice", "full_name": f"{ORG}/04-softmax-alice", "clone_url": str(other)},
        {"name": f"{PREFIX}-template", "full_name": f"{ORG}/{PREFIX}-template", "clone_url": str(other),
         "is_template": True},
    ]
    return root, listing


class FakeGitHub:
    """GitHub's REST API as far as classroom-grade uses it, on 127.0.0.1, recording every request."""

    def __init__(self, listing: list[dict], per_page_seen: list | None = None):
        self.listing, self.requests, self.issues = listing, [], {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status: int, data) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def handle_any(self, method: str) -> None:
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                fake.requests.append((method, url.path, dict(self.headers), body))
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self.answer(401, {"message": "Bad credentials"})
                parts = url.path.strip("/").split("/")
                if method == "GET" and parts[:1] == ["orgs"] and parts[2:] == ["repos"]:
                    query = parse_qs(url.query)
                    page, size = int(query["page"][0]), int(query["per_page"][0])
                    if parts[1] != ORG:
                        return self.answer(404, {"message": "Not Found"})
                    return self.answer(200, fake.listing[(page - 1) * size: page * size])
                if parts[:1] == ["repos"] and parts[3:4] == ["issues"]:
                    repo = "/".join(parts[1:3])
                    issues = fake.issues.setdefault(repo, [])
                    if method == "GET":
                        return self.answer(200, issues)
                    if method == "POST":
                        issues.append({"number": len(issues) + 1, **body})
                        return self.answer(201, issues[-1])
                    if method == "PATCH":
                        issues[int(parts[4]) - 1].update(body)
                        return self.answer(200, issues[int(parts[4]) - 1])
                return self.answer(404, {"message": "Not Found"})

            def do_GET(self):
                self.handle_any("GET")

            def do_POST(self):
                self.handle_any("POST")

            def do_PATCH(self):
                self.handle_any("PATCH")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def classroom_grade(*args, token=TOKEN):
    env = {k: v for k, v in os.environ.items() if k not in ("CLASSROOM_TOKEN", "GITHUB_API_URL")}
    if token:
        env["CLASSROOM_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "autograder", "classroom-grade", "--assignment", AID,
                           *map(str, args)], capture_output=True, text=True, timeout=600, env=env)


def rows(path: Path) -> dict[str, dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = list(csv.DictReader(handle))
    key = "student" if "student" in reader[0] else next(iter(reader[0]))
    return {row[key]: row for row in reader}


@pytest.fixture(scope="module")
def graded(classroom, tmp_path_factory):
    """One run against the fake API with --post-feedback, then a second one (nothing new to grade)."""
    root, listing = classroom
    out = tmp_path_factory.mktemp("classroom") / "out"
    with FakeGitHub(listing) as api:
        first = classroom_grade("--org", ORG, "--prefix", PREFIX, "--deadline", DEADLINE, "--out", out,
                                "--jobs", "2", "--api-url", api.url, "--post-feedback", "--lang", "en", "--quiet")
        requests_first = list(api.requests)
        second = classroom_grade("--org", ORG, "--prefix", PREFIX, "--deadline", DEADLINE, "--out", out,
                                 "--api-url", api.url, "--post-feedback", "--lang", "en", "--quiet")
        return out, first, second, requests_first, api.requests[len(requests_first):], api.issues


def test_each_students_repository_is_graded_at_its_last_commit_before_the_deadline(graded):
    out, first, *_ = graded
    assert first.returncode == 1, first.stderr  # dave's repository could not be cloned: said, not hidden
    grades = rows(out / "grades.csv")
    assert set(grades) == {"alice", "bob", "carol"}
    maximum = float(grades["alice"]["max_score"])
    assert float(grades["alice"]["score"]) == maximum > 0
    assert float(grades["bob"]["score"]) == 0      # the stub he had at the deadline, not the late fix
    assert float(grades["carol"]["score"]) == 0    # no student file: a row that says so
    table = rows(out / "repositories.csv")
    assert set(table) == {"alice", "bob", "carol", "dave", "erin"}  # 04-softmax-alice and the template: not students
    assert [table[s]["graded"] for s in ("alice", "bob", "carol", "dave", "erin")] == ["yes"] * 3 + ["no"] * 2
    assert table["bob"]["committed"].startswith("2026-09-30T12:00:00")
    assert "could not be cloned" in table["dave"]["problem"] and "no commit" in table["erin"]["problem"]
    assert "not graded" in said(first.stderr)


def test_feedback_pages_say_what_a_repository_without_the_student_file_lacks(graded):
    out = graded[0]
    assert sorted(p.name for p in (out / "feedback").glob("*.md")) == ["alice.md", "bob.md", "carol.md", "index.md"]  # and the index page
    assert "layers.py" in (out / "feedback" / "carol.md").read_text()


def test_the_token_goes_to_the_api_as_a_header_and_never_into_a_clone(graded):
    out, _, _, requests, *_ = graded
    listing = [r for r in requests if r[1] == f"/orgs/{ORG}/repos"]
    assert listing and all(r[2]["Authorization"] == f"Bearer {TOKEN}" for r in listing)
    for config in (out / "repos").glob("*/.git/config"):
        assert TOKEN not in config.read_text()


def test_posted_feedback_opens_one_issue_per_student_then_edits_it(graded):
    _, first, second, requests_first, requests_second, issues = graded
    assert second.returncode == 1, second.stderr
    assert [r[1] for r in requests_first if r[0] == "POST"] == \
        [f"/repos/{ORG}/{PREFIX}-{s}/issues" for s in ("alice", "bob", "carol")]
    assert not [r for r in requests_second if r[0] == "POST"]
    assert len([r for r in requests_second if r[0] == "PATCH"]) == 3
    for student in ("alice", "bob", "carol"):
        (issue,) = issues[f"{ORG}/{PREFIX}-{student}"]
        assert issue["title"] == f"Feedback: {AID}" and f"for {student}" in issue["body"]
    assert "Every test passed" in issues[f"{ORG}/{PREFIX}-alice"][0]["body"]


def test_a_folder_of_clones_is_graded_without_the_api_in_the_language_asked(classroom, tmp_path):
    from autograder import messages

    root, _ = classroom
    clones = tmp_path / "submissions"
    for login in ("alice", "bob", "carol"):
        git("clone", "--quiet", str(root / f"{PREFIX}-{login}.git"), str(clones / f"{PREFIX}-{login}"))
    run = classroom_grade("--repos", clones, "--prefix", PREFIX, "--out", tmp_path / "out", "--quiet",
                          "--lang", "ko", token="")
    assert run.returncode == 0, run.stderr
    grades = rows(tmp_path / "out" / "grades.csv")
    assert float(grades["bob"]["score"]) == float(grades["alice"]["score"]) > 0  # no deadline: the newest
    missing = messages.text("grade.submission.missing_file", "ko", wanted="layers.py")
    assert missing in (tmp_path / "out" / "feedback" / "carol.md").read_text()


def test_a_wrong_token_is_a_sentence_naming_the_status(classroom, tmp_path):
    with FakeGitHub(classroom[1]) as api:
        run = classroom_grade("--org", ORG, "--prefix", PREFIX, "--out", tmp_path, "--api-url", api.url,
                              "--lang", "en", token="wrong")
    assert run.returncode == 2 and "401" in run.stderr and "Traceback" not in run.stderr


def test_no_token_and_a_deadline_without_zone_are_refused_with_sentences(tmp_path):
    run = classroom_grade("--org", ORG, "--prefix", PREFIX, "--out", tmp_path, "--lang", "en", token="")
    assert run.returncode == 2 and "CLASSROOM_TOKEN" in run.stderr
    run = classroom_grade("--repos", tmp_path, "--deadline", "2026-10-01 23:59", "--lang", "en")
    assert run.returncode == 2 and "time zone" in run.stderr


@pytest.mark.parametrize("name, prefix, student", [
    ("03-affine-alice", "03-affine", "alice"), ("03-Affine-Bob-2", "03-affine", "Bob-2"),
    ("03-affine", "03-affine", None), ("04-softmax-alice", "03-affine", None), ("anything", None, "anything"),
])
def test_a_repository_maps_to_the_login_after_the_assignment_prefix(name, prefix, student):
    assert student_of(name, prefix) == student


def test_a_list_file_names_repositories_by_url_owner_name_or_path(tmp_path):
    listing = tmp_path / "repos.txt"
    listing.write_text(f"# students\nhttps://github.com/{ORG}/{PREFIX}-alice.git\n{ORG}/{PREFIX}-bob  # late\n"
                       f"{tmp_path}\n")
    assert repositories.from_list(listing) == [
        Repository(f"{PREFIX}-alice", f"https://github.com/{ORG}/{PREFIX}-alice.git", f"{ORG}/{PREFIX}-alice"),
        Repository(f"{PREFIX}-bob", f"https://github.com/{ORG}/{PREFIX}-bob.git", f"{ORG}/{PREFIX}-bob"),
        Repository(tmp_path.name, str(tmp_path), ""),
    ]


def test_the_deadline_needs_its_time_zone():
    assert parse_deadline("2026-10-01T14:59:00Z") == parse_deadline(DEADLINE)
    with pytest.raises(ValueError):
        parse_deadline("2026-10-01T23:59:00")


def test_the_token_reaches_git_for_github_only_and_not_on_a_command_line():
    env = repositories.git_environment(TOKEN)
    assert env["GIT_CONFIG_KEY_0"] == "http.https://github.com/.extraHeader"
    assert TOKEN not in env["GIT_CONFIG_VALUE_0"] and env["GIT_CONFIG_VALUE_0"].startswith("Authorization: Basic ")
    assert "GIT_CONFIG_COUNT" not in repositories.git_environment("")


def test_a_clone_whose_repository_is_gone_is_forgotten_only_in_the_commands_own_folder(tmp_path):
    from autograder.classroom_grade import CLONES_MARK, _forget_old_clones

    ours = tmp_path / "ours"
    (ours / "gone").mkdir(parents=True)
    (ours / "alice").mkdir()
    (ours / CLONES_MARK).write_text("")
    _forget_old_clones(ours, {"alice"})
    assert sorted(p.name for p in ours.iterdir()) == [CLONES_MARK, "alice"]
    theirs = tmp_path / "theirs"
    (theirs / "keep").mkdir(parents=True)
    _forget_old_clones(theirs, {"alice"})
    assert (theirs / "keep").is_dir() and (theirs / CLONES_MARK).is_file()
