"""The overview's figures on the real stack's DynamoDB Local (E17): many workers recording the
same hour of one monitor at once, and telemetry updates landing out of order, are all counted:
the page shows what `/stats` answers, with the hour's counts kept on the monitor by a string
`<` condition DynamoDB Local evaluates itself."""
import http.client
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

from conftest import REPO_ROOT
from test_evaluator_concurrency import endpoints

SIGN_IN = re.compile(r"Sign in to the dashboard .*: http://[^/]+/signin/(\S+)")


def signed_in(stack) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30)
    connection.request("POST", "/signin", urlencode({"link": SIGN_IN.search(stack.output)
                                                     .group(1)}),
                       {"Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    assert response.status == 303, response.read()
    return {"Cookie": response.getheader("Set-Cookie").split(";")[0]}


def overview_row(stack, cookie: dict, monitor_id: str) -> list[str]:
    status, _, page = stack.raw_request("GET", "/", headers=cookie)
    assert status == 200
    row = re.search(rf'href="/monitors/{monitor_id}">.*?</tr>', page.decode(), re.S).group(0)
    return re.findall(r'<td class="figure">(.*?)</td>', row)[:2]


def stats_figure(stack, monitor_id: str, period: str) -> str:
    value = stack.request("GET", f"/api/monitors/{monitor_id}/stats?period={period}",
                          key=stack.key)[1]["uptimePercentage"]
    return "—" if value is None else "%.2f %%" % value


def test_racing_results_of_one_hour_are_all_on_the_overview(local_stack):
    stack = local_stack
    status, monitor = stack.request("POST", "/api/monitors", key=stack.key, body={
        "name": "Raced figures", "type": "Website", "url": "http://127.0.0.1:9/",
        "intervalSeconds": 3600, "regions": ["UsEast", "EuWest"]})
    assert status == 201
    assert stack.request("POST", f"/api/monitors/{monitor['id']}/pause", key=stack.key)[0] == 200
    account_id = stack.request("GET", "/api/account", key=stack.key)[1]["id"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENORI_", "AWS_"))}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).parent / "race_results.py"), account_id,
         monitor["id"], "12"], cwd=REPO_ROOT, env={**env, **endpoints(stack),
                                                   "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    raced = json.loads(done.stdout.strip().splitlines()[-1])
    assert raced["landed"] == [True, False]     # the earlier state is refused by DynamoDB Local
    expected = [stats_figure(stack, monitor["id"], p) for p in ("24h", "30d")]
    assert expected[0] == "64.29 %"             # 9 of 14 passed: every result counted
    assert overview_row(stack, signed_in(stack), monitor["id"]) == expected
