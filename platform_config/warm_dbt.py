"""dbt imported and the project parsed ahead of its build: once the `quartiers` command knows
a build will follow (new files in the inbox, a withdrawal, `--force`), it starts a dbt
process, which imports dbt (about 1.5 s, on the core the command's own work leaves idle),
parses the project for the command's warehouse (0.7 s from the warehouse's parse state, 3 s
for a new warehouse) and waits for one command; the build's dbt command is then handed to
it.

dagster-dbt still runs dbt as it always does, a subprocess whose JSON log it reads: the
resource's executable is `quartiers-dbt` (this module's `client`), which passes its
arguments, working folder, environment and standard streams to the waiting process over a
Unix socket and returns its exit code. Without a waiting process (the UI, a schedule, a
second dbt command in the same run), `quartiers-dbt` becomes dbt itself (`exec`), as before.

- The waiting process serves one command, then exits: the parse is the only dbt invocation
  before it (dbt resets its adapters at each invocation).
- The parse is used for a `build` on the same warehouse whose project files are unchanged
  since (dbt's programmatic API takes a parsed manifest: `dbtRunner(manifest=...)`); its
  manifest and parse state are copied into the command's target folder, as the command
  would have written them. Any other command parses as usual.
- It dies with the command that started it (Linux's parent-death signal) and is stopped when
  the command ends without using it.
- An interrupt or termination of the client is passed on to dbt; a client killed outright
  closes the socket, which interrupts dbt too.

Only the standard library at module level: the client starts in about 40 ms.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import gc
import hashlib
import importlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_config.scratch import owned_folder

#: the socket of a dbt process waiting for its command, in the environment of the commands
#: that may hand it theirs
SOCKET_VARIABLE = "QUARTIERS_DBT_WARM"
WAREHOUSE_VARIABLE = "QUARTIERS_WAREHOUSE"  # the warehouse profiles.yml points dbt to
DBT_ENTRY = f"{__name__}:run_dbt"
DBT_PREPARE = f"{__name__}:parse_ahead"
#: what a dbt build imports besides its command line: the DuckDB adapter
DBT_WARM = ("dbt.cli.main", "dbt.adapters.duckdb", "dbt.adapters.duckdb.impl")
PARSE_STATE = "partial_parse.msgpack"
#: what a parse writes that a command's target folder holds
PARSE_ARTIFACTS = ("manifest.json", "semantic_manifest.json", PARSE_STATE)
FOLDER_PREFIX = "quartiers-warm-"  # + the command's pid: the socket, the parse's files
_LENGTH = struct.Struct("!I")
_PR_SET_PDEATHSIG = 1


def parse_state_path(project_dir: Path, warehouse: str) -> Path:
    """Where the parse state of the commands on `warehouse` is kept (`platform_config.dbt_cli`):
    dbt reparses the whole project when the profile, which holds the path, differs."""
    key = hashlib.sha256(warehouse.encode()).hexdigest()[:16]
    return Path(project_dir) / "target" / "parse_state" / f"{key}.msgpack"


@dataclass(frozen=True)
class Ahead:
    """What the coming build will run on: the dbt project and the warehouse."""

    project_dir: Path
    warehouse: Path


# --------------------------------------------------------------------------- the command


class WarmProcess:
    """A process that imports `modules`, makes `prepare(ahead)` and waits for one command:
    `entry(args, prepared)` returns its exit code."""

    def __init__(
        self,
        entry: str = DBT_ENTRY,
        modules: Sequence[str] = DBT_WARM,
        prepare: str = "",
        ahead: dict | None = None,
    ) -> None:
        # named after this process: a command killed outright leaves its folder behind, for
        # the next one to remove
        self._folder = owned_folder(FOLDER_PREFIX)
        self.socket = self._folder / "socket"
        try:
            self._start(entry, modules, prepare, ahead)
        except OSError:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise

    def _start(self, entry: str, modules: Sequence[str], prepare: str, ahead: dict | None) -> None:
        # what `prepare` writes goes in this process's folder, removed with it
        ahead = dict(ahead or {}, scratch=str(self._folder / "prepared"))
        # listening from now on, before the process has even started: a command that comes
        # during its imports waits for them. Only the process keeps the socket open: if it
        # dies first, a client is refused and runs dbt itself.
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(str(self.socket))
            listener.listen(1)
            self.process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(listener.fileno()), str(os.getpid())]
                + [entry, prepare, json.dumps(ahead), *modules],
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
        shutil.rmtree(self._folder, ignore_errors=True)


#: the waiting process of this command, by what it parsed
_open: dict[Ahead, WarmProcess] = {}


@contextlib.contextmanager
def warm_dbt(ahead: Ahead | None = None) -> Iterator[WarmProcess | None]:
    """A dbt process imported ahead, for the dbt commands this process starts meanwhile; with
    `ahead`, the project parsed too (the process this command already started for the same
    `ahead`, when there is one: whoever started it stops it). None when it cannot be started
    (a temporary folder whose path is too long for a socket, no Unix sockets): dbt then runs
    as usual."""
    if ahead is not None and ahead in _open:  # started earlier by this command: used as is
        yield _open[ahead]
        return
    try:
        warm = WarmProcess(
            prepare=DBT_PREPARE if ahead else "",
            ahead={"project": str(ahead.project_dir), "warehouse": str(ahead.warehouse)}
            if ahead
            else None,
        )
    except OSError:
        yield None
        return
    before = os.environ.get(SOCKET_VARIABLE)
    os.environ[SOCKET_VARIABLE] = str(warm.socket)
    if ahead is not None:
        _open[ahead] = warm
    try:
        yield warm
    finally:
        if ahead is not None:
            _open.pop(ahead, None)
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


def _load(entry: str) -> Callable[..., Any]:
    module, name = entry.split(":")
    return getattr(importlib.import_module(module), name)


def serve(
    listening: int, parent: int, entry: str, prepare: str, ahead: str, modules: Sequence[str]
) -> int:
    _die_with_parent(parent)
    listener = socket.socket(fileno=listening)
    # dbt's imports, its parse and its build allocate millions of objects that mostly live
    # until the end: the default thresholds walk them again and again (≈ 1.5 of a national
    # build's 17 CPU-seconds)
    from platform_config.workers import BATCH_GC_THRESHOLD

    gc.set_threshold(*BATCH_GC_THRESHOLD)
    for name in modules:
        importlib.import_module(name)
    main = _load(entry)
    prepared = None
    if prepare:
        with contextlib.suppress(Exception):  # nothing prepared: the command does it all
            prepared = _load(prepare)(json.loads(ahead))
    # dbt's modules and the parsed project live as long as this process: out of the
    # collector's sight, the build's full collections do not walk them again
    gc.freeze()
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
        code = main(request["args"], prepared)
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # noqa: BLE001 - reported on stderr as dbt would, then the code
        import traceback

        traceback.print_exc()
        code = 1
    # What the interpreter's exit would do, before the code is told (the process then ends
    # without waiting for dbt's threads): dbt-duckdb closes its database at exit, which
    # writes DuckDB's log into the file. Skipped, the next process to open the warehouse
    # would replay the whole build's log.
    atexit._run_exitfuncs()
    gc.collect()
    sys.stdout.flush()
    sys.stderr.flush()
    done.set()
    with contextlib.suppress(OSError):
        conn.sendall(f"{code}\n".encode())
    return code


# --------------------------------------------------------------------------- dbt in it


@dataclass
class Parsed:
    """The project as a parse left it: its manifest, written with its parse state in
    `target`, for `warehouse`, from the project's files as they were (`digest`: the partial
    builds' digest of the project, `orchestration.dbt_selection`)."""

    manifest: Any
    target: Path
    project: Path
    warehouse: str
    digest: str


def _project_digest(project: Path) -> str:
    from orchestration.dbt_selection import project_digest  # in the waiting process only

    return project_digest(project)


def parse_ahead(ahead: dict) -> Parsed | None:
    """Parse the project for the warehouse of the coming build, from its parse state."""
    from dbt.cli.main import dbtRunner

    project, warehouse, target = Path(ahead["project"]), ahead["warehouse"], Path(ahead["scratch"])
    target.mkdir(parents=True, exist_ok=True)
    state = parse_state_path(project, warehouse)
    if state.exists():
        shutil.copyfile(state, target / PARSE_STATE)
    os.environ[WAREHOUSE_VARIABLE] = warehouse
    digest = _project_digest(project)
    os.chdir(project)
    flags = ["--project-dir", str(project), "--profiles-dir", str(project)]
    out = ["--target-path", str(target), "--log-path", str(target)]
    result = dbtRunner().invoke(["parse", *flags, *out])
    if not result.success:
        return None
    return Parsed(result.result, target, project, warehouse, digest)


def _usable(parsed: Parsed | None, args: list[str]) -> bool:
    return (
        parsed is not None
        and args[:1] == ["build"]
        and os.environ.get(WAREHOUSE_VARIABLE) == parsed.warehouse
        and Path.cwd().resolve() == parsed.project.resolve()
        and "DBT_TARGET_PATH" in os.environ
        and not any(a.startswith(("--project-dir", "--profiles-dir", "--target")) for a in args)
        and _project_digest(parsed.project) == parsed.digest
    )


def run_dbt(args: list[str], parsed: Parsed | None) -> int:
    """dbt's command line, from the parse made ahead when it fits the command: a build on
    the same warehouse and project files, in dagster-dbt's way (target folder in the
    environment)."""
    from dbt.cli.main import cli, dbtRunner

    if not _usable(parsed, args):
        try:
            cli.main(args, prog_name="dbt")  # click: ends with SystemExit
        except SystemExit as end:
            return end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
        return 0
    target = Path(os.environ["DBT_TARGET_PATH"])
    target.mkdir(parents=True, exist_ok=True)
    for name in PARSE_ARTIFACTS:
        if (parsed.target / name).exists():
            shutil.copyfile(parsed.target / name, target / name)
    result = dbtRunner(manifest=parsed.manifest).invoke(args)
    # dbt's exit codes: 0 success, 1 a failure it handled (a model, a test), 2 an error
    if result.success:
        return 0
    return 1 if result.exception is None else 2


if __name__ == "__main__":
    # not through `sys.exit`: dbt's own threads (its thread pool, the watcher) must not
    # delay the exit code once it is sent
    argv = sys.argv
    os._exit(serve(int(argv[1]), int(argv[2]), argv[3], argv[4], argv[5], argv[6:]))
