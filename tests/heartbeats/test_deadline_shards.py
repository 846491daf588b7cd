"""The Job deadline index is sharded 32 ways (E16 point 7): no single partition takes every
job's deadline writes, the sweep reads each shard with one Query, and deadlines written under
the older 4-way scheme (`job#0`..`job#3`) are still found."""
import pytest

from chalicelib.storage import monitors as monitor_store

from apitools import aws_calls
from test_heartbeat_watcher import add_job, at, fresh, sweep   # the watcher suite's helpers


@pytest.fixture
def account(clock):
    from chalicelib.accounts.service import create_account

    return create_account("t", "Business", clock.now())


def test_there_are_at_least_32_shards_and_jobs_spread_over_them():
    assert monitor_store.DEADLINE_SHARDS >= 32
    shards = {monitor_store.deadline_shard(f"mon_{n:016d}") for n in range(2000)}
    assert shards == {f"job#{n}" for n in range(monitor_store.DEADLINE_SHARDS)}


def test_the_sweep_queries_every_shard_once_and_finds_a_job_in_a_high_shard(account, clock):
    job = add_job(account, clock)
    item = fresh(job)
    high = f"job#{monitor_store.DEADLINE_SHARDS - 1}"
    item.update(actions=[monitor_store.MonitorItem.deadline_shard.set(high)],
                add_version_condition=False)
    at(clock, 90)
    with aws_calls(with_params=True) as calls:
        assert sweep(clock)["reported"] == 1
    shards = [params["ExpressionAttributeValues"][":0"]["S"] for operation, params in calls
              if operation == "Query" and params.get("IndexName") == "by_deadline"]
    assert sorted(shards) == sorted(f"job#{n}" for n in range(monitor_store.DEADLINE_SHARDS))
    assert fresh(job).status == "Down"


def test_a_deadline_armed_under_the_old_four_shards_is_still_found(account, clock):
    job = add_job(account, clock)
    fresh(job).update(actions=[monitor_store.MonitorItem.deadline_shard.set("job#3")],
                      add_version_condition=False)
    at(clock, 90)
    assert sweep(clock)["reported"] == 1
