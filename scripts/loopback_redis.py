"""A throwaway redis-server on a free loopback port, for the tests and the index benchmark.

Both need the same thing: no persistence, bound to 127.0.0.1, answering PING before use,
and stopped afterwards whatever happened.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

STARTUP_SECONDS = 20


def command(port: int, line: str) -> str:
    """Send one inline command to the server on `port`; its first reply line ("" if none)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(line.encode("ascii") + b"\r\n")
            return connection.recv(64).decode("ascii", "replace").strip()
    except OSError:
        return ""


@contextlib.contextmanager
def loopback_redis(executable: str, folder: Path) -> Iterator[int]:
    """Start `executable` on a free port with `folder` as its directory; yield the port.

    RuntimeError (with the port and exit code) if it does not answer PING in time.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    arguments = ["--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder)]
    process = subprocess.Popen([executable, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while command(port, "PING") != "+PONG":
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer PING on port {port} (exit code {process.poll()})")
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
