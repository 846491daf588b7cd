"""A minimal asyncio HTTP/1.1 target and a minimal raw client, for the check throughput bench.

The target runs in its own PROCESS (so it does not share the worker's GIL): keep-alive,
`GET /fast` answers at once, `GET /slow` after SLOW_SECONDS. The raw client is the baseline the
worker is compared with: asyncio.open_connection, a fixed number of connections, either kept
alive or (as the worker runs, `keepalive=False`) one connection per request.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import time

SLOW_SECONDS = 0.050
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
            b"Connection: keep-alive\r\n\r\nok")


async def _serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line = head.split(b"\r\n", 1)[0]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            if b" /slow" in request_line:
                await asyncio.sleep(SLOW_SECONDS)
            writer.write(RESPONSE)
            await writer.drain()
            if b"connection: close" in head.lower():
                break
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


def _run_server(conn) -> None:
    async def main():
        server = await asyncio.start_server(_serve_connection, "127.0.0.1", 0, backlog=4096)
        conn.send(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def start_target() -> tuple[multiprocessing.Process, int]:
    """The target in a child process; returns (process, port). Terminate the process when done."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_run_server, args=(child,), daemon=True)
    process.start()
    if not parent.poll(30):
        process.terminate()
        raise RuntimeError("the target server did not start")
    return process, parent.recv()


async def raw_get_all(port: int, path: str, count: int, concurrency: int,
                      timeout: float = 30.0, keepalive: bool = True) -> tuple[int, list[str]]:
    """GET `path` `count` times, `concurrency` at a time, over keep-alive connections or (not
    `keepalive`) a connection per request, closed after its response; (ok count, errors)."""
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"User-Agent: raw-baseline\r\n\r\n").encode()
    remaining = [count]
    ok, errors = [0], []

    async def connection() -> None:
        reader = writer = None
        while remaining[0] > 0:
            remaining[0] -= 1
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection("127.0.0.1", port), timeout)
                writer.write(request)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                if head.startswith(b"HTTP/1.1 200"):
                    ok[0] += 1
                else:
                    errors.append(head.split(b"\r\n", 1)[0].decode())
                if not keepalive:
                    writer.close()
                    reader = writer = None
            except Exception as exc:  # noqa: BLE001 - counted, and the first one reported
                errors.append(f"{type(exc).__name__}: {exc}")
                if writer is not None:
                    writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(min(concurrency, count))))
    return ok[0], errors


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
