"""A throwaway redis-server for the Redis-broker tests of tests/core (health, worker shutdown)."""

import shutil
import socket
import subprocess
import time

import pytest


@pytest.fixture
def redis_port():
    """A redis-server on a free loopback port, without persistence; its port."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (scripts/system-packages.sh test)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "no redis-server"
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def redis_url(redis_port):
    return f"redis://127.0.0.1:{redis_port}/0"
