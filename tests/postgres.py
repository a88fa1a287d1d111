"""A real PostgreSQL server for the gradebook tests (Debian's ``postgresql`` package).

``NNGRADE_TEST_POSTGRES_URL`` (e.g. ``postgresql://nngrade:nngrade@127.0.0.1:5432/postgres``,
as ``.ci/run`` starts it) names a server whose user may create databases. Without it, a
private throw-away server is started on loopback with Debian's ``initdb``/``pg_ctl`` (run as
the ``postgres`` user when we are root) and stopped at the end. When neither works, the
tests that need it fail with the reason: they never skip silently.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from urllib.parse import urlparse, urlunparse


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be reached or started; the message says why."""


def _run_as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


class Server:
    """A PostgreSQL server: the configured one, or a private one we started."""

    def __init__(self) -> None:
        self.tmp: str | None = None
        self.bindir: str | None = None
        url = os.environ.get("NNGRADE_TEST_POSTGRES_URL")
        self.admin_url = url or self._start_private()
        self._check()

    def _start_private(self) -> str:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise PostgresUnavailable(
                "PostgreSQL is not installed: `apt-get install -y postgresql` (or set "
                "NNGRADE_TEST_POSTGRES_URL to a server's URL)")
        self.bindir = os.path.dirname(found[-1])
        self.tmp = tempfile.mkdtemp(prefix="nngrade-pg-")
        os.chmod(self.tmp, 0o777)
        data = os.path.join(self.tmp, "data")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        result = _run_as_postgres([f"{self.bindir}/initdb", "-D", data, "-A", "trust",
                                   "-U", "postgres", "--no-sync"])
        if result.returncode:
            raise PostgresUnavailable(f"initdb failed: {result.stderr.strip()[-500:]}")
        result = _run_as_postgres(
            [f"{self.bindir}/pg_ctl", "-D", data, "-w", "-t", "60", "-l",
             os.path.join(self.tmp, "log"), "-o",
             f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 -c fsync=off",
             "start"])
        if result.returncode:
            log = open(os.path.join(self.tmp, "log")).read()[-800:] if os.path.exists(
                os.path.join(self.tmp, "log")) else ""
            raise PostgresUnavailable(f"pg_ctl start failed: {result.stderr.strip()} {log}")
        atexit.register(self.stop)
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _check(self) -> None:
        import psycopg2

        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg2.connect(self.admin_url).close()
                return
            except psycopg2.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise PostgresUnavailable(f"cannot connect to {self.admin_url}: {exc}") \
                        from None
                time.sleep(0.5)

    def new_database(self) -> str:
        """A fresh, empty database on the server; returns its URL."""
        import psycopg2

        name = f"nngrade_{uuid.uuid4().hex[:12]}"
        conn = psycopg2.connect(self.admin_url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        parts = urlparse(self.admin_url)
        return urlunparse(parts._replace(path=f"/{name}"))

    def stop(self) -> None:
        if self.tmp and self.bindir:
            _run_as_postgres([f"{self.bindir}/pg_ctl", "-D", os.path.join(self.tmp, "data"),
                              "-m", "immediate", "stop"])
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
