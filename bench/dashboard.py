"""The dashboard on the REAL local stack (E17): the server's time to render the monitor list
(`GET /`, the overview) with 200 monitors, once every one has a check result (so the page has
uptime, response times and sparklines to read), read from the page's own `Server-Timing` header
(data and template, no transport) and measured end to end by one client, over TRIALS requests
(30; quick: 15); and the JS+CSS each page loads, gzip-compressed, against the 150 KB budget.
Usage: python bench/dashboard.py [--quick] [--json out.json]
"""
from __future__ import annotations

import gzip
import http.client
import json
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import finish, parse_args, percentile  # noqa: E402

MONITORS = 200
BUDGET_BYTES = 150 * 1024
SIGN_IN = re.compile(r"Sign in to the dashboard .*: http://[^/]+/signin/(\S+)")
ASSETS = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def fetch(port: int, method: str, path: str, headers: dict, body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def sign_in(port: int, token: str) -> dict:
    status, headers, _ = fetch(port, "POST", "/signin", {
        "Content-Type": "application/x-www-form-urlencoded"}, urlencode({"link": token}).encode())
    if status != 303:
        raise RuntimeError(f"sign-in answered {status}")
    return {"Cookie": headers["Set-Cookie"].split(";")[0]}


def render_times(port: int, path: str, cookie: dict, trials: int) -> dict:
    server, total = [], []
    for _ in range(trials):
        start = time.perf_counter()
        status, headers, _ = fetch(port, "GET", path, cookie)
        total.append(time.perf_counter() - start)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        server.append(float(headers["Server-Timing"].split("dur=")[1]) / 1000)
    return {"trials": trials,
            "server_p50_ms": round(percentile(server, 50) * 1000, 1),
            "server_p95_ms": round(percentile(server, 95) * 1000, 1),
            "end_to_end_p50_ms": round(percentile(total, 50) * 1000, 1)}


def wait_until_checked(port: int, key: str, count: int, timeout: float = 420) -> int:
    """Wait until `count` monitors have a result (their first check: at most one interval
    after they were created); how many had one when waiting stopped."""
    deadline = time.monotonic() + timeout
    while True:
        _, _, body = fetch(port, "GET", "/api/monitors?limit=500", {"X-API-Key": key})
        checked = sum(1 for m in json.loads(body)["items"] if m["lastCheckedAt"])
        if checked >= count or time.monotonic() > deadline:
            return checked
        time.sleep(10)


def api_times(port: int, key: str, trials: int) -> dict:
    """The same monitors through the API (`GET /api/monitors?limit=500`), end to end: what
    fetching the data costs before any HTML is written."""
    total = []
    for _ in range(trials):
        start = time.perf_counter()
        status, _, _ = fetch(port, "GET", "/api/monitors?limit=500", {"X-API-Key": key})
        total.append(time.perf_counter() - start)
        if status != 200:
            raise RuntimeError(f"GET /api/monitors answered {status}")
    return {"trials": trials, "end_to_end_p50_ms": round(percentile(total, 50) * 1000, 1)}


def page_weight(port: int, path: str, cookie: dict) -> dict:
    """The gzip size of every script and stylesheet `path` loads."""
    _, _, html = fetch(port, "GET", path, cookie)
    sizes = {}
    for asset in ASSETS.findall(html.decode()):
        _, _, body = fetch(port, "GET", asset, {})
        sizes[asset.rsplit("/", 1)[1]] = len(gzip.compress(body, 6))
    return {"assets_gzip_bytes": sizes, "total_gzip_kb": round(sum(sizes.values()) / 1024, 1),
            "within_150_kb": sum(sizes.values()) <= BUDGET_BYTES}


def main(argv=None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv)
    trials = 15 if args.quick else 30
    from common.stack import HttpTarget, create_monitors, make_keys, start_stack, stop_stack

    stack, tmp = start_stack()
    target = HttpTarget().start()
    try:
        keys = make_keys(stack, MONITORS // 10)
        created = create_monitors(stack, keys, [
            {"name": f"site-{i}", "type": "Website", "url": target.url, "intervalSeconds": 300,
             "regions": ["UsEast"], "tags": ["bench"]} for i in range(MONITORS)])
        checked = wait_until_checked(stack.port, stack.key, MONITORS)
        print(f"  {checked} of {MONITORS} monitors checked", flush=True)
        cookie = sign_in(stack.port, SIGN_IN.search(stack.output).group(1))
        render_times(stack.port, "/", cookie, 3)   # warm the worker
        overview = render_times(stack.port, "/", cookie, trials)
        api = api_times(stack.port, stack.key, trials)
        print(f"  GET / with {MONITORS} monitors: server p50 {overview['server_p50_ms']} ms, "
              f"p95 {overview['server_p95_ms']} ms, end to end p50 "
              f"{overview['end_to_end_p50_ms']} ms; GET /api/monitors end to end p50 "
              f"{api['end_to_end_p50_ms']} ms", flush=True)
        weights = {path: page_weight(stack.port, path, cookie)
                   for path in ("/", f"/monitors/{created[0]['id']}", "/alerting")}
        for path, weight in weights.items():
            print(f"  {path}: JS+CSS {weight['total_gzip_kb']} KB gzip", flush=True)
    finally:
        target.stop()
        stop_stack(stack, tmp)
    result = {"monitors": MONITORS, "checked": checked, "overview": overview, "api_list": api,
              "page_weight": weights}
    finish(args, result)
    return result


if __name__ == "__main__":
    main()
