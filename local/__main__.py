"""`python -m local` (what `make run` runs): the local stack in the foreground until Ctrl-C or SIGTERM.
`python -m local key create [--scopes S ...] [--name N]` (`make key`): a new API key for the
stack's account, full access (`*`) unless --scopes says otherwise; see local/keys.py.
`python -m local login [--email E] [--role R]` (`make login`): a one-time dashboard sign-in link.

Settings: ENORI_DATA_DIR (default .enori/ at the repo root), ENORI_PORT (8000),
ENORI_MAX_RECEIVES (5, receives before a queue message moves to its DLQ), ENORI_DYNAMODB_JVM_OPTS
(extra `java` options for DynamoDB Local; the system tests trade peak speed for less CPU),
ENORI_SMTP_URL (unset: every email is kept as a .eml file in <data dir>/mail/, local/mailbox.py).
"""
from __future__ import annotations

import argparse
import atexit
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from local.dynamodb_local import REPO_ROOT
from local.logs import configure_logging, exit_without_teardown
from local.stack import LocalStack

log = logging.getLogger("local")


# However long the orderly stop takes, the process is gone this long after the first signal.
STOP_DEADLINE_SECONDS = 20.0


def _enforce_stop_deadline(stack: LocalStack) -> None:
    """Python runs signal handlers only when the main thread runs bytecode; when the kernel hands
    the signal to another thread while the main one waits in C, the handler can come late (a
    stop during start-up once hung past 60 s under load). The C-level handler also writes each
    signal's number to a wakeup pipe; this thread reads it, so a deadline starts at the signal
    itself: past it, DynamoDB Local is killed and the process exits, stopped or not."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)

    def watch() -> None:
        while os.read(read_end, 1)[0] not in (signal.SIGTERM, signal.SIGINT):
            pass
        time.sleep(STOP_DEADLINE_SECONDS)
        log.error("stop took over %.0f s; exiting without finishing it", STOP_DEADLINE_SECONDS)
        stack.kill_children()
        os._exit(0)

    threading.Thread(target=watch, name="stop-deadline", daemon=True).start()


def _stop_on_sigterm(signum, frame) -> None:
    # Treated exactly like Ctrl-C: raising here unwinds the main thread wherever it is (even
    # mid-start) into the finally below, and a requested stop exits 0.
    raise KeyboardInterrupt


def _data_dir() -> Path:
    return Path(os.environ.get("ENORI_DATA_DIR") or REPO_ROOT / ".enori")


def _parse_args(argv: list[str]) -> argparse.Namespace:
    from chalicelib.kernel.scopes import FULL_ACCESS, VALID_SCOPES

    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command")
    key = commands.add_parser("key", help="manage the local stack's API keys")
    key_commands = key.add_subparsers(dest="key_command", required=True)
    create = key_commands.add_parser("create", help="print a new API key for the stack's account")
    create.add_argument("--scopes", nargs="+", choices=sorted(VALID_SCOPES), default=[FULL_ACCESS],
                        metavar="SCOPE", help="default: * (full access)")
    create.add_argument("--name", default="local key", help="the key's name in /api/keys")
    login = commands.add_parser("login", help="print a one-time sign-in link for the dashboard")
    login.add_argument("--email", default="owner@enori.local")
    login.add_argument("--role", default="Owner", choices=["Owner", "Admin", "Member", "Viewer"])
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "key":
        from local.keys import create_key

        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
        create_key(_data_dir(), list(dict.fromkeys(args.scopes)), args.name)
        return 0
    if args.command == "login":
        from local.login import print_link

        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
        port = int(os.environ.get("ENORI_PORT") or 8000)
        print_link(_data_dir(), f"http://127.0.0.1:{port}", args.email, args.role)
        return 0
    return run_stack()


def _print_sign_in_link(base_url: str) -> None:
    from local.login import link_for

    link = link_for(base_url)
    if link is not None:
        # One write with its newline: print() writes the text and the newline separately, and a
        # log line from another thread landed between them, gluing its time to the token.
        print(f"Sign in to the dashboard (one-time link; `make login` prints another): {link}\n",
              end="", flush=True)


def run_stack() -> int:
    configure_logging()
    stack = LocalStack(
        data_dir=_data_dir(),
        port=int(os.environ.get("ENORI_PORT") or 8000),
        max_receives=int(os.environ.get("ENORI_MAX_RECEIVES") or 5),
    )
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    _enforce_stop_deadline(stack)
    # Explicit, because a shell starts background jobs with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    atexit.register(stack.stop)  # a last resort if something bypasses the finally below
    try:
        stack.start()
        _print_sign_in_link(stack.base_url)
        print(f"Enori is ready on {stack.base_url}", flush=True)
        # Wake up twice a second: the kernel may deliver SIGTERM to any of our threads, and
        # Python runs the handler only when the main thread runs bytecode. A bare wait() could
        # sleep through the signal forever.
        idle = threading.Event()
        while not idle.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        log.info("stopping")
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the cleanup short
        stack.stop()
        log.info("stopped")
    return 0


if __name__ == "__main__":
    exit_without_teardown(main())
