"""The few GitHub REST calls hidden grading needs, with the standard library only.

    list_repositories(api, org)          GET  /orgs/{org}/repos, every page
    post_feedback(api, full_name, ...)   GET  /repos/{owner}/{repo}/issues, then PATCH or POST one issue

`api` is an `Api`: the base URL (https://api.github.com, GitHub Enterprise's
/api/v3, or a test's server on loopback) and the token. A failed call raises
GitHubError with a sentence saying what GitHub answered and what to check.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from ..messages import text

PER_PAGE = 100
TIMEOUT_SECONDS = 30
MAX_PAGES = 100          # 10,000 repositories: an organisation larger than that is not a course


class GitHubError(Exception):
    """A GitHub call failed: a sentence for the instructor."""


@dataclass(frozen=True)
class Api:
    base: str            # e.g. https://api.github.com, without a trailing slash
    token: str

    def call(self, method: str, path: str, body: dict | None = None, lang: str | None = None):
        """One request; the decoded JSON answer (None for an empty one)."""
        url = f"{self.base.rstrip('/')}{path}"
        request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("User-Agent", "autograder-classroom-grade")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
                data = answer.read()
        except urllib.error.HTTPError as exc:
            raise GitHubError(text("classroom.github.refused", lang, method=method, url=url, status=exc.code,
                                   reason=exc.reason)) from None
        except (urllib.error.URLError, OSError) as exc:
            raise GitHubError(text("classroom.github.unreachable", lang, url=url,
                                   reason=getattr(exc, "reason", exc))) from None
        try:
            return json.loads(data) if data.strip() else None
        except ValueError:
            raise GitHubError(text("classroom.github.not_json", lang, url=url)) from None


def list_repositories(api: Api, org: str, lang: str | None = None) -> list[dict]:
    """Every repository of `org` the token can see (GitHub's repository objects), page after page."""
    found: list[dict] = []
    for page in range(1, MAX_PAGES + 1):
        query = urllib.parse.urlencode({"type": "all", "per_page": PER_PAGE, "page": page})
        answer = api.call("GET", f"/orgs/{urllib.parse.quote(org)}/repos?{query}", lang=lang)
        if not isinstance(answer, list):
            raise GitHubError(text("classroom.github.not_json", lang, url=f"{api.base}/orgs/{org}/repos"))
        found += [r for r in answer if isinstance(r, dict)]
        if len(answer) < PER_PAGE:
            break
    return found


def feedback_marker(assignment: str) -> str:
    """What marks our feedback issue, so that a later run edits it instead of opening another."""
    return f"<!-- autograder-feedback:{assignment} -->"


def post_feedback(api: Api, full_name: str, assignment: str, title: str, body: str,
                  lang: str | None = None) -> str:
    """Write `body` into the repository's feedback issue for `assignment`; 'opened' or 'updated'."""
    repo = "/".join(urllib.parse.quote(part, safe="") for part in full_name.split("/", 1))
    marked = f"{feedback_marker(assignment)}\n{body}"
    issues = api.call("GET", f"/repos/{repo}/issues?state=all&per_page={PER_PAGE}", lang=lang) or []
    for issue in issues if isinstance(issues, list) else []:
        if isinstance(issue, dict) and feedback_marker(assignment) in str(issue.get("body") or "") \
                and "pull_request" not in issue:
            api.call("PATCH", f"/repos/{repo}/issues/{int(issue['number'])}", {"body": marked}, lang)
            return "updated"
    api.call("POST", f"/repos/{repo}/issues", {"title": title, "body": marked}, lang)
    return "opened"
