"""The local stack's mailbox: an SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message
as a .eml file in a folder, so alert and status-page emails of `make run` can be read without a
mail server (moto's SES refuses unverified senders, and would keep nothing readable anyway).

The app sends to it exactly as to a real server (`ENORI_SMTP_URL`), so the local stack runs the
same SMTP path a self-hosted install does. Each file is written under a temporary name and
renamed, so a reader never sees half a message.
"""
from __future__ import annotations

import itertools
import logging
import os
import time
from pathlib import Path
from typing import Any

from local.dynamodb_local import free_port

log = logging.getLogger("local.mail")

HOST = "127.0.0.1"


class Mailbox:
    """SMTP on 127.0.0.1, every accepted message a file `<folder>/<UTC time>-<n>.eml`."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.port = 0
        self._controller: Any = None
        self._sequence = itertools.count(1)

    @property
    def url(self) -> str:
        return f"smtp://{HOST}:{self.port}"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()  # aiosmtpd checks readiness by connecting, so no port 0
        self._controller = Controller(_Handler(self), hostname=HOST, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def keep(self, content: bytes) -> Path:
        """Write one message; returns its file."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        name = f"{stamp}-{os.getpid()}-{next(self._sequence):04d}.eml"
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(content)
        path = self.folder / name
        os.replace(temporary, path)
        return path


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope) -> str:
        content = envelope.original_content or envelope.content
        path = self.mailbox.keep(content if isinstance(content, bytes) else content.encode())
        log.info("mail to %s kept in %s", ", ".join(envelope.rcpt_tos), path)
        return "250 Message kept in the local mailbox"
