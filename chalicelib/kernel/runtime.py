"""Process-wide dependencies, injected: the clock and the AWS clients.

Handlers read them from here; tests swap them (`runtime.clock = FakeClock()`). AWS clients are
created lazily so importing the app stays fast (cold starts are billed and felt).
"""
from __future__ import annotations

import threading

from chalicelib.kernel.clock import SystemClock
from chalicelib.kernel.settings import settings


class Runtime:
    def __init__(self) -> None:
        self.clock = SystemClock()
        self._clients: dict[str, object] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str | None = None):
        """A shared boto3 client for `service` (sqs, sns, ses) in `region` (default: the home
        region). Locally every region is the one moto server."""
        region = settings.aws_region if region is None or settings.aws_endpoint else region
        key = f"{service}@{region}"
        with self._lock:
            if key not in self._clients:
                import boto3

                self._clients[key] = boto3.client(
                    service, region_name=region, endpoint_url=settings.aws_endpoint)
            return self._clients[key]

    def reset_clients(self) -> None:
        with self._lock:
            self._clients.clear()


runtime = Runtime()
