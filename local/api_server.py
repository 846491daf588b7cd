"""The local API behind gunicorn: worker processes (both cores) with bounded thread pools, read
timeouts, a body cap and the JSON error envelope for every protocol error, in a process group of
its own beside the stack's process (which runs DynamoDB Local, moto and the event pump).

    ApiProcess(port).start()   reserves 127.0.0.1:port and runs `python -m local.api_server PORT`

The workers import `app` the way the stack does, with the environment the stack exported
(settings are read at import), and serve it through local/http_server.py's WsgiApi, so every
request still runs the exact Lambda code path. Why gunicorn over waitress: README "The local API".

Settings (environment): ENORI_API_WORKERS (2), ENORI_API_THREADS (8 per worker),
ENORI_API_READ_TIMEOUT_SECONDS (10: a client silent that long mid-request is dropped; a body
gets a 408) and ENORI_API_MAX_BODY_BYTES (6 MiB, Lambda's limit; a bigger body gets a 413).
"""
from __future__ import annotations

import json
import logging
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

from gunicorn import sock, util
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger
from gunicorn.workers.gthread import ThreadWorker

from local.dynamodb_local import (REPO_ROOT, _die_with_parent, _signal_group,
                                  stop_signals_held)
from chalicelib.kernel.errors import ProtocolError
from local.http_server import MAX_BODY_BYTES, WsgiApi
from local.logs import (
    DATE_FORMAT,
    LOG_FORMAT,
    EscapingFormatter,
    configure_logging,
    exit_without_teardown,
)

HOST = "127.0.0.1"
# Longer than gunicorn's graceful stop (GRACEFUL_SECONDS), shorter than the stack's deadline.
STOP_GRACE_SECONDS = 8.0
GRACEFUL_SECONDS = 5


def _setting(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def read_timeout_seconds() -> int:
    return _setting("ENORI_API_READ_TIMEOUT_SECONDS", 10)


# ---- in the gunicorn processes ----------------------------------------------------------------


def _write_json_error(sock: socket.socket, status: int, reason: str, message: str) -> None:
    """gunicorn's util.write_error, but the error envelope instead of an HTML page."""
    payload = json.dumps(ProtocolError(status, reason, message).body()).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n").encode("latin-1")
    util.write_nonblock(sock, head + payload)


class JsonThreadWorker(ThreadWorker):
    """gunicorn's gthread worker with the JSON error envelope and a read timeout on every socket."""

    def init_process(self) -> None:
        configure_logging()
        # gunicorn maps each protocol error to its status in Worker.handle_error and then writes
        # an HTML page through util.write_error; it has no hook for the body, so the writer is
        # replaced, in this worker process only.
        util.write_error = _write_json_error
        # gunicorn made this worker's listening socket (SO_REUSEPORT) before the worker loaded
        # the app: the kernel would hand it connections for the seconds the import takes, while
        # the other worker could serve them. It is closed until `run`, once the app is loaded.
        for listener in self.sockets:
            listener.close()
        self.sockets = []
        super().init_process()

    def run(self) -> None:
        self.sockets = sock.create_sockets(self.cfg, self.log)
        # SO_RCVTIMEO on the listener is inherited by every accepted socket: a read that waits
        # longer fails instead of holding one of the worker's threads forever (slowloris).
        seconds = read_timeout_seconds()
        for listener in self.sockets:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", seconds, 0))
        super().run()


class EscapingLogger(Logger):
    """gunicorn's logger in the stack's log format, control characters escaped (a request line
    is quoted in "Invalid request" warnings), and a client too slow for the read timeout is a
    warning, not a traceback."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(EscapingFormatter(LOG_FORMAT, DATE_FORMAT))

    def exception(self, msg: str, *args: Any, **kwargs: Any) -> None:
        if isinstance(sys.exc_info()[1], (BlockingIOError, TimeoutError)):
            self.warning("closed a connection silent for %d s mid-request", read_timeout_seconds())
            return
        super().exception(msg, *args, **kwargs)


def _warm_up(worker: JsonThreadWorker) -> None:
    """Build every table's DynamoDB client before the worker accepts connections (the stack's
    process has them from creating the tables). Built lazily instead, a burst of cold threads
    raced to build them, each loading botocore's models: 50 parallel pings on a fresh stack took
    19 s instead of 5."""
    from chalicelib.storage.tables import ALL_ITEMS  # after the app: settings are read at import

    for item_class in ALL_ITEMS:
        try:
            item_class.exists()
        except Exception as exc:  # the client is built before the call: warm all the same
            logging.getLogger("local.api").warning("warming %s: %s", item_class.Meta.table_name,
                                                   exc)


def _leave_at_once(server: Any, worker: JsonThreadWorker) -> None:
    """The last thing a worker does, once its requests are answered: exit without Python's
    teardown (`exit_without_teardown`). gunicorn also calls this hook in the master for a
    worker already gone: that call does nothing."""
    if os.getpid() == worker.pid:
        exit_without_teardown(0)


class _Application(BaseApplication):
    def __init__(self, port: int) -> None:
        self.port = port
        super().__init__()

    def load_config(self) -> None:
        options = {
            # Each worker listens on the port with a socket of its own (SO_REUSEPORT), and the
            # kernel spreads new connections over them. On one shared socket, a burst of
            # connections all went to whichever worker the kernel woke first: 20 clients on one
            # worker while the other idled, half the API's throughput (the floor read measured
            # 383-395/s against 668-776/s spread).
            "bind": [f"{HOST}:{self.port}"],
            "reuse_port": True,
            "workers": _setting("ENORI_API_WORKERS", 2),
            "worker_class": "local.api_server.JsonThreadWorker",
            "threads": _setting("ENORI_API_THREADS", 8),
            # Connections a worker holds at once, idle keep-alive ones included; more wait in
            # the kernel's backlog.
            "worker_connections": 64,
            "backlog": 256,
            "keepalive": 5,
            # gunicorn's most (its default, 4,094, is below what API Gateway takes): a path with
            # two long ids must reach the app, whose answer for them is a 404, not a 414.
            "limit_request_line": 8190,
            "timeout": 60,  # a worker whose main loop stops for this long is replaced
            "graceful_timeout": GRACEFUL_SECONDS,
            "logger_class": "local.api_server.EscapingLogger",
            "loglevel": "warning",  # protocol errors and worker failures; requests: local.api
            "errorlog": "-",
            "control_socket_disable": True,  # else a socket under $HOME, shared by every stack
            "proc_name": "enori-api",
            "post_worker_init": _warm_up,
            "worker_exit": _leave_at_once,
        }
        for name, value in options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        from local.stack import import_app

        return WsgiApi(import_app(), _setting("ENORI_API_MAX_BODY_BYTES", MAX_BODY_BYTES))


# ---- in the stack's process -------------------------------------------------------------------


class ApiProcess:
    """gunicorn serving the API on 127.0.0.1:port, in its own process group, dying with us."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None
        self._reserved: socket.socket | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        # Bound here first, so a port in use fails in the stack, not in a child (LocalStack
        # checks it first, with a message), and kept bound until `stop`, so no other program
        # takes the port between the workers' restarts. Never listening, it is given no
        # connection: the kernel hands them to the workers' listening sockets only.
        reserved = socket.socket()
        try:
            reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            reserved.bind((HOST, self.port))
            with stop_signals_held():
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "local.api_server", str(self.port)],
                    cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                    start_new_session=True, preexec_fn=_die_with_parent)
        except BaseException:
            reserved.close()
            raise
        self._reserved = reserved

    def wait_until_serving(self, timeout: float = 60.0) -> None:
        """Any HTTP answer (even 404) proves a worker has imported the app and is serving."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the API server exited with status {self.process.returncode}")
            try:
                urllib.request.urlopen(f"{self.base_url}/", timeout=2).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        """Idempotent: SIGTERM (gunicorn finishes requests in flight), SIGKILL the group after."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=grace_seconds)
            except subprocess.TimeoutExpired:
                pass
        _signal_group(process, signal.SIGKILL)  # workers the master could not stop
        process.wait(timeout=grace_seconds)
        if self._reserved is not None:
            self._reserved.close()
            self._reserved = None


def main(port: int) -> None:
    _Application(port).run()


if __name__ == "__main__":
    main(int(sys.argv[1]))
