"""The GitHub Action (``action.yml``): ``check`` and ``lint`` with annotations and a job summary.

Run by the action as ``python -m manifest_core.github_action`` in the checked-out repository.
It reads what GitHub sets (``GITHUB_EVENT_NAME``, ``GITHUB_BASE_REF``, ``GITHUB_EVENT_PATH``,
``GITHUB_STEP_SUMMARY``) and the action's inputs (``INPUT_ROOT``, ``INPUT_LINT``,
``INPUT_LINT_SINCE``), then:

1. ``check --format github``: annotations on the lines at fault;
2. on a pull request, ``lint --since <the pull request's base> --format github`` (elsewhere, lint's
   own default: the migrations not on the default branch);
3. appends a short Markdown summary to the job's page: which apps are stale or conflicted, the
   lint findings, and the command that fixes each.

The exit code is the worst of the two commands' (0 clean, 1 findings, 2 usage or configuration
error, 3 internal error).
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from .cli import main as cli_main

#: Problems that ``update`` fixes, and problems that only ``resolve`` fixes.
STALE_CODES = frozenset({"MM001", "MM005", "MM006", "MM007", "MM008"})
CONFLICT_CODES = frozenset({"MM002", "MM009"})
PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})
TOOL = "python -m manifest_core"


class ActionError(Exception):
    """The action cannot run as configured: exit code 2."""


@dataclass(frozen=True)
class Run:
    """One command's result: exit code, output and error output."""

    code: int
    out: str
    err: str

    def data(self) -> dict[str, Any] | None:
        if self.code not in (0, 1) or not self.out.strip():
            return None
        try:
            parsed: dict[str, Any] = json.loads(self.out)
        except ValueError:
            return None
        return parsed


def run(args: Sequence[str]) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = cli_main(list(args), out=out, err=err)
    return Run(code, out.getvalue(), err.getvalue())


def _flag(value: str | None, name: str, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "1", "on"):
        return True
    if lowered in ("false", "no", "0", "off"):
        return False
    raise ActionError(f"input {name}: {value!r} is neither true nor false")


def pull_request_base(env: Mapping[str, str], root: str) -> str | None:
    """The commit a pull request's new migrations are counted from, or None outside one."""
    from . import gitinfo

    if env.get("GITHUB_EVENT_NAME", "") not in PULL_REQUEST_EVENTS:
        return None
    candidates = []
    base = env.get("GITHUB_BASE_REF", "")
    if base:
        candidates += [f"origin/{base}", base]
    event_path = env.get("GITHUB_EVENT_PATH", "")
    if event_path and os.path.isfile(event_path):
        with open(event_path, encoding="utf-8") as handle:
            event = json.load(handle)
        sha = (event.get("pull_request") or {}).get("base", {}).get("sha")
        if isinstance(sha, str) and sha:
            candidates.append(sha)
    for candidate in candidates:
        if gitinfo.resolve_ref(root, candidate) is not None:
            return candidate
    named = " or ".join(candidates) or "(GITHUB_BASE_REF is not set)"
    raise ActionError(
        f"lint: the pull request's base {named} is not in this checkout. Fetch the history: "
        "`fetch-depth: 0` on actions/checkout (or set the action's lint-since input)"
    )


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _app_rows(problems: list[dict[str, Any]]) -> list[str]:
    rows = ["| App | Problem |", "| --- | --- |"]
    for problem in problems:
        app = f"`{problem['app']}`" if problem.get("app") else "-"
        where = f"{problem['path']}:{problem['line']}"
        rows.append(
            f"| {app} | {problem['code']} {problem['name']}: {_cell(problem['message'])} "
            f"(`{where}`) |"
        )
    return rows


def check_summary(result: Run) -> list[str]:
    data = result.data()
    if data is None:
        return [f"**`check` could not run** (exit code {result.code}):", "", _fenced(result.err)]
    problems: list[dict[str, Any]] = data["problems"]
    if data["ok"] and not problems:
        return ["**migrations.toml** is up to date."]
    lines: list[str] = []
    conflicted = [p for p in problems if p["code"] in CONFLICT_CODES]
    stale = [p for p in problems if p["code"] in STALE_CODES]
    other = [p for p in problems if p not in conflicted and p not in stale]
    if conflicted:
        apps = sorted({p["app"] for p in conflicted if p.get("app")})
        named = ", ".join(f"`{a}`" for a in apps) if apps else "migrations.toml"
        lines += [
            f"**Migration conflict** in {named}: two branches added migrations to one app.",
            "",
            *_app_rows(conflicted),
            "",
            f"Run `{TOOL} resolve` in a checkout of this branch, then commit the result.",
            "",
        ]
    if stale:
        apps = sorted({p["app"] for p in stale if p.get("app")})
        named = f" for {', '.join(f'`{a}`' for a in apps)}" if apps else ""
        lines += [
            f"**migrations.toml is out of date**{named}.",
            "",
            *_app_rows(stale),
            "",
            f"Run `{TOOL} update` and commit migrations.toml.",
            "",
        ]
    if other:
        verdict = "Problems" if not data["ok"] else "Warnings"
        lines += [f"**{verdict} in the migrations:**", "", *_app_rows(other), ""]
    return lines[:-1] if lines and lines[-1] == "" else lines


def lint_summary(result: Run, since: str | None) -> list[str]:
    data = result.data()
    if data is None:
        return [f"**`lint` could not run** (exit code {result.code}):", "", _fenced(result.err)]
    counts = data["summary"]
    baseline = since or data.get("baseline")
    scope = f"new since `{baseline}`" if baseline else "linted"
    migrations = counts["migrations"]
    noun = "migration" if migrations == 1 else "migrations"
    findings: list[dict[str, Any]] = data["findings"]
    if not findings and not migrations:
        return [f"**lint**: no migration is {scope}." if baseline else "**lint**: nothing to lint."]
    if not findings:
        return [f"**lint**: no unsafe operation in the {migrations} {noun} {scope}."]
    verdict = "fails" if not data["ok"] else "passes, with findings"
    counted = [
        f"{counts[key]} {noun}{'' if counts[key] == 1 else 's'}"
        for key, noun in (("errors", "error"), ("warnings", "warning"), ("notes", "note"))
        if counts[key]
    ]
    lines = [
        f"**lint {verdict}**: {', '.join(counted)} in the {migrations} {noun} {scope}.",
        "",
        "| Migration | Rule | Finding |",
        "| --- | --- | --- |",
    ]
    for finding in findings:
        rule = f"[{finding['code']} {finding['name']}]({finding['url']})"
        lines.append(
            f"| `{finding['path']}:{finding['line']}` | {rule} | {finding['severity']}: "
            f"{_cell(finding['message'])} |"
        )
    lines += [
        "",
        f"Each rule's page gives the safe alternative; `{TOOL} lint --fix` applies the "
        "mechanical ones. A reviewed exception takes a "
        "`# migration-manifest: ignore[<rule>] -- <reason>` comment.",
    ]
    return lines


def _fenced(text: str) -> str:
    return "```\n" + (text.strip() or "(no output)") + "\n```"


def action(env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    root = env.get("INPUT_ROOT", "").strip()
    common = ["--root", root] if root else []
    lint = _flag(env.get("INPUT_LINT"), "lint", True)

    def annotate(args: list[str]) -> Run:
        result = run([*common, "--format", "github", *args])
        out.write(result.out)
        err.write(result.err)
        return result

    check = annotate(["check"])
    check_data = run([*common, "--format", "json", "check"]) if check.code in (0, 1) else check
    summary = ["### django-migration-manifest", "", *check_summary(check_data)]
    codes = [check.code]
    if lint:
        since = env.get("INPUT_LINT_SINCE", "").strip() or pull_request_base(
            env, os.path.abspath(root or ".")
        )
        args = ["lint", *(["--since", since] if since else [])]
        linted = annotate(args)
        lint_data = run([*common, "--format", "json", *args]) if linted.code in (0, 1) else linted
        summary += ["", *lint_summary(lint_data, since)]
        codes.append(linted.code)
    summary_path = env.get("GITHUB_STEP_SUMMARY", "")
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write("\n".join(summary) + "\n")
    return max(codes)


def main(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    try:
        return action(env, sys.stdout, sys.stderr)
    except ActionError as exc:
        print(f"::error title=django-migration-manifest::{exc}")
        if env.get("GITHUB_STEP_SUMMARY"):
            with open(env["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as handle:
                handle.write(
                    f"### django-migration-manifest\n\n**The action could not run**: {exc}\n"
                )
        return 2


if __name__ == "__main__":
    sys.exit(main())
