"""Shared test fixtures: a throwaway Redis server on loopback for the shared-index tests.

Without redis-server the Redis tests are skipped locally and fail under CI (env CI set),
where `make services` installs it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
from pathlib import Path

import pytest


def _script(name: str):
    """A module of scripts/ (loaded by path: scripts/ is not a package)."""
    path = Path(__file__).resolve().parent.parent / "scripts" / f"{name}.py"
    specification = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(specification)
    specification.loader.exec_module(module)
    return module


# Shared with scripts/bench_index.py, which starts its own server the same way.
loopback_redis = _script("loopback_redis").loopback_redis


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> str:
    """URL prefix (`redis://127.0.0.1:PORT`) of a private redis-server, stopped after the session."""
    executable = shutil.which("redis-server")
    if executable is None:
        message = "redis-server is not installed (Debian: apt-get install redis-server, or `make services`)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with contextlib.ExitStack() as stack:
        try:
            port = stack.enter_context(loopback_redis(executable, tmp_path_factory.mktemp("redis")))
        except RuntimeError as error:
            pytest.fail(str(error))
        yield f"redis://127.0.0.1:{port}"


@pytest.fixture
def redis_url(redis_server) -> str:
    """An empty Redis database for one test (database 0, flushed before use)."""
    import redis

    client = redis.Redis.from_url(f"{redis_server}/0")
    client.flushdb()
    client.close()
    return f"{redis_server}/0"
