"""What each Lambda function may touch (its IAM grants, as `infra/access.py` derives them from
the code the function can run): a Markdown table, or with --json the data of the checked-in
snapshot (tests/architecture/function_reach.json; regenerate it with --json after a deliberate change).
Usage: .venv/bin/python scripts/function-reach.py [--json]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CAPABILITIES = {"publishes_events": "publish", "sends_check_jobs": "check jobs",
                "sends_retries": "alert retries", "sends_email": "email",
                "redrives_dead_letters": "redrive", "requeues_checks": "re-queue checks"}


def current_reach() -> dict[str, dict]:
    from app import app
    from infra.access import function_reach

    return function_reach(app)


def markdown(reach: dict[str, dict]) -> str:
    from chalicelib.storage.tables import ALL_ITEMS

    lines = [f"| function | tables (of {len(ALL_ITEMS)}) | AWS capabilities | table names |",
             "|---|---|---|---|"]
    for name, needs in reach.items():
        capabilities = ", ".join(label for key, label in CAPABILITIES.items() if needs[key])
        lines.append(f"| {name} | {len(needs['tables'])} | {capabilities or '-'} | "
                     f"{', '.join(needs['tables'])} |")
    return "\n".join(lines)


if __name__ == "__main__":
    reach = current_reach()
    print(json.dumps(reach, indent=1) if "--json" in sys.argv[1:] else markdown(reach))
