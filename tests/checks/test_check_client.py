"""The check worker's HTTP client opens a fresh connection per check (no keep-alive pool):
cheaper in CPU with many distinct hosts, and every check's time includes its connect."""
import asyncio

from chalicelib.kernel.netguard import OutboundGuard, guarded_request, make_http_client


async def serve_counting_connections(connections: list) -> asyncio.AbstractServer:
    async def handle(reader, writer):
        connections.append(writer.get_extra_info("peername"))
        while True:
            request = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
            if not request:
                break
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


async def connections_for(keepalive: bool, requests: int = 3) -> int:
    connections: list = []
    server = await serve_counting_connections(connections)
    port = server.sockets[0].getsockname()[1]
    guard = OutboundGuard(allow_private=True)
    try:
        async with make_http_client(guard, max_connections=4, keepalive=keepalive) as client:
            for _ in range(requests):
                response, _ = await guarded_request(client, guard, "GET",
                                                    f"http://127.0.0.1:{port}/")
                assert response.status_code == 200
    finally:
        server.close()
    return len(connections)


def test_without_keepalive_each_request_has_its_own_connection():
    assert asyncio.run(connections_for(keepalive=False)) == 3


def test_with_keepalive_the_connection_is_reused():
    assert asyncio.run(connections_for(keepalive=True)) == 1


def test_the_check_worker_builds_its_client_without_keepalive(monkeypatch):
    from chalicelib.checks import runner as checks

    built = {}

    def spy(guard, max_connections=50, **options):
        built.update(options)
        return make_http_client(guard, max_connections, **options)

    monkeypatch.setattr(checks, "make_http_client", spy)
    asyncio.run(checks.run_jobs([]))
    assert built["keepalive"] is False


# CPU per check, made deterministic: Python function calls on the client's thread (the target
# serves from another thread, so its calls are not counted). Wall or CPU time would vary with
# the machine's load; calls do not. bench/checks.py gives the time these calls cost.
# ~1,515 measured: httpcore's pool on the guard's asyncio streams (~1,290 with the one-shot
# path that bypassed the pool while Website checks ran on httpx); the pool on anyio took ~2,020.
CALLS_PER_REQUEST_CEILING = 1700


def serve_in_a_thread() -> int:
    import threading

    ready, box = threading.Event(), {}

    async def handle(reader, writer):
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    def run():
        loop = asyncio.new_event_loop()
        server = loop.run_until_complete(asyncio.start_server(handle, "127.0.0.1", 0))
        box["port"] = server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    assert ready.wait(10)
    return box["port"]


async def requests_through_the_check_client(port: int, count: int, at_once: int) -> None:
    guard = OutboundGuard(allow_private=True)
    async with make_http_client(guard, max_connections=at_once, keepalive=False) as client:
        async def one():
            response, _ = await guarded_request(client, guard, "GET", f"http://127.0.0.1:{port}/")
            assert response.status_code == 200

        for start in range(0, count, at_once):
            await asyncio.gather(*(one() for _ in range(min(at_once, count - start))))


def python_calls_per_request(port: int, count: int, at_once: int,
                             requests=requests_through_the_check_client) -> float:
    """Python function calls per request of `requests(port, count, at_once)`, after a warm-up
    (imports, first use)."""
    import sys

    asyncio.run(requests(port, 4, at_once))
    calls = [0]

    def count_calls(frame, event, arg):
        if event == "call":
            calls[0] += 1

    sys.setprofile(count_calls)
    try:
        asyncio.run(requests(port, count, at_once))
    finally:
        sys.setprofile(None)
    return calls[0] / count


def test_a_request_without_keepalive_stays_under_its_python_call_budget():
    assert python_calls_per_request(serve_in_a_thread(), 40, 1) < CALLS_PER_REQUEST_CEILING


def test_with_keepalive_a_connection_the_server_dropped_while_idle_is_not_reused():
    """Deliveries keep connections alive; the asyncio stream must tell the pool that an idle
    one was closed by the server (`is_readable`), or the next request would fail on it."""
    async def scenario() -> list:
        connections: list = []
        hung_up = asyncio.Event()

        async def answer_once_then_hang_up(reader, writer):
            connections.append(writer.get_extra_info("peername"))
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
            writer.close()
            await writer.wait_closed()
            hung_up.set()

        server = await asyncio.start_server(answer_once_then_hang_up, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        guard = OutboundGuard(allow_private=True)
        statuses = []
        try:
            async with make_http_client(guard, max_connections=4, keepalive=True) as client:
                for _ in range(3):
                    response, _ = await guarded_request(client, guard, "GET",
                                                        f"http://127.0.0.1:{port}/")
                    statuses.append(response.status_code)
                    await hung_up.wait()   # the server's FIN is on the idle connection
                    hung_up.clear()
        finally:
            server.close()
        return [statuses, len(connections)]

    assert asyncio.run(scenario()) == [[200, 200, 200], 3]


# --- the Website checker's client (aiohttp, kernel/netguard_aio) ------------------------------
# The same budgets for the client that now carries every Website check: Python calls on the
# client's thread per request (the C parser and multidicts are not counted, as they cost little).
WEB_CALLS_PER_REQUEST_CEILING = 700   # ~550 measured; httpx's one-shot path took ~1,290


async def requests_through_the_web_client(port: int, count: int, at_once: int) -> None:
    from chalicelib.kernel.netguard_aio import make_web_client

    guard = OutboundGuard(allow_private=True)
    async with make_web_client(guard, at_once) as client:
        async def one():
            response, _ = await client.fetch("GET", f"http://127.0.0.1:{port}/", headers={})
            assert response.status == 200
            await response.read()
            response.release()

        for start in range(0, count, at_once):
            await asyncio.gather(*(one() for _ in range(min(at_once, count - start))))


def python_calls_per_web_request(port: int, count: int, at_once: int) -> float:
    return python_calls_per_request(port, count, at_once, requests_through_the_web_client)


def test_a_website_request_stays_under_its_python_call_budget():
    assert python_calls_per_web_request(serve_in_a_thread(), 40, 1) < WEB_CALLS_PER_REQUEST_CEILING


def test_website_requests_in_flight_together_cost_no_more_each_than_one_alone():
    port = serve_in_a_thread()
    alone = python_calls_per_web_request(port, 32, 1)
    assert python_calls_per_web_request(port, 32, 32) < alone * 1.05


def test_each_website_check_of_a_batch_has_its_own_connection(monkeypatch):
    """No keep-alive across checks (force_close): one at a time, three checks of the same
    target open three connections, so each response time includes its connect."""
    import dataclasses

    from chalicelib.bus.check_requests import CheckRequest
    from chalicelib.checks import runner
    from chalicelib.monitors.models import monitor_defaults_dump, parse_monitor

    async def scenario() -> tuple[list, int]:
        connections: list = []
        server = await serve_counting_connections(connections)
        port = server.sockets[0].getsockname()[1]
        config = monitor_defaults_dump(parse_monitor(
            {"name": "w", "type": "Website", "url": f"http://127.0.0.1:{port}/"}))
        try:
            ran = await runner.run_jobs([(CheckRequest("acc", f"mon_{i}", 60, "UsEast",
                                                       config=config), None) for i in range(3)])
        finally:
            server.close()
        return [r.result.ok for r in ran], len(connections)

    monkeypatch.setattr(runner, "settings",
                        dataclasses.replace(runner.settings, allow_private_targets=True))
    monkeypatch.setattr(runner, "CONCURRENCY", 1)
    assert asyncio.run(scenario()) == ([True, True, True], 3)
