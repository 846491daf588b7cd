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
