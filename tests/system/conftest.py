"""The real local stack (`python -m local`) as a subprocess, for tests that drive it over HTTP.

    stack = LocalStack(tmp_path / "data").start()
    status, body = stack.request("GET", "/api/keys", key=stack.key)
    stack.stop()

or the `local_stack` fixture, which starts one per test and always stops it.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from local.dynamodb_local import DynamoDBLocalMissingError, find_install_dir, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "Enori is ready on "


class LocalStack:
    def __init__(self, data_dir: Path, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None
        self.lines: list[str] = []
        self._ready = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def key(self) -> str:
        return (self.data_dir / "bootstrap-key").read_text().strip()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def start(self, timeout: float = 120.0) -> "LocalStack":
        """Launch and wait for the ready line; fail the test with the stack's output if it never comes."""
        self.launch()
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"local stack did not become ready:\n{self.output}")
        return self

    def launch(self) -> None:
        """Spawn `python -m local` without waiting for it to be ready."""
        _require_dynamodb_local()
        env = self.env()
        self._ready.clear()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local"], cwd=REPO_ROOT, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        threading.Thread(target=self._read_output, args=(self.process,), daemon=True).start()

    def env(self) -> dict[str, str]:
        """The environment `python -m local` runs in, for this data dir and port."""
        # Start as a user's shell would: without the test process's own ENORI_/AWS_ settings.
        inherited = {k: v for k, v in os.environ.items()
                     if not k.startswith(("ENORI_", "AWS_")) or k == "ENORI_DYNAMODB_LOCAL_DIR"}
        # ENORI_RESOLVER=hosts: monitors the spec's examples create (api.example.com...) fail
        # at once, and no DNS query leaves this machine.
        env = {**inherited, "ENORI_DATA_DIR": str(self.data_dir), "ENORI_PORT": str(self.port),
               "PYTHONUNBUFFERED": "1", "ENORI_RESOLVER": "hosts",
               # Minute schedules every 10 s: missed runs and escalations show in seconds.
               "ENORI_LOCAL_RATE_SECONDS": "10",
               # C1 only and the serial GC: short-lived stacks, four at once on two cores, spent
               # most of the JVM's CPU compiling (start, 20 tables and 1,000 updates: 8.6 s of CPU
               # by default, 3.7 s so). A long-lived `make run` keeps the JVM's defaults: under
               # sustained load C2's code is faster (bench/api_latency.py, GET /api/monitors with
               # 20 clients: 17.2 requests/s with the defaults, 15.4 with these).
               "ENORI_DYNAMODB_JVM_OPTS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
               # One API worker process: four stacks share two cores, and a second process per
               # stack is a second app import and table warm-up for little traffic.
               "ENORI_API_WORKERS": "1",
               **self.extra_env}
        return env

    def cli(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
        """`python -m local <args>` on this data dir (e.g. "key", "create"), run to its end."""
        _require_dynamodb_local()
        return subprocess.run([sys.executable, "-m", "local", *args], cwd=REPO_ROOT, env=self.env(),
                              text=True, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def _read_output(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.lines.append(line)
            if line.startswith(READY_LINE):
                self._ready.set()

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, as a service manager would; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"local stack ignored SIGTERM for {timeout}s:\n{self.output}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def request(self, method: str, path: str, key: str | None = None, body: Any = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """(status, JSON body or raw bytes) of one request to the API."""
        status, _, payload = self.raw_request(method, path, key, body, headers)
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, payload

    def raw_request(self, method: str, path: str, key: str | None = None, body: Any = None,
                    headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        headers = dict(headers or {})
        if key is not None:
            headers["X-API-Key"] = key
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        if data is not None and not isinstance(body, bytes):
            headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()



def create(stack: LocalStack, path: str, body: dict, status: int = 201) -> dict:
    """POST `body` with the stack's key; the answer, after asserting its status."""
    answer, created = stack.request("POST", path, key=stack.key, body=body)
    assert answer == status, (path, created)
    return created


def get(stack: LocalStack, path: str) -> Any:
    """GET with the stack's key; the body of the 200 it must be."""
    status, body = stack.request("GET", path, key=stack.key)
    assert status == 200, (path, body)
    return body

def wait_until(predicate, timeout: float = 15.0, every: float = 0.1) -> bool:
    """Poll `predicate` every `every` seconds (longer for one that calls the API, which counts
    against the key's 200 requests a minute) until it holds or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that contain `text` (e.g. a data dir), from /proc."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command:
            found.append(command)
    return found


def _require_dynamodb_local() -> None:
    try:
        find_install_dir()
    except DynamoDBLocalMissingError as error:
        pytest.fail(f"{error}\nRun `make test`: it fetches DynamoDB Local and Java before the tests.",
                    pytrace=False)


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    """One running stack shared by a module's tests (a start costs seconds); tests that need a
    fresh or restarted stack use `LocalStack` directly."""
    stack = LocalStack(tmp_path_factory.mktemp("stack") / "data").start()
    yield stack
    stack.stop()
    stack.kill()


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """`local_stack` with its API in two worker processes (as `make run`): what each process
    keeps in memory (rate leases, remembered reads) must not show."""
    stack = LocalStack(tmp_path_factory.mktemp("workers") / "data",
                       env={"ENORI_API_WORKERS": "2"}).start()
    yield stack
    stack.stop()
    stack.kill()


# The files of the longest tests, longest first, as measured on this 2-core machine (seconds a
# worker spends on each file, `--durations`): the dark region about 430 (waiting on 30 s ticks),
# degraded quorum 170-220, event durability 180-300 (two stacks, a frozen DynamoDB, a restart),
# the key recovery about 120-400 (three stacks, two offline key commands), then the flows and
# browser files of 60-130 each; most files take under a minute.
# make test runs this suite with `--dist loadfile`: a file's tests share one process and so one
# local stack (module fixtures would otherwise start a stack in every process that runs one of
# its tests), and files are handed out in this order, so the long ones start at once and the
# short ones fill in beside them: with the long ones last, the suite's end waited minutes on
# them while the other workers sat idle. The schema fuzzer, longer still, runs in a process of
# its own.
LONGEST_FILES = ("test_region_isolation.py", "test_degraded_quorum.py",
                 "test_event_durability.py", "test_no_lockout.py",
                 "test_escalation_and_maintenance.py", "test_docs_browser.py",
                 "test_local_stack.py", "test_local_edge.py", "test_local_mailbox.py",
                 "test_status_page_browser.py", "test_jobs_flow.py", "test_e19_features.py",
                 "test_batch_deadline_local.py", "test_dashboard_browser.py",
                 "test_mail_and_log_secrets.py", "test_alerting_flow.py",
                 "test_paging_channels_flow.py", "test_evaluator_concurrency.py")


def pytest_collection_modifyitems(items):
    """The tests of the longest files first, in LONGEST_FILES order; the rest as collected."""
    def rank(item) -> int:
        name = item.path.name
        return LONGEST_FILES.index(name) if name in LONGEST_FILES else len(LONGEST_FILES)

    items.sort(key=rank)


# How much of a stack's log a failing test shows: a 500 on CI is a traceback in there.
LOG_LINES_ON_FAILURE = 150


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test that used a local stack reports the end of that stack's log, so a failure
    on a machine we cannot reach (CI) says what the server did, not only what the client saw."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    stacks = [v for v in getattr(item, "funcargs", {}).values() if isinstance(v, LocalStack)]
    for stack in stacks:
        tail = "".join(stack.lines[-LOG_LINES_ON_FAILURE:])
        report.sections.append((f"local stack log on :{stack.port} (last lines)", tail))
