"""A throwaway PostgreSQL cluster on loopback for tests (Debian's server binaries).

    with ThrowawayPostgres() as pg:
        url = pg.url                    # postgresql+psycopg://postgres@127.0.0.1:PORT/coach
        fresh = pg.create_schema("t1")  # the same database, seen through a new empty schema

The cluster lives in a temporary directory, listens only on 127.0.0.1 (and a Unix socket
in that directory), trusts local connections, runs with fsync off (its data is thrown
away) and is stopped and deleted on exit. As root, the server programs run as the
``postgres`` user, because initdb and postgres refuse to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

INSTALL_HINT = "apt-get update && apt-get install -y postgresql"
POSTGRES_WANTED = os.environ.get("COACH_TEST_POSTGRES") == "1"
# Without COACH_TEST_POSTGRES=1 the postgres variants are not generated at all; one skipped
# test says how to turn them on, instead of a skip line per test.
BACKENDS = ["sqlite", *([pytest.param("postgres", marks=pytest.mark.postgres)] if POSTGRES_WANTED else [])]
DB_NAME = "coach"
_START_ATTEMPTS = 3


class PostgresNotInstalled(RuntimeError):
    pass


class PostgresFailed(RuntimeError):
    pass


def find_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL server's bin directory, or one on PATH."""
    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parent.parent.name  # /usr/lib/postgresql/<version>/bin/initdb
        return tuple(int(p) for p in name.split(".") if p.isdigit())

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayPostgres:
    def __init__(self) -> None:
        bin_dir = find_bin_dir()
        if bin_dir is None or not (bin_dir / "pg_ctl").exists():
            raise PostgresNotInstalled(
                "COACH_TEST_POSTGRES=1 but the PostgreSQL server is not installed "
                f"(no /usr/lib/postgresql/*/bin/initdb). Install the Debian package 'postgresql': {INSTALL_HINT}"
            )
        try:
            import psycopg  # noqa: F401
        except ModuleNotFoundError as exc:
            raise PostgresNotInstalled(
                "COACH_TEST_POSTGRES=1 but the psycopg driver is missing: "
                "pip install -e '.[test,postgres]'"
            ) from exc
        self.bin = bin_dir
        self.as_user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresNotInstalled(
                    "Running as root needs the 'postgres' system user that the Debian package "
                    f"creates: {INSTALL_HINT}"
                ) from exc
            self.as_user = "postgres"
        self.port = 0
        self.base: Path | None = None
        self._running = False

    # --- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> ThrowawayPostgres:
        # Not under pytest's tmp_path: its parents are private to root, and the server runs
        # as 'postgres' and must be able to reach its own directory.
        self.base = Path(tempfile.mkdtemp(prefix="coach-pg-"))
        if self.as_user:
            shutil.chown(self.base, user=self.as_user, group=self.as_user)
        try:
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                      "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
            self.sockets.mkdir()
            if self.as_user:
                shutil.chown(self.sockets, user=self.as_user, group=self.as_user)
            self._start_server()
            self._admin(f'CREATE DATABASE "{DB_NAME}"')
        except BaseException:
            self.stop()
            raise
        return self

    def _start_server(self) -> None:
        # The free port may be taken between our probe and the server's bind: try again.
        for _attempt in range(_START_ATTEMPTS):
            self.port = _free_port()
            options = " ".join([
                "-c listen_addresses=127.0.0.1", f"-p {self.port}", f"-k {self.sockets}",
                "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
            ])
            result = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w",
                               "-t", "30", "-o", options, "start", check=False)
            if result.returncode == 0:
                self._running = True
                return
        raise PostgresFailed(f"PostgreSQL did not start:\n{result.stdout}{result.stderr}\n{self._log_tail()}")

    def stop(self) -> None:
        if self._running:
            result = self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30",
                               "stop", check=False)
            if result.returncode != 0:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
            self._running = False
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    # --- use -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.url_for(DB_NAME)

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_schema(self, name: str) -> str:
        """A URL whose connections see only a new, empty schema of the coach database.

        One schema per test instead of one database: a database costs ~8 MB of files, and
        deleting a few dozen of them at the end took longer than the tests themselves.
        """
        if not name.replace("_", "").isalnum():
            raise ValueError(f"unsafe schema name {name!r}")
        self._admin(f'CREATE SCHEMA "{name}"', database=DB_NAME)
        return f"{self.url}?options=-csearch_path%3D{name}"

    # --- helpers -------------------------------------------------------------------------

    @property
    def data(self) -> Path:
        assert self.base is not None, "the cluster has not been started"
        return self.base / "data"

    @property
    def sockets(self) -> Path:
        assert self.base is not None, "the cluster has not been started"
        return self.base / "sockets"

    @property
    def log(self) -> Path:
        assert self.base is not None, "the cluster has not been started"
        return self.base / "server.log"

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no server log)"

    def _admin(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                             dbname=database, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / program), *args]
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        # stdin from /dev/null and a fixed locale so nothing waits on or depends on the caller.
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                text=True, env=env, cwd=self.base, timeout=120)
        if check and result.returncode != 0:
            raise PostgresFailed(
                f"{program} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )
        return result
