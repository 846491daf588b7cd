"""Find, launch and stop DynamoDB Local (Amazon's own engine, a Java program).

It listens on 127.0.0.1 only: Amazon's launcher binds every interface and has no option against
it, so it is started through LoopbackDynamoDBLocal.java (beside this file), compiled once per
version of that file into .cache/. The Java child runs in its own process group and dies with us: `stop()` sends SIGTERM then
SIGKILL to the group, and on Linux the kernel also sends SIGTERM if our process dies first
(PR_SET_PDEATHSIG), so an interrupted stack never leaves an orphan JVM holding the files.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTALL_DIR = REPO_ROOT / ".cache" / "dynamodb-local"
JAR_NAME = "DynamoDBLocal.jar"
LAUNCHER_SOURCE = Path(__file__).resolve().parent / "LoopbackDynamoDBLocal.java"
LAUNCHER_CACHE = REPO_ROOT / ".cache" / "dynamodb-loopback"
_PR_SET_PDEATHSIG = 1


class DynamoDBLocalMissingError(RuntimeError):
    pass


def find_install_dir() -> Path:
    """The folder holding DynamoDBLocal.jar and DynamoDBLocal_lib/ (env ENORI_DYNAMODB_LOCAL_DIR)."""
    install_dir = Path(os.environ.get("ENORI_DYNAMODB_LOCAL_DIR") or DEFAULT_INSTALL_DIR)
    if not (install_dir / JAR_NAME).is_file():
        raise DynamoDBLocalMissingError(
            f"DynamoDB Local not found: {install_dir / JAR_NAME} is missing. "
            "Run `make deps` (or `make test` / `make run`), which fetches it, "
            "or point ENORI_DYNAMODB_LOCAL_DIR at an unpacked `emulator/` folder."
        )
    if shutil.which("java") is None:
        raise DynamoDBLocalMissingError("java is not on PATH; `make deps` installs Java 17.")
    return install_dir


def class_path(install_dir: Path) -> str:
    return os.pathsep.join([str(install_dir / JAR_NAME), str(install_dir / "DynamoDBLocal_lib" / "*")])


def loopback_launcher(install_dir: Path, cache: Path = LAUNCHER_CACHE) -> Path:
    """The folder holding the compiled launcher, compiling it first if this version is new.

    Compiled once rather than run as a source file: javac costs seconds of CPU, and the system
    tests start many stacks. Compiled into a temporary folder and renamed, so stacks starting at
    the same moment never see half a class file."""
    version = hashlib.sha256(LAUNCHER_SOURCE.read_bytes()).hexdigest()[:16]
    target = cache / version
    if (target / "LoopbackDynamoDBLocal.class").is_file():
        return target
    if shutil.which("javac") is None:
        raise DynamoDBLocalMissingError("javac is not on PATH; `make deps` installs the JDK 17.")
    cache.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(dir=cache, prefix=f"{version}-"))
    subprocess.run(["javac", "-nowarn", "-d", str(building), "-cp", class_path(install_dir),
                    str(LAUNCHER_SOURCE)], check=True, capture_output=True)
    try:
        building.rename(target)
    except OSError:  # another stack compiled it first
        shutil.rmtree(building, ignore_errors=True)
    return target


# Ports are picked below the kernel's ephemeral range. A port bind(0) returns is free only
# until the next outgoing connection takes it as its local port, and a stack binds the ports it
# was given seconds later (seen once on a loaded machine: a restarted stack's API port taken
# meanwhile, "Address already in use"). A port below the range is never handed out that way.
LOWEST_PICKED_PORT = 10_000
_pick = random.SystemRandom()


def ephemeral_ports(path: str = "/proc/sys/net/ipv4/ip_local_port_range") -> tuple[int, int]:
    """The kernel's range for outgoing connections' local ports (Linux's default elsewhere)."""
    try:
        low, high = Path(path).read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A port on 127.0.0.1 free now, below the ephemeral range when there is room there."""
    low = ephemeral_ports()[0]
    for _ in range(50 if low > LOWEST_PICKED_PORT + 1000 else 0):
        port = _pick.randrange(LOWEST_PICKED_PORT, low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    # Runs in the child between fork and exec. Best effort: only Linux has prctl.
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def stop_signals_held() -> Iterator[None]:
    """Hold SIGTERM and SIGINT while a child is spawned and its handle stored, then deliver them.

    The stack turns a stop signal into an exception wherever the main thread is; raised inside
    `Popen()` after the child's exec, it loses the child's pid, and a stop that cannot see the
    child leaves it running (a JVM outliving `make run`). Only the main thread may set handlers;
    elsewhere no signal handler runs anyway, so there is nothing to hold."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {signum: signal.signal(signum, lambda signum, frame: held.append(signum))
                for signum in _STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        if held:
            signal.raise_signal(held[0])


class DynamoDBLocal:
    """One DynamoDB Local process whose tables live as files in `db_dir` (state survives restarts)."""

    def __init__(self, db_dir: Path, port: int | None = None, log_path: Path | None = None) -> None:
        self.db_dir = Path(db_dir)
        self.port = port or free_port()
        self.log_path = log_path or self.db_dir.parent / "dynamodb-local.log"
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        install_dir = find_install_dir()
        self.db_dir.mkdir(parents=True, exist_ok=True)
        launcher = loopback_launcher(install_dir)
        command = [
            "java", *os.environ.get("ENORI_DYNAMODB_JVM_OPTS", "").split(),
            f"-Djava.library.path={install_dir / 'DynamoDBLocal_lib'}",
            "-cp", os.pathsep.join([str(launcher), class_path(install_dir)]), "LoopbackDynamoDBLocal",
            "-port", str(self.port), "-dbPath", str(self.db_dir), "-sharedDb", "-disableTelemetry",
        ]
        with open(self.log_path, "ab") as log, stop_signals_held():
            self.process = subprocess.Popen(
                command, cwd=install_dir, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent,
            )
        self._wait_until_listening(timeout)

    def _wait_until_listening(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"DynamoDB Local exited early; see {self.log_path}:\n{self._log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"DynamoDB Local did not listen on {self.port} within {timeout:.0f}s")

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, grace_seconds: float = 5.0) -> None:
        """Idempotent: TERM the whole process group, KILL it if it lingers."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=grace_seconds)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass
