"""
The latency proxy of the network benchmark (``benchmarks/latency_proxy.py``): bytes pass
unchanged and in order, and a round trip through it costs at least twice the delay.
"""

from __future__ import annotations

import gc
import random
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from latency_proxy import LatencyProxy

DELAY_MS = 40


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture
def echo() -> Iterator[tuple[str, int]]:
    """A TCP echo server on a free port of 127.0.0.1."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", int(server.server_address[1])
    server.shutdown()
    server.server_close()


def exchange(port: int, payload: bytes) -> tuple[bytes, float]:
    """Send *payload* through 127.0.0.1:*port* and read as much back: the bytes, seconds."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        started = time.perf_counter()
        sender = threading.Thread(target=conn.sendall, args=(payload,))
        sender.start()
        received = bytearray()
        while len(received) < len(payload):
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
        seconds = time.perf_counter() - started
        sender.join()
    return bytes(received), seconds


class TestLatencyProxy:
    def test_a_round_trip_costs_twice_the_delay(self, echo: tuple[str, int]) -> None:
        """One byte there and back through the proxy takes at least 2 x 40 ms, and the
        proxy counts each exchange as one round trip."""
        with LatencyProxy(echo, delay_ms=DELAY_MS) as proxy:
            for _ in range(3):
                data, seconds = exchange(proxy.port, b"x")
                assert (b"x", True) == (data, seconds >= 2 * DELAY_MS / 1000)
            assert 3 == proxy.round_trips

    def test_bytes_pass_unchanged_and_in_order(self, echo: tuple[str, int]) -> None:
        """2 MB of random bytes (every byte value) come back as they were sent, delayed
        once, not once per chunk: a stream is not throttled."""
        payload = random.Random(28).randbytes(2_000_000)
        with LatencyProxy(echo, delay_ms=DELAY_MS) as proxy:
            data, seconds = exchange(proxy.port, payload)
        assert payload == data
        assert seconds >= 2 * DELAY_MS / 1000
        assert seconds < 30 * 2 * DELAY_MS / 1000  # 2 MB are dozens of chunks, not 30 trips

    @pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
    def test_stopping_closes_open_connections_quietly(
        self, echo: tuple[str, int], caplog: pytest.LogCaptureFixture
    ) -> None:
        """The proxy stopped while a client is connected: the client's connection ends, and
        no task is left pending or logged as destroyed."""
        with LatencyProxy(echo, delay_ms=5) as proxy:
            conn = socket.create_connection(("127.0.0.1", proxy.port), timeout=30)
            conn.sendall(b"ping")
            assert b"ping" == conn.recv(16)
        with conn:
            assert b"" == conn.recv(16)
        gc.collect()  # a task left pending is reported when it is collected
        assert [] == [r.getMessage() for r in caplog.records if r.name == "asyncio"]

    def test_the_script_prints_its_port_and_forwards(self, echo: tuple[str, int]) -> None:
        """Run as a script, it prints the port it listens on and forwards there."""
        proxy = subprocess.Popen(
            [sys.executable, str(ROOT / "benchmarks" / "latency_proxy.py"),
             "--listen", "127.0.0.1:0", "--target", f"{echo[0]}:{echo[1]}", "--delay-ms", "5"],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert proxy.stdout is not None
            port = int(proxy.stdout.readline())
            data, seconds = exchange(port, b"hello")
            assert (b"hello", True) == (data, seconds >= 0.010)
        finally:
            proxy.terminate()
            proxy.wait(timeout=10)
