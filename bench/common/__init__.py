"""Shared pieces of the benchmarks (a folder, so `bench/*.py` lists only runnable scripts).

Every script is runnable alone (`python bench/checks.py [--quick] [--json out.json]`) and prints
its figures; `bench/run_all.py` runs each in its own process (settings are read once at import)
and collects what they wrote with `--json`.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = REPO_ROOT / "bench"


def use_offline_env(**extra: str) -> None:
    """The environment tests use (fake credentials, a bench stage), set before chalicelib is
    imported because settings are read once at import, as on Lambda."""
    os.environ.update({
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1", "ENORI_STAGE": "bench",
        "ENORI_API_KEY_SECRET": "bench-secret-do-not-use", "ENORI_CHECK_REGIONS": "UsEast",
        **extra,
    })
    for var in ("ENORI_DYNAMODB_ENDPOINT", "ENORI_AWS_ENDPOINT", "ENORI_ALLOW_PRIVATE_TARGETS"):
        os.environ.pop(var, None)
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))


def parse_args(description: str, argv=None, add_arguments=None) -> argparse.Namespace:
    """--quick and --json, and what `add_arguments(parser)` adds (a script's own options)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes / fewer trials")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    if add_arguments is not None:
        add_arguments(parser)
    return parser.parse_args(argv)


def finish(args: argparse.Namespace, figures: dict) -> None:
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform()}


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]
