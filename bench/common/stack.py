"""The real local stack for the benches: tests/system's LocalStack and the tests' own local
targets (HttpTarget, WebhookReceiver from tests/targets.py), plus API helpers."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from common import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))
sys.path.insert(0, str(REPO_ROOT / "tests" / "system"))   # first: its conftest has LocalStack

from conftest import LocalStack  # noqa: E402,F401
from targets import HttpTarget, WebhookReceiver  # noqa: E402,F401


def start_stack(env: dict[str, str] | None = None
                ) -> tuple[LocalStack, tempfile.TemporaryDirectory]:
    tmp = tempfile.TemporaryDirectory(prefix="enori-bench-")
    stack = LocalStack(Path(tmp.name) / "data", env=env).start(timeout=240)
    return stack, tmp


def stop_stack(stack: LocalStack, tmp: tempfile.TemporaryDirectory) -> None:
    try:
        stack.stop()
    finally:
        stack.kill()
        tmp.cleanup()


def make_keys(stack: LocalStack, count: int) -> list[str]:
    """`count` full-access keys besides the bootstrap key (each may create 10 monitors an hour)."""
    keys = []
    for i in range(count):
        status, body = stack.request("POST", "/api/keys", key=stack.key,
                                     body={"name": f"bench-{i}", "scopes": ["*"]})
        if status != 201:
            raise RuntimeError(f"creating a key answered {status}: {body}")
        keys.append(body["key"])
    return keys


def create_monitors(stack: LocalStack, keys: list[str], bodies: list[dict]) -> list[dict]:
    """Create monitors, ten per key (the create_monitor tier is 10 an hour per key)."""
    created = []
    for i, body in enumerate(bodies):
        status, answer = stack.request("POST", "/api/monitors", key=keys[i // 10], body=body)
        if status != 201:
            raise RuntimeError(f"creating monitor {body['name']} answered {status}: {answer}")
        created.append(answer)
    return created
