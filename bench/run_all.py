"""Run every benchmark and collect the figures into bench/results.json and bench/results.md
(what `make bench` runs). Each script runs in its own process (settings are read at import).

The detection-latency bench mostly waits for real minutes to pass, so it runs alongside the cost
model, which counts requests and is not timed; everything else runs alone, so timings are not
disturbed by it. About 18 minutes in all (--quick: about 5), and the capacity bench's real minutes
on a fresh stack per size after them: about 8 minutes a size (--quick: 2 sizes of about 6).
Usage: python bench/run_all.py [--quick]
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BENCH_DIR, REPO_ROOT, machine  # noqa: E402

SOLO = ["cold_start", "checks", "api_latency", "pings", "dashboard", "scheduler_scale", "capacity"]
TOGETHER = ["latency", "latency_dark", "cost"]
# A figure made by a script run with options: name -> (script, its options).
VARIANTS = {"latency_dark": ("latency", ["--dark-region"])}
# Seconds a bench may run (default 1800): capacity waits out real minutes on a stack per size.
TIMEOUT_SECONDS = {"capacity": 3600}


def _start(name: str, out: Path, quick: bool) -> subprocess.Popen:
    script, options = VARIANTS.get(name, (name, []))
    command = [sys.executable, str(BENCH_DIR / f"{script}.py"), *options, "--json", str(out)] \
        + (["--quick"] if quick else [])
    print(f"== bench/{script}.py {' '.join(options)}", flush=True)
    return subprocess.Popen(command, cwd=REPO_ROOT)


def _collect(name: str, process: subprocess.Popen, out: Path, started: float) -> dict:
    code = process.wait(TIMEOUT_SECONDS.get(name, 1800))
    figures = json.loads(out.read_text()) if code == 0 and out.exists() else {"error": f"exit code {code}"}
    figures["_seconds"] = round(time.monotonic() - started, 1)
    print(f"== bench/{name}.py done in {figures['_seconds']} s (exit {code})", flush=True)
    return figures


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    results = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "machine": machine(), "quick": quick, "benches": {}}
    with tempfile.TemporaryDirectory() as tmp:
        outs = {name: Path(tmp) / f"{name}.json" for name in SOLO + TOGETHER}
        started = time.monotonic()
        running = {name: _start(name, outs[name], quick) for name in TOGETHER}
        for name, process in running.items():
            results["benches"][name] = _collect(name, process, outs[name], started)
        for name in SOLO:
            started = time.monotonic()
            results["benches"][name] = _collect(name, _start(name, outs[name], quick), outs[name], started)
    (BENCH_DIR / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (BENCH_DIR / "results.md").write_text(render(results))
    print((BENCH_DIR / "results.md").read_text())
    return 0 if all("error" not in b for b in results["benches"].values()) else 1


def render(results: dict) -> str:
    m, b = results["machine"], results["benches"]
    lines = [f"Measured {results['date']} on {m['nproc']} x {m['cpu']}, Python {m['python']}"
             + (" (--quick)" if results["quick"] else "") + ".", "",
             "| Benchmark | Figure | Value |", "|---|---|---|"]

    def add(bench: str, figure: str, value) -> None:
        lines.append(f"| {bench} | {figure} | {value} |")

    checks = b.get("checks", {})
    for row in checks.get("rows", []):
        ratio = f", {row['ratio_to_raw']:.2f}x raw" if "ratio_to_raw" in row else ""
        add("checks", row["label"], f"{row['checks_per_s']:.0f} checks/s, {row['cpu_ms_per_check']:.2f} CPU ms/check, "
            f"peak {row['peak_rss_mb']:.0f} MB, false failures {row['false_failures']}{ratio}")
    for phase, r in checks.get("record_phase", {}).items():
        add("checks", f"record phase ({phase}, moto)", f"{r['results_per_s']:.0f} results/s, "
            f"{r['aws_calls_per_result']} AWS calls, {r['wcu_per_result']} WCU, {r['rcu_per_result']} RCU per result")
    cost = b.get("cost", {})
    if "ours" in cost:
        add("cost", "Scan calls (must be 0)", cost["scan_calls"])
        add("cost", "worker per check", f"{cost['worker_per_check']['wcu']:.2f} WCU, {cost['worker_per_check']['rcu']:.2f} RCU")
        for ours, naive in zip(cost["ours"], cost["naive"]):
            add("cost", f"$ per monitor-month, {ours['regions']} region(s), 60 s",
                f"${ours['dollars']['total']:.4f} (naive design ${naive['dollars']['total']:.4f}); "
                f"prices {cost['prices_as_of']}, {cost['span_minutes']} simulated min extrapolated")
    for name, dark in (("latency", ""), ("latency_dark", ", EuWest of 2 regions dark")):
        for row in b.get(name, {}).get("rows", []):
            add("latency", f"{row['interval_s']} s x threshold {row['failure_threshold']} "
                f"({row['trials']} trials{dark})",
                f"down p50 {row['down_p50_s']} s / p95 {row['down_p95_s']} s (ideal "
                f"{row['ideal_down_s']} s); up p50 {row['up_p50_s']} s / p95 {row['up_p95_s']} s "
                f"(ideal {row['ideal_up_s']} s)")
    api = b.get("api_latency", {})
    for key, label in (("list_monitors", "GET /api/monitors (200)"), ("ping", "GET /ping/{token}")):
        if key in api:
            r = api[key]
            add("api", f"{label}, {api['clients']} clients", f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
                f"{r['rps']} req/s, 429s {r['rate_limited_429']}")
    pings = b.get("pings", {})
    for row in pings.get("rows", []):
        e, r = row["enori"], row["raw"]
        add("pings", f"{row['connections']} connections, {row['tokens']}",
            f"{e['stored_per_s']} stored/s (p50 {e['p50_ms']} ms, p99 {e['p99_ms']} ms), "
            f"{row['ratio']}x raw ({r['stored_per_s']}/s, one PutItem per ping)")
    if "list" in pings:
        e, r = pings["list"]["enori"], pings["list"]["raw"]
        add("pings", "GET /api/monitors (50), 20 connections",
            f"{e['stored_per_s']}/s (p50 {e['p50_ms']} ms, p99 {e['p99_ms']} ms), "
            f"{pings['list']['ratio']}x raw (one Query of 50)")
        add("pings", "acknowledged = stored", f"{pings['acknowledged']} = {pings['stored']}")
    cold = b.get("cold_start", {})
    if "import_ms_median" in cold:
        add("cold start", "import app (-X importtime)", f"{cold['import_ms_median']} ms median")
        add("cold start", "deployment zip", f"{cold['package_mb_without_boto']} MB without boto3/botocore, "
            f"{cold['package_mb_with_boto']} MB with")
    dash = b.get("dashboard", {})
    if "overview" in dash:
        r = dash["overview"]
        add("dashboard", f"GET / render, {dash['monitors']} monitors (Server-Timing)",
            f"p50 {r['server_p50_ms']} ms, p95 {r['server_p95_ms']} ms "
            f"(end to end p50 {r['end_to_end_p50_ms']} ms; GET /api/monitors of the same "
            f"monitors p50 {dash['api_list']['end_to_end_p50_ms']} ms)")
        for path, weight in dash["page_weight"].items():
            add("dashboard", f"JS+CSS of {path.split('/mon_')[0]}", f"{weight['total_gzip_kb']} KB gzip")
    for row in b.get("scheduler_scale", {}).get("rows", []):
        moto = row["moto_sequential"]
        add("scheduler", f"one tick, {row['monitors']:,} monitors, 3 regions, moto answering",
            f"{moto['wall_s']} s ({moto['cpu_outside_moto_s']} s CPU outside moto); {moto['jobs']} checks in "
            f"{moto['messages']} messages, {moto['send_batches']} SendMessageBatch, {moto['index_queries']} index Queries")
        for added in (0, b["scheduler_scale"]["added_ms"]):
            seq, par = row[f"sequential_added_{added}ms"], row[f"parallel_added_{added}ms"]
            add("scheduler", f"one tick, {row['monitors']:,} monitors, replayed, +{added} ms per AWS call",
                f"parallel {par['wall_s']} s (CPU {par['cpu_s']} s), sequential {seq['wall_s']} s (CPU {seq['cpu_s']} s)")
    capacity = b.get("capacity", {})
    for row in capacity.get("rows", []):
        if "error" in row:
            add("capacity", f"{row['monitors']:,} Website monitors at 60 s", f"FAILED: {row['error']}")
            continue
        add("capacity", f"{row['monitors']:,} Website monitors at 60 s, local stack",
            f"{row['checks_per_minute']:,} checks/min, lag p50 {row['p50_lag_s']} s / p99 "
            f"{row['p99_lag_s']} s, missed {row['missed_pct']} %, {row['cpu_ms_per_check']} CPU ms/check")
    if "rows" in capacity:
        add("capacity", f"largest N with p99 lag <= {capacity['max_p99_lag_s']} s, no missed slot",
            capacity["capacity"] if capacity["capacity"] is not None else "none measured")
    for name, figures in b.items():
        if "error" in figures:
            add(name, "FAILED", figures["error"])
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
