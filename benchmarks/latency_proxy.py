"""
A TCP proxy that holds back every byte for a fixed one-way delay in each direction, so
that a round trip through it costs twice the delay: a wide-area network on one machine,
for the benchmarks (standard library only).

    python benchmarks/latency_proxy.py --listen 127.0.0.1:0 --target 127.0.0.1:5432 --delay-ms 5

prints the port it listens on (one line) and forwards until interrupted. In Python,
:class:`LatencyProxy` runs it in a thread for the duration of a ``with`` block::

    with LatencyProxy(("127.0.0.1", 5432), delay_ms=20) as proxy:
        url = f"postgresql://USER:PASSWORD@127.0.0.1:{proxy.port}/DBNAME"

Bytes pass unchanged and in order. What is read at time t is written at t + delay while
reading goes on: a stream is delayed, not throttled, as on a long link (no bandwidth
limit, no loss). The TCP handshake to the proxy is not delayed; everything after it is,
a connection's own start-up messages included.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable
from types import TracebackType

Address = tuple[str, int]

#: Bytes read from a socket at a time.
READ = 1 << 16


async def _pipe(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    delay: float,
    heard: Callable[[], None],
) -> None:
    """Copy *reader* to *writer*, each chunk written *delay* seconds after it was read
    (*heard* called as it is read); at the end of *reader*, end *writer* (half-close) as
    late."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()

    delivering = asyncio.create_task(deliver())
    try:
        while data := await reader.read(READ):
            heard()
            queue.put_nowait((loop.time() + delay, data))
    except ConnectionError:
        pass  # the peer went away: what was read still goes out, then the end
    except asyncio.CancelledError:  # the proxy stops
        delivering.cancel()
        raise
    queue.put_nowait((loop.time() + delay, b""))
    with contextlib.suppress(ConnectionError):
        await delivering


class Exchanges:
    """What crossed the proxy: :attr:`round_trips`, the times a client sent something after
    the server last spoke on its connection (or first), each a request that waits for its
    answer, over every connection. Requests a client sends one after another without
    waiting (a pipeline) are one round trip."""

    def __init__(self) -> None:
        self.round_trips = 0


async def _connection(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    target: Address,
    delay: float,
    exchanges: Exchanges,
) -> None:
    """One client: a connection to *target*, both directions delayed, both closed after."""
    client_spoke_last = False

    def heard(from_client: bool) -> None:
        nonlocal client_spoke_last
        if from_client and not client_spoke_last:
            exchanges.round_trips += 1
        client_spoke_last = from_client

    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(*target)
    except OSError:
        client_writer.close()
        return
    try:
        await asyncio.gather(
            _pipe(client_reader, upstream_writer, delay, lambda: heard(True)),
            _pipe(upstream_reader, client_writer, delay, lambda: heard(False)),
        )
    finally:
        for writer in (client_writer, upstream_writer):
            writer.close()


async def serve(
    listen: Address, target: Address, delay_ms: float, exchanges: Exchanges | None = None
) -> asyncio.Server:
    """Listen at *listen* (port 0: a free one) and forward each connection to *target*,
    counting into *exchanges*."""
    delay = delay_ms / 1000
    counted = Exchanges() if exchanges is None else exchanges
    # The tasks of open connections, held: asyncio holds a task weakly, and a stream's
    # protocol its reader, so an idle connection's tasks could be collected while pending.
    connections: set[asyncio.Task[None]] = set()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        connections.add(task)
        # Cancelled when the proxy stops: the connection ends there, not in an error log
        # (asyncio's stream callback reports a client task that ends cancelled).
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await _connection(reader, writer, target, delay, counted)
        finally:
            connections.discard(task)

    return await asyncio.start_server(accept, *listen)


class LatencyProxy:
    """The proxy in a thread of its own while a ``with`` block runs; :attr:`port` is where
    it listens (on *listen*'s host), :attr:`round_trips` the round trips so far."""

    def __init__(
        self, target: Address, *, delay_ms: float, listen: Address = ("127.0.0.1", 0)
    ) -> None:
        self.target = target
        self.delay_ms = delay_ms
        self.listen = listen
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="latency-proxy", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._exchanges = Exchanges()

    @property
    def round_trips(self) -> int:
        """The round trips through the proxy so far, every connection's (see :class:`Exchanges`)."""
        return self._exchanges.round_trips

    def __enter__(self) -> LatencyProxy:
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join()
            raise self._error
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()

    def _run(self) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            server = loop.run_until_complete(
                serve(self.listen, self.target, self.delay_ms, self._exchanges)
            )
        except BaseException as error:  # handed to the thread that waits in __enter__
            self._error = error
            self._ready.set()
            loop.close()
            return
        self.port = int(server.sockets[0].getsockname()[1])
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            while tasks := asyncio.all_tasks(loop):  # the connections, to the last task
                for task in tasks:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(server.wait_closed())
            loop.close()


def address(text: str) -> Address:
    """``HOST:PORT`` as a pair (argparse type)."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


async def _main(listen: Address, target: Address, delay_ms: float) -> None:
    server = await serve(listen, target, delay_ms)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--listen", type=address, default=("127.0.0.1", 0), metavar="HOST:PORT")
    parser.add_argument("--target", type=address, required=True, metavar="HOST:PORT")
    parser.add_argument(
        "--delay-ms", type=float, required=True, help="one-way delay (a round trip: twice)"
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args.listen, args.target, args.delay_ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
