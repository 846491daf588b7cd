"""The whole product on one machine: DynamoDB Local, moto server, the API and the event pump.
The API runs in worker processes of its own (local/api_server.py); everything else here.

Order matters: the app reads its settings from the environment when it is imported, so the
stack starts the backing services first, exports their endpoints, and only then imports `app`.
`stop()` is safe to call at any point of a half-finished start, and more than once.
"""
from __future__ import annotations

import fcntl
import importlib
import logging
import os
import secrets
import socket
import sys
from pathlib import Path
from typing import Any

import boto3

from local.api_server import ApiProcess
from local.aws_local import create_event_resources, start_moto_server
from local.dynamodb_local import REPO_ROOT, DynamoDBLocal
from local.mailbox import Mailbox
from local.pump import EventPump

log = logging.getLogger("local")

HOST = "127.0.0.1"
DYNAMODB_ENDPOINT_FILE = "dynamodb-endpoint"
REGION = "us-east-1"
CHECK_REGIONS = "UsEast,EuWest"


class LocalStack:
    def __init__(self, data_dir: Path, port: int = 8000, max_receives: int = 5) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.max_receives = max_receives
        self.api_key: str | None = None
        self._lock_file: Any = None
        self._dynamodb: DynamoDBLocal | None = None
        self._moto: Any = None
        self._mailbox: Mailbox | None = None
        self._api: ApiProcess | None = None
        self._pump: EventPump | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def key_path(self) -> Path:
        return self.data_dir / "bootstrap-key"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_data_dir()
        _require_free_port(self.port)
        self._dynamodb = DynamoDBLocal(self.data_dir / "dynamodb")
        self._dynamodb.start()
        log.info("DynamoDB Local on %s (files in %s)", self._dynamodb.endpoint, self._dynamodb.db_dir)
        # `python -m local key create` uses this DynamoDB Local while the stack holds the lock.
        (self.data_dir / DYNAMODB_ENDPOINT_FILE).write_text(self._dynamodb.endpoint + "\n")
        self._moto, moto_endpoint = start_moto_server()
        log.info("moto server (SQS, SNS, SES) on %s", moto_endpoint)
        self._export_settings(moto_endpoint)
        self._route_mail()
        # The API's workers import the app (seconds) while this process creates the tables and
        # queues: nothing reaches them before the ready line, printed once both are done.
        self._api = ApiProcess(self.port)
        self._api.start()
        app = import_app()
        sqs, sns = (_aws_client(name, moto_endpoint) for name in ("sqs", "sns"))
        self._create_resources(app, sqs, sns)
        # ENORI_LOCAL_RATE_SECONDS: run rate schedules that often (tests that cannot wait minutes).
        rate = int(os.environ.get("ENORI_LOCAL_RATE_SECONDS") or 0) or None
        self._pump = EventPump(app, sqs, sns, region=REGION, rate_seconds=rate)
        self._pump.start()
        self._api.wait_until_serving()

    def stop(self) -> None:
        """Stop in reverse order; each part is stopped even if another fails."""
        for name in ("_pump", "_api", "_mailbox", "_moto", "_dynamodb"):
            part = getattr(self, name)
            setattr(self, name, None)
            if part is None:
                continue
            try:
                part.stop()
            except Exception:
                log.exception("stopping %s failed", name.strip("_"))
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def kill_children(self) -> None:
        """The last resort when an orderly stop cannot finish: no DynamoDB Local or API worker
        left behind."""
        for part in (self._api, self._dynamodb):
            if part is not None:
                part.stop(grace_seconds=1.0)

    def _lock_data_dir(self) -> None:
        # Two stacks on one data dir would share DynamoDB files and keys; refuse the second.
        self._lock_file = lock_data_dir(self.data_dir)
        if self._lock_file is None:
            raise SystemExit(f"another local stack is already using {self.data_dir}")

    def _export_settings(self, moto_endpoint: str) -> None:
        export_storage_settings(self._dynamodb.endpoint, self.data_dir)
        os.environ.update({
            "ENORI_AWS_ENDPOINT": moto_endpoint,
            "ENORI_ALLOW_PRIVATE_TARGETS": "1",
            "ENORI_PUBLIC_BASE_URL": self.base_url,
            "ENORI_CHECK_REGIONS": os.environ.get("ENORI_CHECK_REGIONS", CHECK_REGIONS),
        })

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    def _route_mail(self) -> None:
        """Every email goes to the user's SMTP server (ENORI_SMTP_URL) if set, else into the
        local mailbox: files anyone can read, through the same SMTP path."""
        if os.environ.get("ENORI_SMTP_URL"):
            log.info("email goes to the SMTP server in ENORI_SMTP_URL")
            return
        self._mailbox = Mailbox(self.mail_dir)
        self._mailbox.start()
        os.environ["ENORI_SMTP_URL"] = self._mailbox.url
        print(f"Email is kept in {_display(self.mail_dir)}/ (one .eml file per message; "
              "set ENORI_SMTP_URL to send through a real server)", flush=True)

    def _create_resources(self, app: Any, sqs: Any, sns: Any) -> None:
        from chalicelib.storage.tables import create_tables

        create_tables()
        create_event_resources(app, sqs, sns, max_receives=self.max_receives)
        self.api_key = self._bootstrap_key()

    def _bootstrap_key(self) -> str | None:
        """The first start creates the account and its key; later ones reuse the saved key. A
        missing or revoked key never creates a second account: the data stays with the first,
        and `make key` issues a new key for it."""
        from chalicelib.accounts.service import bootstrap_account

        from local.keys import find_local_account, saved_key_problem

        if find_local_account() is None:
            api_key = bootstrap_account()
            write_private(self.key_path, api_key + "\n", replace=True)  # a key of a wiped database
            print(f"Your API key (shown once, saved in {_display(self.key_path)}): {api_key}", flush=True)
            return api_key
        problem = saved_key_problem(self.key_path)
        if problem is None:
            return self.key_path.read_text().strip()
        print(f"No usable API key: {problem}. Your account and its data are kept; run `make key` "
              "(or `python -m local key create`) for a new full-access key.", flush=True)
        return None


def lock_data_dir(data_dir: Path) -> Any:
    """The open lock file of `data_dir`, held until closed; None if another process holds it."""
    lock_file = open(data_dir / "stack.lock", "w")
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock_file.close()
        return None
    return lock_file


def export_storage_settings(dynamodb_endpoint: str, data_dir: Path) -> None:
    """What the app needs to reach this data dir's tables and keys (set before importing it)."""
    for variable in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):  # real credentials have no place here
        os.environ.pop(variable, None)
    os.environ.update({
        "ENORI_DYNAMODB_ENDPOINT": dynamodb_endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "ENORI_API_KEY_SECRET": _read_or_create_secret(data_dir / "api-key-secret"),
        # Every process on these tables shares the write clock and the job versions through
        # files here (`kernel.shared_memory`).
        "ENORI_SHARED_MEMORY_DIR": str(data_dir),
    })


def _read_or_create_secret(path: Path) -> str:
    # Keys are stored as HMACs under this secret: if it changed, every issued key would break.
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_hex(32)
    write_private(path, secret + "\n")
    return secret


def write_private(path: Path, text: str, replace: bool = False) -> None:
    """Write a file only its owner can read; `replace` swaps an existing one atomically."""
    target = path.with_name(path.name + ".new") if replace else path
    if replace:
        target.unlink(missing_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)
    if replace:
        os.replace(target, path)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _require_free_port(port: int) -> None:
    with socket.socket() as sock:
        # As the HTTP server will: a just-stopped stack's TIME_WAIT sockets must not count as "in use".
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            raise SystemExit(f"port {port} is in use; set ENORI_PORT to another port") from None


def import_app() -> Any:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    app = importlib.import_module("app").app
    # Chalice sets the app's logger to ERROR (Lambda's default); locally INFO is what you want.
    app.log.setLevel(logging.INFO)
    return app


def _aws_client(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="local", aws_secret_access_key="local")
