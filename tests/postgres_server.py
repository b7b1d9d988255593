"""A throwaway PostgreSQL server for the tests: the distribution's binaries (`make postgres`
installs Debian's `postgresql`), a cluster in a temporary folder, TCP on 127.0.0.1 and a free
port, trust authentication, stopped and removed afterwards.

`initdb` refuses to run as root: as root (CI, these machines) the server runs as the
`postgres` system user that Debian's package creates, in a folder owned by it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

USER = "quartiers"  # the cluster's superuser (trust authentication, local only)


def find_bindir() -> Path | None:
    """Where initdb, pg_ctl and postgres are: QUARTIERS_PG_BINDIR, Debian's newest version,
    or PATH."""
    candidates = [os.environ.get("QUARTIERS_PG_BINDIR")]
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += [str(p) for p in debian]
    on_path = shutil.which("initdb")
    candidates.append(str(Path(on_path).parent) if on_path else None)
    for c in candidates:
        if c and all((Path(c) / b).is_file() for b in ("initdb", "pg_ctl", "postgres")):
            return Path(c)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.getuid() == 0 else argv


@contextlib.contextmanager
def postgres_server(bindir: Path, database: str = "dagster") -> Iterator[str]:
    """Start a server, create `database`, yield its URL; stop the server and remove its
    folder on exit."""
    root = Path(tempfile.mkdtemp(prefix="quartiers-pg-"))
    if os.getuid() == 0:
        pw = pwd.getpwnam("postgres")  # KeyError: the postgresql package is not installed
        os.chown(root, pw.pw_uid, pw.pw_gid)
    data, log, port = root / "data", root / "server.log", _free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        _run(
            [str(bindir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8"]
            + ["--locale=C", "--no-sync"],
            log,
        )
        # -w: pg_ctl itself waits until the server accepts connections
        _run(
            [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w"]
            + ["-t", "60", "start"],
            log,
        )
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        import psycopg2

        con = psycopg2.connect(host="127.0.0.1", port=port, user=USER, dbname="postgres")
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{database}"')
        con.close()
        yield f"postgresql+psycopg2://{USER}@127.0.0.1:{port}/{database}"
    finally:
        _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], log, check=False)
        shutil.rmtree(root, ignore_errors=True)


def _run(argv: list[str], log: Path, check: bool = True) -> None:
    out = subprocess.run(_as_server_user(argv), capture_output=True, text=True, timeout=120)
    if check and out.returncode != 0:
        server_log = log.read_text(errors="replace") if log.exists() else ""
        raise RuntimeError(
            f"{Path(argv[0]).name} failed ({out.returncode}): {out.stderr[-2000:]}{server_log[-2000:]}"
        )
