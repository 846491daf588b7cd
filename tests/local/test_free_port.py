"""Ports for the local stack's parts are picked below the ephemeral range, so an outgoing
connection cannot take one between its choice and its bind."""
import socket

from local import dynamodb_local
from local.dynamodb_local import LOWEST_PICKED_PORT, ephemeral_ports, free_port


def test_a_picked_port_is_below_the_ephemeral_range_and_free():
    low, _ = ephemeral_ports()
    ports = {free_port() for _ in range(20)}
    assert all(LOWEST_PICKED_PORT <= port < low for port in ports)
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))          # raises if it was not free


def test_a_port_in_use_is_never_picked(monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        busy = taken.getsockname()[1]
        # The busy port twice, then the ports above it: another process on this machine may
        # hold busy + 1 too, so the pick is the first of them it can bind, never the busy one.
        offered = [busy, busy, *range(busy + 1, busy + 100)]
        choices = iter(offered)
        monkeypatch.setattr(dynamodb_local, "ephemeral_ports", lambda: (busy + 100, 60999))
        monkeypatch.setattr(dynamodb_local, "LOWEST_PICKED_PORT", busy - 2000)
        monkeypatch.setattr(dynamodb_local._pick, "randrange", lambda low, high: next(choices))
        picked = free_port()
        assert picked != busy and picked in offered
        assert next(choices) == offered[offered.index(picked) + 1]   # it stopped at the first free


def test_without_room_below_the_range_it_takes_what_the_kernel_gives(monkeypatch):
    monkeypatch.setattr(dynamodb_local, "ephemeral_ports", lambda: (1024, 65535))
    assert 1024 <= free_port() <= 65535


def test_the_range_is_read_from_the_kernel(tmp_path):
    ranges = tmp_path / "ip_local_port_range"
    ranges.write_text("40000\t50000\n")
    assert ephemeral_ports(str(ranges)) == (40000, 50000)
    assert ephemeral_ports(str(tmp_path / "missing")) == (32768, 60999)
