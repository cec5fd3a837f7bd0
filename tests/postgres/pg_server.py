"""A throwaway PostgreSQL server for the lint suite: Debian's binaries, a cluster in a temporary
directory, listening only on a unix socket there.

``initdb`` refuses to run as root: as root, the cluster belongs to the ``postgres`` user (which
Debian's package creates) and the server runs as that user (``runuser``). The major version is the
newest one installed under ``/usr/lib/postgresql``, or ``MIGRATION_MANIFEST_POSTGRES_VERSION``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Set by .ci/run: there, a missing PostgreSQL fails the suite instead of skipping it.
REQUIRED = bool(os.environ.get("MIGRATION_MANIFEST_REQUIRE_POSTGRES"))
ROOT = Path("/usr/lib/postgresql")


def find_bindir() -> Path | None:
    """The ``bin`` folder of the PostgreSQL to test against, if one is installed."""
    wanted = os.environ.get("MIGRATION_MANIFEST_POSTGRES_VERSION")
    if wanted:
        candidate = ROOT / wanted / "bin"
        return candidate if (candidate / "initdb").is_file() else None
    versions = sorted(
        (int(p.parent.parent.name), p.parent)
        for p in ROOT.glob("*/bin/initdb")
        if p.parent.parent.name.isdigit()
    )
    return versions[-1][1] if versions else None


@dataclass
class Server:
    bindir: Path
    base: Path
    #: The user the server runs as (``None``: the current user).
    user: str | None

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    @property
    def socket_dir(self) -> str:
        return str(self.base)

    @property
    def log(self) -> Path:
        return self.base / "server.log"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.log.read_text() if self.log.is_file() else ""
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}{log}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.datadir), "-A", "trust", "-U", "postgres", "--no-sync")
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.datadir), "-l", str(self.log), "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").is_file():
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.socket_dir} dbname={dbname} user=postgres"


def create_server(bindir: Path) -> Server:
    """A stopped server in a new temporary directory, owned by the user it will run as."""
    base = Path(tempfile.mkdtemp(prefix="mm-postgres-"))
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    base.chmod(0o755)
    return Server(bindir, base, user)
