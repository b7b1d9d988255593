"""dbt imported ahead of its build: the `quartiers` command starts a dbt process at its
beginning, which imports dbt (about 1.5 s, on the core the command's own imports leave
idle) and waits for one command; the build's dbt command is then handed to it.

dagster-dbt still runs dbt as it always does, a subprocess whose JSON log it reads: the
resource's executable is `quartiers-dbt` (this module's `client`), which passes its
arguments, working folder, environment and standard streams to the waiting process over a
Unix socket and returns its exit code. Without a waiting process (the UI, a schedule, a
second dbt command in the same run), `quartiers-dbt` becomes dbt itself (`exec`), as before.

- The waiting process serves one command, then exits: every command starts from a process
  that has run nothing (dbt keeps state between invocations of its Python API).
- It dies with the command that started it (Linux's parent-death signal) and is stopped when
  the command ends without using it.
- An interrupt or termination of the client is passed on to dbt; a client killed outright
  closes the socket, which interrupts dbt too.

Only the standard library at module level: the client starts in about 40 ms.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

#: the socket of a dbt process waiting for its command, in the environment of the commands
#: that may hand it theirs
SOCKET_VARIABLE = "QUARTIERS_DBT_WARM"
DBT_ENTRY = "dbt.cli.main:cli"
#: what a dbt build imports besides its command line: the DuckDB adapter
DBT_WARM = ("dbt.cli.main", "dbt.adapters.duckdb", "dbt.adapters.duckdb.impl")
_LENGTH = struct.Struct("!I")
_PR_SET_PDEATHSIG = 1


# --------------------------------------------------------------------------- the command


class WarmProcess:
    """A process that imports `modules` and waits for one command (`entry`'s arguments)."""

    def __init__(self, entry: str = DBT_ENTRY, modules: Sequence[str] = DBT_WARM) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="quartiers-warm-"))
        self.socket = self._folder / "socket"
        # listening from now on, before the process has even started: a command that comes
        # during its imports waits for them. Only the process keeps the socket open: if it
        # dies first, a client is refused and runs dbt itself.
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(str(self.socket))
            listener.listen(1)
            self.process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(listener.fileno()), str(os.getpid()), entry]
                + list(modules),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(listener.fileno(),),
                # the command's stdout is a pipe read line by line (dagster-dbt): unbuffered
                env=dict(os.environ, PYTHONUNBUFFERED="1"),
            )

    def close(self) -> None:
        """Stop it if it never got its command (a run with nothing to build), and let it
        finish if it did (the build waits for its client, which waits for it)."""
        if self.process.poll() is None and self.socket.exists():
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for path in (self.socket, self._folder):
            with contextlib.suppress(OSError):
                path.unlink() if path.is_socket() else path.rmdir()


@contextlib.contextmanager
def warm_dbt() -> Iterator[WarmProcess]:
    """A dbt process imported ahead, for the dbt commands this process starts meanwhile."""
    warm = WarmProcess()
    before = os.environ.get(SOCKET_VARIABLE)
    os.environ[SOCKET_VARIABLE] = str(warm.socket)
    try:
        yield warm
    finally:
        if before is None:
            os.environ.pop(SOCKET_VARIABLE, None)
        else:
            os.environ[SOCKET_VARIABLE] = before
        warm.close()


# --------------------------------------------------------------------------- the client


def client(argv: Sequence[str] | None = None) -> int:
    """`quartiers-dbt ARGS`: dbt ARGS, run by the waiting process when there is one."""
    args = list(sys.argv[1:] if argv is None else argv)
    path = os.environ.get(SOCKET_VARIABLE)
    conn = None
    if path:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(path)
        except OSError:  # none waiting, or already taken by another command
            conn.close()
            conn = None
    if conn is None:
        return _exec_dbt(args)
    return _handed(conn, args)


def _exec_dbt(args: list[str]) -> int:
    """Become the project's dbt (beside this interpreter)."""
    dbt = str(Path(sys.executable).with_name("dbt"))
    os.execv(dbt, [dbt, *args])
    return 1  # not reached


def _handed(conn: socket.socket, args: list[str]) -> int:
    env = {k: v for k, v in os.environ.items() if k != SOCKET_VARIABLE}
    payload = json.dumps({"args": args, "cwd": os.getcwd(), "env": env}).encode()
    socket.send_fds(conn, [_LENGTH.pack(len(payload))], [0, 1, 2])
    conn.sendall(payload)
    reader = conn.makefile("rb")
    try:
        pid = int(reader.readline() or 0)
    except OSError:
        pid = 0
    if not pid:  # it died before taking the command (its imports failed): dbt itself
        return _exec_dbt(args)

    def forward(signum, _frame):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    code = reader.readline()
    if not code:  # the process died without saying how it ended
        print("quartiers-dbt : le processus dbt s'est arrêté sans code de sortie", file=sys.stderr)
        return 1
    return int(code)


# --------------------------------------------------------------------------- the waiting process


def _die_with_parent(parent: int) -> None:
    """Linux: killed when the command that started this process dies, even by SIGKILL (and
    at once if it died before this process could ask)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    head, fds, _, _ = socket.recv_fds(conn, _LENGTH.size, 3)
    (length,) = _LENGTH.unpack(head)
    payload = b""
    while len(payload) < length:
        chunk = conn.recv(length - len(payload))
        if not chunk:
            raise ConnectionError("client gone")
        payload += chunk
    return json.loads(payload), fds


def _interrupt_when_gone(conn: socket.socket, done: threading.Event) -> None:
    """The client holds the socket open until it has the exit code: its end before (even
    killed outright) interrupts the command, as a Ctrl-C would."""
    with contextlib.suppress(OSError):
        while conn.recv(1):
            pass
    if done.is_set():
        return
    os.kill(os.getpid(), signal.SIGINT)
    threading.Timer(30, os._exit, (1,)).start()


def _load(entry: str) -> Callable[..., object]:
    module, name = entry.split(":")
    return getattr(importlib.import_module(module), name)


def serve(listening: int, parent: int, entry: str, modules: Sequence[str]) -> int:
    _die_with_parent(parent)
    listener = socket.socket(fileno=listening)
    for name in modules:
        importlib.import_module(name)
    main = _load(entry)
    conn, _ = listener.accept()
    # one command: the next client finds none and runs dbt itself
    os.unlink(listener.getsockname())
    listener.close()
    try:
        request, fds = _receive(conn)
    except (OSError, ValueError):
        return 1
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["dbt", *request["args"]]
    conn.sendall(f"{os.getpid()}\n".encode())
    done = threading.Event()
    threading.Thread(target=_interrupt_when_gone, args=(conn, done), daemon=True).start()
    try:
        main(request["args"], prog_name="dbt")  # click: ends with SystemExit
        code = 0
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # noqa: BLE001 - reported on stderr as dbt would, then the code
        import traceback

        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    done.set()
    with contextlib.suppress(OSError):
        conn.sendall(f"{code}\n".encode())
    return code


if __name__ == "__main__":
    # not through `sys.exit`: dbt's own threads (its thread pool, the watcher) must not
    # delay the exit code once it is sent
    os._exit(serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]))
