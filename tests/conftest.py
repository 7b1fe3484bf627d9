"""Shared test fixtures: a throwaway Redis server on loopback for the shared-index tests.

Without redis-server the Redis tests are skipped locally and fail under CI (env CI set),
where `make services` installs it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> str:
    """URL prefix (`redis://127.0.0.1:PORT`) of a private redis-server, stopped after the session."""
    executable = shutil.which("redis-server")
    if executable is None:
        message = "redis-server is not installed (Debian: apt-get install redis-server, or `make services`)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("redis")
    port = _free_port()
    process = subprocess.Popen(
        [executable, "--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not _ping(port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not answer PING on port {port} (exit code {process.poll()})")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def redis_url(redis_server) -> str:
    """An empty Redis database for one test (database 0, flushed before use)."""
    import redis

    client = redis.Redis.from_url(f"{redis_server}/0")
    client.flushdb()
    client.close()
    return f"{redis_server}/0"
