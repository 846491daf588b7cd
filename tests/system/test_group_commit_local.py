"""Pings under load on the real stack (E20): two API processes, each grouping the job-state
writes of its threads in TransactWriteItems on DynamoDB Local, and racing each other on one
token: no 500, every 200 stored, chunks flushed in the groups. (Before a ping retried its lost
races until stored, 1 run in 2 of this test had a 500 among the one token's pings.)"""
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from conftest import LocalStack

JOBS = 9                      # and one more: 10 creates, a key's hourly allowance
PINGS_PER_JOB = 30            # past a buffer's capacity: each job flushes chunks under load
ONE_TOKEN_PINGS = 280         # under the 300-a-minute limit: each one must be stored


def test_concurrent_pings_over_two_processes_are_all_stored_and_none_is_a_500(tmp_path):
    stack = LocalStack(tmp_path / "data", env={"ENORI_API_WORKERS": "2"}).start()
    try:
        jobs = []
        for i in range(JOBS + 1):
            status, job = stack.request("POST", "/api/monitors", key=stack.key, body={
                "name": f"busy {i}", "type": "Job", "periodSeconds": 3600})
            assert status == 201
            jobs.append(job)
        many, one = jobs[:JOBS], jobs[JOBS]
        def send(pair):
            job, message = pair
            status, _ = stack.request("POST", f"/ping/{job['pingToken']}", body=message.encode())
            return job["id"], message, status

        # One token hammered by every thread (both processes race on its job), then many.
        answers = []
        for sends in ([(one, f"one {n}") for n in range(ONE_TOKEN_PINGS)],
                      [(job, f"{job['id']} {n}") for n in range(PINGS_PER_JOB) for job in many]):
            with ThreadPoolExecutor(max_workers=24) as pool:
                answers += pool.map(send, sends)
        assert Counter(status for _, _, status in answers) == {200: len(answers)}
        for job in jobs:
            history = stack.request("GET", f"/api/monitors/{job['id']}/pings?limit=500",
                                    key=stack.key)[1]
            sent = sorted(m for job_id, m, _ in answers if job_id == job["id"])
            assert sorted(p["message"] for p in history["items"]) == sent
            assert history["totalCount"] == len(sent)
        assert "Traceback" not in stack.output
    finally:
        stack.stop()
        stack.kill()
