"""API latency on the REAL local stack (E11): p50/p99 and requests per second of
`GET /api/monitors` (200 monitors, one page) and `GET /ping/{token}` under 20 concurrent clients,
REQUESTS each endpoint (600; quick: 400).

Rate limits are real here: reads are 200/min per key, so the 20 clients use 20 keys (about 100
reads each); pings are 60/min per token, so pings rotate over 50 Job monitors' tokens. Creating a
monitor is 10/hour per key, so the 200 monitors are created ten per key. Any 429 is counted apart
from the latencies. The 150 Website monitors check a local target every 5 minutes (light
background load, as a real install has).
Usage: python bench/api_latency.py [--quick] [--json out.json]
"""
from __future__ import annotations

import http.client
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import finish, parse_args, percentile  # noqa: E402

CLIENTS = 20
WEBSITES, JOBS = 150, 50


def hammer(port: int, paths_for_client, headers_for_client, total: int) -> dict:
    """CLIENTS threads share `total` requests; latencies of non-429 answers, statuses counted."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    remaining = [total]

    def client(index: int) -> None:
        paths, headers = paths_for_client(index), headers_for_client(index)
        sent = 0
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            start = time.perf_counter()
            try:
                connection.request("GET", paths[sent % len(paths)], headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except OSError as exc:
                status = type(exc).__name__
            finally:
                connection.close()
            elapsed = time.perf_counter() - start
            sent += 1
            with lock:
                statuses[status] += 1
                if status != 429:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    wall = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    wall = time.perf_counter() - wall
    done = sum(statuses.values())
    return {"requests": done, "wall_s": round(wall, 2), "rps": round(done / wall, 1),
            "p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "statuses": {str(k): v for k, v in statuses.items()},
            "rate_limited_429": statuses.get(429, 0)}


def main(argv=None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv)
    total = 400 if args.quick else 600   # ~10 min for all of make bench on this machine
    from common.stack import HttpTarget, create_monitors, make_keys, start_stack, stop_stack

    stack, tmp = start_stack()
    target = HttpTarget().start()
    try:
        keys = make_keys(stack, max(CLIENTS, (WEBSITES + JOBS + 9) // 10))
        bodies = [{"name": f"site-{i}", "type": "Website", "url": target.url,
                   "intervalSeconds": 300, "regions": ["UsEast"]} for i in range(WEBSITES)]
        bodies += [{"name": f"job-{i}", "type": "Job", "periodSeconds": 3600} for i in range(JOBS)]
        t0 = time.monotonic()
        created = create_monitors(stack, keys, bodies)
        print(f"  {len(created)} monitors created in {time.monotonic() - t0:.0f} s", flush=True)
        tokens = [m["pingToken"] for m in created if m.get("pingToken")]
        listing = hammer(stack.port, lambda i: ["/api/monitors?limit=500"],
                         lambda i: {"X-API-Key": keys[i]}, total)
        print(f"  GET /api/monitors (200 monitors): p50 {listing['p50_ms']} ms, p99 {listing['p99_ms']} ms, "
              f"{listing['rps']} req/s, 429s {listing['rate_limited_429']}, statuses {listing['statuses']}",
              flush=True)
        pings = hammer(stack.port, lambda i: [f"/ping/{t}" for t in tokens[i::CLIENTS] or tokens],
                       lambda i: {}, total)
        print(f"  GET /ping/{{token}} ({len(tokens)} tokens): p50 {pings['p50_ms']} ms, p99 {pings['p99_ms']} ms, "
              f"{pings['rps']} req/s, 429s {pings['rate_limited_429']}, statuses {pings['statuses']}",
              flush=True)
    finally:
        target.stop()
        stop_stack(stack, tmp)
    result = {"clients": CLIENTS, "list_monitors": listing, "ping": pings}
    finish(args, result)
    return result


if __name__ == "__main__":
    main()
