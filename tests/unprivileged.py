"""Run ``python -m manifest_core ARGS...`` as the unprivileged user ``nobody``.

File permissions do not stop root, so tests about unreadable folders run the tool through this
script. Run as root (as in CI), it imports everything the tool may need while it still can read
the interpreter's files, then drops to ``nobody`` and runs the command; run as any other user,
the permissions already apply and it runs the command as it is.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import pwd
import sys

import manifest_core

#: Standard modules the tool imports lazily, inside the commands.
LAZY = ("difflib", "heapq", "io", "json", "tokenize", "tomli_w", "encodings.ascii")


def user() -> tuple[int, int]:
    """The uid and gid the command runs as."""
    if os.geteuid() != 0:
        return os.geteuid(), os.getegid()
    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


def main() -> int:
    for info in pkgutil.walk_packages(manifest_core.__path__, "manifest_core."):
        if not info.name.endswith(".__main__"):  # that one would run the command, as root
            importlib.import_module(info.name)
    for name in LAZY:
        importlib.import_module(name)
    if os.geteuid() == 0:
        uid, gid = user()
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        assert os.geteuid() == uid != 0
    from manifest_core.cli import main as cli

    return cli(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
