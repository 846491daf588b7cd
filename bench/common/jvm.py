"""Where DynamoDB Local's CPU goes: its JVM's threads, by kind, read from /proc (Linux).

HotSpot names its threads, so a reading splits the JVM's CPU into its JIT compilers, SQLite's
writer queue (every read and write of the tables: the commits and their fsyncs) and Jetty's
request threads (HTTP, JSON, expressions and conditions), the rest apart.
"""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

# A marker in a thread's name -> its kind.
THREAD_KINDS = {"CompilerThre": "jit", "SQLiteQueue": "sqlite", "qtp": "http"}


def jvm_pid(data_dir: Path) -> int | None:
    """The DynamoDB Local process whose arguments name `data_dir` (its -dbPath is under it)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if command.startswith("java") and str(data_dir) in command:
                return int(entry.name)
    return None


def jvm_cpu(pid: int | None) -> Counter:
    """CPU seconds (user + system) the JVM's threads spent so far, by kind (`THREAD_KINDS`,
    "other" for the rest); empty for no process."""
    spent: Counter = Counter()
    if pid is None:
        return spent
    tick = os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue                    # a thread that ended meanwhile
        name = stat.split("(", 1)[1].rsplit(")", 1)[0]
        fields = stat.rsplit(")", 1)[1].split()
        kind = next((k for marker, k in THREAD_KINDS.items() if marker in name), "other")
        spent[kind] += (int(fields[11]) + int(fields[12])) / tick
    return spent


def ms_per(before: Counter, after: Counter, count: int) -> dict:
    """JVM CPU ms per unit (a stored ping, an operation) between two `jvm_cpu` readings, by
    kind and in all."""
    spent = {kind: after[kind] - before[kind] for kind in after}
    spent["all"] = sum(spent.values())
    return {kind: round(1000 * seconds / max(count, 1), 2) for kind, seconds in spent.items()}
