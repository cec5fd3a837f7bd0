"""Random multi-app migration repositories for property tests, rendered as real files.

A repository is a list of :class:`Spec`: one per migration, with its dependencies, replaces,
run_before and the source form it is written in. :func:`repos` draws them with hypothesis, covering
chains, merges, squashes with and without their originals on disk, a squash of a (transitioned)
squash, cross-app ``replaces``, ``run_before``, ``__first__``/``__latest__``, swappable
dependencies, names without a number, missing nodes, and list/tuple/annotated/subclass forms.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from hypothesis import strategies as st

LABELS = ("alpha", "beta", "gamma", "auth")
FORMS = ("list", "tuple", "annotated", "subclass", "makemigrations")
SWAPPABLE = ("__setting__", "AUTH_USER_MODEL")


@dataclass
class Spec:
    app: str
    name: str
    dependencies: list[tuple[str, str]] = field(default_factory=list)
    replaces: list[tuple[str, str]] = field(default_factory=list)
    run_before: list[tuple[str, str]] = field(default_factory=list)
    initial: bool | None = None
    form: str = "makemigrations"
    on_disk: bool = True


@dataclass
class Repo:
    specs: list[Spec]
    auth_user_model: str = "auth.User"

    def apps(self) -> list[str]:
        return sorted({s.app for s in self.specs if s.on_disk})


def _pair(app: str, name: str) -> str:
    return f"({app!r}, {name!r})"


def _items(refs: list[tuple[str, str]]) -> list[str]:
    items = []
    for app, name in refs:
        if (app, name) == SWAPPABLE:
            items.append("migrations.swappable_dependency(settings.AUTH_USER_MODEL)")
        else:
            items.append(_pair(app, name))
    return items


def render(spec: Spec) -> str:
    """Python source for a migration, in the spec's form."""
    lines = ["from django.conf import settings", "from django.db import migrations", "", ""]
    base = "migrations.Migration"
    if spec.form == "subclass":
        lines += ["class CheckedMigration(migrations.Migration):", "    checked = True", "", ""]
        base = "CheckedMigration"
    lines.append(f"class Migration({base}):")
    attrs: list[tuple[str, list[tuple[str, str]]]] = [
        ("replaces", spec.replaces),
        ("dependencies", spec.dependencies),
        ("run_before", spec.run_before),
    ]
    if spec.initial is not None:
        lines.append(f"    initial = {spec.initial}")
    for attr, refs in attrs:
        if not refs and attr != "dependencies":
            continue
        items = _items(refs)
        if spec.form == "tuple":
            inner = ", ".join(items) + ("," if len(items) == 1 else "")
            lines.append(f"    {attr} = ({inner})")
        elif spec.form == "annotated":
            lines.append(f"    {attr}: list[tuple[str, str]] = [{', '.join(items)}]")
        else:
            lines.append(f"    {attr} = [")
            lines += [f"        {item}," for item in items]
            lines.append("    ]")
    lines += [
        "",
        "    operations = [",
        "        migrations.RunPython(migrations.RunPython.noop),",
        "    ]",
        "",
    ]
    return "\n".join(lines)


def write_repo(repo: Repo, root: str, package: str) -> dict[str, str]:
    """Write ``repo`` under ``root/package``; return ``{label: migrations module}`` for Django."""
    os.makedirs(os.path.join(root, package), exist_ok=True)
    with open(os.path.join(root, package, "__init__.py"), "w") as handle:
        handle.write("")
    modules = {}
    for label in repo.apps():
        folder = os.path.join(root, package, label, "migrations")
        os.makedirs(folder, exist_ok=True)
        for init in (
            os.path.join(root, package, label, "__init__.py"),
            os.path.join(folder, "__init__.py"),
        ):
            with open(init, "w") as handle:
                handle.write("")
        modules[label] = f"{package}.{label}.migrations"
    for spec in repo.specs:
        if spec.on_disk:
            path = os.path.join(root, package, spec.app, "migrations", f"{spec.name}.py")
            with open(path, "w") as handle:
                handle.write(render(spec))
    if repo.auth_user_model != "auth.User":
        with open(os.path.join(root, package, "pyproject.toml"), "w") as handle:
            handle.write(
                "[tool.django-migration-manifest.swappable]\n"
                f"AUTH_USER_MODEL = {repo.auth_user_model!r}\n"
            )
    return modules


_WORDS = ("initial", "add_field", "alter_name", "remove_x", "data", "merge")


@st.composite
def _names(draw: st.DrawFn, count: int) -> list[str]:
    names: list[str] = []
    for number in range(1, count + 1):
        word = draw(st.sampled_from(_WORDS))
        numbered = draw(st.integers(0, 9)) != 0  # one name in ten has no number prefix
        names.append(f"{number:04d}_{word}" if numbered else f"{word}_{number}")
    return names


@st.composite
def repos(draw: st.DrawFn, *, allow_errors: bool = True) -> Repo:
    apps = draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=4, unique=True))
    specs: dict[tuple[str, str], Spec] = {}
    order: dict[str, list[str]] = {}
    for app in apps:
        count = draw(st.integers(1, 6))
        names = draw(_names(count))
        order[app] = names
        for index, name in enumerate(names):
            spec = Spec(app, name, form=draw(st.sampled_from(FORMS)))
            if index == 0:
                spec.initial = draw(st.sampled_from([True, None]))
            else:
                parents = draw(
                    st.lists(st.sampled_from(names[:index]), min_size=1, max_size=2, unique=True)
                )
                spec.dependencies += [(app, p) for p in parents]
                spec.initial = draw(st.sampled_from([None, None, False]))
            specs[(app, name)] = spec
    all_keys = list(specs)
    auth_user_model = "auth.User"
    if draw(st.booleans()):
        auth_user_model = f"{draw(st.sampled_from(apps))}.User"
    # cross-app dependencies, swappable dependencies, run_before
    for key, spec in list(specs.items()):
        choice = draw(st.integers(0, 9))
        others = [k for k in all_keys if k[0] != key[0]]
        if choice <= 2 and others:
            other = draw(st.sampled_from(others))
            name = draw(st.sampled_from([other[1], other[1], "__first__", "__latest__"]))
            spec.dependencies.append((other[0], name))
        elif choice == 3 and auth_user_model.split(".")[0] in apps:
            spec.dependencies.append(SWAPPABLE)
        elif choice == 4 and others:
            spec.run_before.append(draw(st.sampled_from(others)))
        elif choice == 5 and allow_errors and draw(st.integers(0, 3)) == 0:
            spec.dependencies.append((key[0], "9999_missing"))
    # squashes
    for app in apps:
        names = order[app]
        if len(names) < 2 or draw(st.integers(0, 2)) != 0:
            continue
        start = draw(st.integers(0, len(names) - 2))
        end = draw(st.integers(start + 1, len(names) - 1))
        replaced = names[start : end + 1]
        first = specs[(app, replaced[0])]
        squash_name = f"{start + 1:04d}_squashed_{end + 1:04d}_{draw(st.sampled_from(_WORDS))}"
        if (app, squash_name) in specs:
            continue
        external = [d for d in first.dependencies if d[0] != app or d[1] not in replaced]
        squash = Spec(
            app,
            squash_name,
            dependencies=external,
            replaces=[(app, n) for n in replaced],
            form=draw(st.sampled_from(FORMS)),
            initial=first.initial,
        )
        specs[(app, squash_name)] = squash
        if draw(st.booleans()):  # the originals were deleted after deploying the squash
            for name in replaced:
                specs[(app, name)].on_disk = False
            if draw(st.booleans()) and end + 1 < len(names):
                # a squash of a squash: the first one was transitioned to a normal migration
                squash.replaces = []
                later = names[end + 1 : end + 1 + draw(st.integers(1, len(names) - end - 1))]
                outer = Spec(
                    app,
                    f"{start + 1:04d}_squashed_{end + 1 + len(later):04d}_again",
                    dependencies=list(squash.dependencies),
                    replaces=[(app, squash_name)] + [(app, n) for n in later],
                    form=draw(st.sampled_from(FORMS)),
                )
                if (app, outer.name) not in specs:
                    specs[(app, outer.name)] = outer
    # a cross-app replaces: one app's migration stands in for another app's node
    if len(apps) >= 2 and draw(st.integers(0, 4)) == 0:
        source, target = draw(st.lists(st.sampled_from(apps), min_size=2, max_size=2, unique=True))
        candidates = [k for k, s in specs.items() if k[0] == target and s.on_disk]
        if candidates:
            victim = draw(st.sampled_from(candidates))
            specs[(source, f"cross_{target}_replacement")] = Spec(
                source,
                f"cross_{target}_replacement",
                dependencies=[d for d in specs[victim].dependencies if d[0] != source],
                replaces=[victim],
                form=draw(st.sampled_from(FORMS)),
            )
    return Repo(specs=list(specs.values()), auth_user_model=auth_user_model)
