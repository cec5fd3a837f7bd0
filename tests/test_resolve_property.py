"""Property: whatever two branches add and however they meet, resolve loses nothing.

Hypothesis draws a base graph (one to three apps, cross-app dependencies), then migrations that
``main`` and ``feature`` each add (chains, cross-app references to each other's new migrations,
names without numbers, squashes that keep their originals), ``feature`` in one or two commits.
Real git then merges ``feature`` into ``main``, ``main`` into ``feature``, or rebases ``feature``
onto ``main`` (two-way or diff3 markers). Every time git stops, resolve runs and the developer
continues, exactly as the manifest's header tells them to. Then:

* every original operation body exists exactly once;
* no file of the merge base, and no file of ``main`` (the default branch), was modified;
* every original dependency still holds (the moved chains kept their order);
* Django's ``MigrationLoader`` loads the result with one leaf per app;
* ``check`` passes (the manifest is correct) and git has nothing left to commit.

``RESOLVE_EXAMPLES`` sets the number of examples (a quick default here; ``make bench`` style long
runs: ``RESOLVE_EXAMPLES=500 pytest tests/test_resolve_property.py``).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from conftest import Oracle, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("RESOLVE_EXAMPLES", "20"))
APPS = ("alpha", "beta", "gamma")
MANIFEST = "migrations.toml"
_counter = itertools.count()
_BODY_RE = re.compile(r"RunSQL\(\"SELECT '(op-\d+)'\"")


@dataclass
class Mig:
    app: str
    name: str
    deps: list[tuple[str, str]]
    body: str
    replaces: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Scenario:
    apps: list[str]
    base: list[Mig]
    main: list[Mig]
    feature: list[list[Mig]]  #: one list per commit
    operation: str
    style: str


def render(mig: Mig) -> str:
    deps = "".join(f"        ('{a}', '{n}'),\n" for a, n in mig.deps)
    replaces = ""
    if mig.replaces:
        items = "".join(f"        ('{a}', '{n}'),\n" for a, n in mig.replaces)
        replaces = f"    replaces = [\n{items}    ]\n\n"
    return (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n\n"
        f"{replaces}"
        f"    dependencies = [\n{deps}    ]\n\n"
        "    operations = [\n"
        f'        migrations.RunSQL("SELECT \'{mig.body}\'", reverse_sql="SELECT 1"),\n'
        "    ]\n"
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    apps = draw(st.lists(st.sampled_from(APPS), min_size=1, max_size=3, unique=True))
    bodies = itertools.count(1)
    created: list[Mig] = []
    heads: dict[str, tuple[str, int]] = {}

    def add(app: str, side: str, pool: list[Mig], heads: dict[str, tuple[str, int]]) -> Mig:
        previous, number = heads.get(app, ("", 0))
        if previous and draw(st.integers(0, 6)) == 0:
            name = f"{side}_extra_{next(bodies)}"  # a hand-named migration: no number
        else:
            number += 1
            name = f"{number:04d}_{side}_{draw(st.sampled_from(['data', 'field', 'index']))}"
        deps = [(app, previous)] if previous else []
        others = [m for m in pool if m.app != app]
        if others and draw(st.integers(0, 3)) == 0:
            target = draw(st.sampled_from(others))
            deps.append((target.app, target.name))
        mig = Mig(app, name, deps, f"op-{next(bodies)}")
        heads[app] = (name, number)
        pool.append(mig)
        return mig

    base: list[Mig] = []
    for app in apps:
        for _ in range(draw(st.integers(1, 3))):
            add(app, "base", base, heads)
    created.extend(base)
    main_heads, feature_heads = dict(heads), dict(heads)
    main: list[Mig] = []
    main_pool = list(base)
    for app in apps:
        for _ in range(draw(st.integers(0, 2))):
            main.append(add(app, "main", main_pool, main_heads))
    feature: list[list[Mig]] = [[]]
    feature_pool = list(base)
    for app in draw(st.permutations(apps)):
        for _ in range(draw(st.integers(0, 3))):
            if feature[-1] and draw(st.integers(0, 1)) == 0:
                feature.append([])
            feature[-1].append(add(app, "feat", feature_pool, feature_heads))
    # sometimes feature squashes two of its own consecutive migrations (keeping them)
    flat = [m for commit in feature for m in commit]
    chains = [
        (a, b)
        for a, b in itertools.pairwise(flat)
        if a.app == b.app
        and (a.app, a.name) in b.deps
        and a.name[:1].isdigit()
        and b.name[:1].isdigit()
    ]
    if chains and draw(st.integers(0, 3)) == 0:
        first, second = draw(st.sampled_from(chains))
        squash = Mig(
            first.app,
            f"{first.name}_squashed_{second.name}",
            list(first.deps),
            f"op-{next(bodies)}",
            replaces=[(first.app, first.name), (second.app, second.name)],
        )
        for commit in feature:
            if second in commit:
                commit.insert(commit.index(second) + 1, squash)
    feature = [commit for commit in feature if commit]
    operation = draw(st.sampled_from(["merge-into-main", "merge-into-feature", "rebase"]))
    style = draw(st.sampled_from(["merge", "diff3"]))
    return Scenario(apps, base, main, feature, operation, style)


class Repo:
    def __init__(self, root: Path, package: str) -> None:
        self.root = root
        self.package = package
        root.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "dev@example.com")
        self.git("config", "user.name", "Developer")
        self.git("config", "commit.gpgsign", "false")
        (root / ".gitignore").write_text("__pycache__/\n.migration_manifest_cache/\n")
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("")

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["git", *args], cwd=self.root, capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)}: {result.stdout}{result.stderr}")
        return result

    def folder(self, app: str) -> Path:
        return self.root / self.package / app / "migrations"

    def write(self, migs: list[Mig]) -> None:
        for mig in migs:
            folder = self.folder(mig.app)
            if not folder.exists():
                folder.mkdir(parents=True)
                (folder / "__init__.py").write_text("")
                (folder.parent / "__init__.py").write_text("")
            (folder / f"{mig.name}.py").write_text(render(mig))

    def commit(self, message: str) -> None:
        code, out, err = run_cli("--root", str(self.root), "update")
        assert code == 0, out + err
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    def in_progress(self) -> str:
        folder = self.root / ".git"
        if (folder / "MERGE_HEAD").exists():
            return "merge"
        if (folder / "rebase-merge").is_dir() or (folder / "rebase-apply").is_dir():
            return "rebase"
        return "none"

    def tree(self, ref: str) -> dict[str, str]:
        paths = self.git("ls-tree", "-r", "--name-only", ref).stdout.split()
        return {p: self.git("show", f"{ref}:{p}").stdout for p in paths}

    def files(self) -> dict[str, str]:
        return {
            p.relative_to(self.root).as_posix(): p.read_text()
            for p in self.root.rglob("*.py")
            if ".git" not in p.parts and "__pycache__" not in p.parts
        }


def resolve_until_done(repo: Repo) -> list[str]:
    """Run resolve wherever git stops, then continue, as the developer would."""
    outputs = []
    for _ in range(12):
        kind = repo.in_progress()
        if kind == "none":
            break
        unmerged = set(repo.git("diff", "--name-only", "--diff-filter=U").stdout.split())
        assert unmerged <= {MANIFEST}, unmerged
        if unmerged:
            code, out, err = run_cli("--root", str(repo.root), "resolve")
            outputs.append(out)
            assert code == 0, out + err
            assert not set(repo.git("diff", "--name-only", "--diff-filter=U").stdout.split())
        if kind == "merge":
            repo.git("commit", "-q", "--no-edit")
        else:
            repo.git("-c", "core.editor=true", "rebase", "--continue", check=False)
    assert repo.in_progress() == "none"
    # A rebase step git applied cleanly may still name a migration an earlier step renamed:
    # check reports it, and resolve repairs it (from ORIG_HEAD), as the hint says.
    code, out, _ = run_cli("--root", str(repo.root), "check")
    if code != 0:
        assert "MM110" in out, out
        code, out, err = run_cli("--root", str(repo.root), "resolve")
        outputs.append(out)
        assert code == 0, out + err
        repo.git("commit", "-q", "-am", "Repair references")
    return outputs


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario=scenarios())
def test_resolve_loses_nothing(scenario: Scenario, oracle: Oracle) -> None:
    folder = Path(tempfile.mkdtemp(prefix="resolve-property-"))
    try:
        check_scenario(scenario, folder, oracle)
    finally:
        shutil.rmtree(folder)


def check_scenario(scenario: Scenario, folder: Path, oracle: Oracle) -> None:
    package = f"rp_{os.getpid()}_{next(_counter)}"
    repo = Repo(folder / "repo", package)
    repo.git("config", "merge.conflictStyle", scenario.style)
    repo.write(scenario.base)
    repo.commit("Base")
    base_tree = repo.tree("HEAD")
    repo.git("checkout", "-q", "-b", "feature")
    for number, commit in enumerate(scenario.feature):
        repo.write(commit)
        repo.commit(f"Feature {number}")
    repo.git("checkout", "-q", "main")
    if scenario.main:
        repo.write(scenario.main)
        repo.commit("Main")
    main_tree = repo.tree("main")
    if scenario.operation == "merge-into-main":
        repo.git("merge", "--no-edit", "feature", check=False)
    elif scenario.operation == "merge-into-feature":
        repo.git("checkout", "-q", "feature")
        repo.git("merge", "--no-edit", "main", check=False)
    else:
        repo.git("checkout", "-q", "feature")
        repo.git("rebase", "main", check=False)
    outputs = resolve_until_done(repo)
    context = "\n".join(outputs)

    files = repo.files()
    # 1. every operation body exists exactly once
    originals = [*scenario.base, *scenario.main] + [
        m for commit in scenario.feature for m in commit
    ]
    found: dict[str, list[str]] = {}
    for path, text in files.items():
        for body in _BODY_RE.findall(text):
            found.setdefault(body, []).append(path)
    assert {b: len(p) for b, p in found.items()} == {m.body: 1 for m in originals}, context
    # 2. nothing of the base or of main changed
    final = repo.tree("HEAD")
    for path, text in (*base_tree.items(), *main_tree.items()):
        if path != MANIFEST:
            assert final.get(path) == text, f"{path} changed\n{context}"
    # 3. Django loads it, one leaf per app, and every original dependency still holds
    modules = {app: f"{package}.{app}.migrations" for app in scenario.apps}
    answer = oracle.load(str(repo.root), modules)
    assert "error" not in answer, f"{answer}\n{context}"
    leaf_counts = {app: len(leaves) for app, leaves in answer["leaves"].items()}
    assert leaf_counts == dict.fromkeys(scenario.apps, 1), context
    by_body = {
        body: (paths[0].split("/")[1], paths[0].rsplit("/", 1)[1][:-3])
        for body, paths in found.items()
    }
    parents = {
        tuple(key.split(".", 1)): {tuple(p) for p in value}
        for key, value in answer["nodes"].items()
    }
    replaced = {(m.app, n) for m in originals for _, n in m.replaces}

    def ancestors(key: tuple[str, ...]) -> set[tuple[str, ...]]:
        seen: set[tuple[str, ...]] = set()
        stack = [key]
        while stack:
            for parent in parents.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return seen

    for mig in originals:
        child = by_body[mig.body]
        if (mig.app, mig.name) in replaced or mig.replaces:
            continue  # squashed nodes are stood in for by their squash
        for dep in mig.deps:
            parent_mig = next(m for m in originals if (m.app, m.name) == dep)
            if dep in replaced:
                continue
            assert by_body[parent_mig.body] in ancestors(child), (mig, dep, context)
    # 4. the manifest is right and everything is committed
    code, out, _ = run_cli("--root", str(repo.root), "check")
    assert code == 0, out + context
    assert repo.git("status", "--porcelain").stdout == "", context
