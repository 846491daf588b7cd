"""A stop signal that lands while DynamoDB Local is being spawned must not orphan it.

The stack turns SIGTERM into KeyboardInterrupt wherever the main thread is. Raised inside
`Popen()` after the child's exec, it lost the child's handle, and the stop that followed left the
JVM running (CI saw one outlive a stack stopped during start-up)."""
import signal
import subprocess

import pytest

import local.dynamodb_local as dynamodb_local
from local.dynamodb_local import DynamoDBLocal


def interrupt(signum, frame):
    raise KeyboardInterrupt   # what local/__main__.py does with SIGTERM


def test_a_sigterm_during_the_spawn_still_leaves_the_child_in_hand_to_stop(tmp_path, monkeypatch):
    real_popen = subprocess.Popen
    children = []

    def popen_then_sigterm(command, **kwargs):
        child = real_popen(["sleep", "60"], **kwargs)   # a stand-in for the JVM
        children.append(child)
        signal.raise_signal(signal.SIGTERM)   # after the exec, before Popen() returns
        return child

    monkeypatch.setattr(dynamodb_local, "find_install_dir", lambda: tmp_path)
    monkeypatch.setattr(dynamodb_local, "loopback_launcher", lambda install_dir: tmp_path)
    monkeypatch.setattr(dynamodb_local.subprocess, "Popen", popen_then_sigterm)
    database = DynamoDBLocal(tmp_path / "db")
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):   # the stop is delivered, only later
            database.start()
        assert database.process is children[0]
        database.stop()
    finally:
        signal.signal(signal.SIGTERM, previous)
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    assert children[0].returncode == -signal.SIGTERM   # stopped by stop(), not by the cleanup


def test_holding_restores_the_handlers_and_delivers_nothing_when_no_signal_came():
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        with dynamodb_local.stop_signals_held():
            assert signal.getsignal(signal.SIGTERM) is not interrupt
        assert signal.getsignal(signal.SIGTERM) is interrupt
    finally:
        signal.signal(signal.SIGTERM, previous)
