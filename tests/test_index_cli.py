"""`dedupe index ...` and `scan`/`check --index`: exact outputs and exit codes, and the
guarantees that need real processes: a SIGKILLed `index add` leaves whole batches, and two
processes adding at once lose nothing (SQLite and Redis).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from arabic_dedupe import index
from arabic_dedupe.cli import cli
from arabic_dedupe.stores import open_store

ROOT = Path(__file__).parent.parent
INDEXED = "fixtures/index/indexed/agency/"
NEW = "fixtures/index/new/portal/"
BATCH = 500


@pytest.fixture(autouse=True)
def from_repository_root(monkeypatch):
    # Document ids are paths as given on the command line, relative to the repository.
    monkeypatch.chdir(ROOT)


def run(*arguments: str):
    return CliRunner().invoke(cli, list(arguments))


@pytest.fixture
def location(tmp_path) -> str:
    path = str(tmp_path / "news.db")
    result = run("index", "add", "fixtures/index/indexed", "--index", path, "--jobs", "1")
    assert (result.exit_code, result.stdout) == (0, f"added 3 documents to {path}; it holds 3 documents\n")
    return path


def test_scan_against_the_index_lists_clusters_with_new_documents(location):
    result = run("scan", "fixtures/index/new", "--index", location, "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert [cluster["members"] for cluster in report["article_clusters"]] == [
        [INDEXED + "geneva-summit.txt", NEW + "geneva-edited.txt", NEW + "geneva-exact.txt"],
        [NEW + "kremlin-copy.txt", NEW + "kremlin.txt"],
    ]
    assert report["stats"]["duplicate_documents"] == 3
    assert run("index", "stats", "--index", location, "--format", "json").stdout.count('"documents": 3') == 1


def test_scan_with_add_adds_the_new_documents(location):
    assert run("scan", "fixtures/index/new", "--index", location, "--add", "--format", "json").exit_code == 0
    facts = json.loads(run("index", "stats", "--index", location, "--format", "json").stdout)
    assert facts["documents"] == 8


def test_check_against_the_index_counts_only_new_duplicates(location):
    result = run("check", "fixtures/index/new", "--index", location, "--max-duplicates", "2", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["exceeded"] == ["3 duplicate documents is over the budget of 2"]
    assert run("check", "fixtures/index/new", "--index", location, "--max-duplicates", "3").exit_code == 0


def test_add_without_index_is_a_usage_error():
    result = run("scan", "fixtures/index/new", "--add")
    assert result.exit_code == 2
    assert "Error: --add needs --index LOCATION (a file path or redis://host:port/db)" in result.stderr


def test_scan_refuses_an_index_built_with_other_settings(location):
    result = run("scan", "fixtures/index/new", "--index", location, "--shingle-size", "4")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: index {location} was built with shingle_size=5, this run uses 4; use the same settings or a new index\n"
    )


def test_stats_prints_counts_size_and_parameters(location):
    result = run("index", "stats", "--index", location)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["index", "documents", "paragraphs", "buckets", "size", "parameters"]
    assert lines[0] == f"index       {location}"
    assert lines[1] == "documents   3"
    assert lines[4].endswith("KiB")
    assert "shingle_size=5" in lines[5] and 'normalizer_version="' in lines[5]


def test_export_prints_one_json_object_per_document(location):
    result = run("index", "export", "--index", location)
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["id"] for record in records] == [
        INDEXED + "biden-hopes.txt",
        INDEXED + "geneva-summit.txt",
        INDEXED + "summit-ends.txt",
    ]
    assert sorted(records[1]) == ["id", "paragraphs", "site", "text_hash"]
    assert records[1]["paragraphs"][0] == {"text": "جنيف (عربي times)", "line": 1}


def test_remove_deletes_documents_and_reports_unknown_ids(location):
    result = run("index", "remove", INDEXED + "biden-hopes.txt", "nope.txt", "--index", location)
    assert result.exit_code == 1
    assert result.stdout == f"removed 1 document from {location}\n"
    assert result.stderr == f"dedupe: nope.txt is not in the index {location}; `dedupe index export` lists the ids\n"
    result = run("index", "remove", INDEXED + "summit-ends.txt", "--index", location)
    assert (result.exit_code, result.stdout) == (0, f"removed 1 document from {location}\n")
    assert run("index", "check", "--index", location).stdout == f"{location}: ok\n"


@pytest.mark.parametrize("command", [["stats"], ["export"], ["check"], ["remove", "a.txt"]], ids=lambda command: command[0])
def test_index_commands_refuse_a_missing_index(tmp_path, command):
    path = str(tmp_path / "absent.db")
    result = run("index", *command, "--index", path)
    assert result.exit_code == 1
    assert result.stderr == f"Error: no index at {path}; create one with `dedupe index add PATH... --index {path}`\n"
    assert not os.path.exists(path)


@pytest.mark.parametrize("command", [["stats"], ["export"], ["check"], ["remove", "a.txt"], ["add", "fixtures/index/new"]], ids=lambda command: command[0])
def test_every_index_command_needs_an_index(command):
    result = run("index", *command)
    assert result.exit_code == 2
    assert "Missing option '--index'" in result.stderr


def test_scan_without_add_does_not_create_an_index(tmp_path):
    path = str(tmp_path / "absent.db")
    result = run("scan", "fixtures/index/new", "--index", path)
    assert result.exit_code == 1
    assert "no index at" in result.stderr
    assert not os.path.exists(path)


def test_check_reports_a_damaged_index(location):
    connection = sqlite3.connect(location)
    entries = connection.execute("SELECT count(*) FROM buckets").fetchone()[0]
    connection.execute("INSERT INTO buckets VALUES (?, 999)", ((77).to_bytes(8, "big"),))
    connection.commit()
    connection.close()
    result = run("index", "check", "--index", location)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "dedupe: bucket 000000000000004d lists document number 999, which is not stored",
        f"dedupe: documents are filed under {entries} bucket entries, but buckets hold {entries + 1}",
        f"Error: the index {location} has 2 problem(s); rebuild it from the exported documents",
    ]


def test_the_shared_index_on_redis(redis_url):
    result = run("index", "add", "fixtures/index/indexed", "--index", redis_url)
    assert (result.exit_code, result.stdout) == (0, f"added 3 documents to {redis_url}; it holds 3 documents\n")
    result = run("scan", "fixtures/index/new", "--index", redis_url, "--format", "json")
    assert [cluster["members"][0] for cluster in json.loads(result.stdout)["article_clusters"]] == [
        INDEXED + "geneva-summit.txt",
        NEW + "kremlin-copy.txt",
    ]
    assert run("index", "check", "--index", redis_url).stdout == f"{redis_url}: ok\n"
    assert run("index", "remove", INDEXED + "geneva-summit.txt", "--index", redis_url).exit_code == 0
    assert len(run("index", "export", "--index", redis_url).stdout.splitlines()) == 2


# --- real processes: crashes and concurrency ---------------------------------------------


def generate_corpus(folder: Path, count: int, seed: int) -> list[str]:
    """`count` distinct articles of words from the seed fixtures; returns their ids in input order."""
    words = sorted({word for path in (ROOT / "fixtures" / "seeds").glob("*.txt") for word in path.read_text().split() if word.isalpha()})
    generator = random.Random(seed)
    folder.mkdir(parents=True)
    for number in range(count):
        paragraphs = [" ".join(generator.choices(words, k=generator.randint(15, 40))) + "." for _ in range(generator.randint(3, 8))]
        (folder / f"{number:05d}.txt").write_text("\n".join(paragraphs) + "\n", encoding="utf-8")
    return [str(folder / f"{number:05d}.txt") for number in range(count)]


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("corpus") / "crawl"
    return folder, generate_corpus(folder, 8000, seed=11)


def start_adding(folder: Path, location: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "arabic_dedupe", "index", "add", str(folder), "--index", location, "--jobs", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_until(condition, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, f"index add ended before the test could stop it: {process.communicate()}"
        assert time.monotonic() < deadline, "no batch was committed in time"
        time.sleep(0.01)


def sqlite_documents(path: str) -> int:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return connection.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:
        return 0


def redis_documents(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return client.zcard("dedupe:documents")
    finally:
        client.close()


def assert_whole_batches(location: str, ids: list[str]) -> None:
    """The index opens, is consistent, and holds exactly the first k committed batches."""
    assert index.check_index(location) == []
    store = open_store(location, create=False)
    try:
        stored = sorted(record.id for record in store.documents())
    finally:
        store.close()
    assert 0 < len(stored) < len(ids)
    assert len(stored) % BATCH == 0
    assert stored == sorted(ids[: len(stored)])


def test_a_killed_sqlite_add_leaves_whole_batches(big_corpus, tmp_path):
    folder, ids = big_corpus
    location = str(tmp_path / "crash.db")
    process = start_adding(folder, location)
    wait_until(lambda: sqlite_documents(location) >= 2 * BATCH, process)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert_whole_batches(location, ids)
    result = run("index", "check", "--index", location)
    assert (result.exit_code, result.stdout) == (0, f"{location}: ok\n")


def test_a_killed_redis_add_leaves_whole_batches(big_corpus, redis_url):
    folder, ids = big_corpus
    process = start_adding(folder, redis_url)
    wait_until(lambda: redis_documents(redis_url) >= 2 * BATCH, process)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert_whole_batches(redis_url, ids)


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_two_processes_adding_at_once_lose_nothing(backend, tmp_path, request):
    location = str(tmp_path / "shared.db") if backend == "sqlite" else request.getfixturevalue("redis_url")
    first = generate_corpus(tmp_path / "crawler-1", 1200, seed=1)
    second = generate_corpus(tmp_path / "crawler-2", 1200, seed=2)
    processes = [start_adding(tmp_path / "crawler-1", location), start_adding(tmp_path / "crawler-2", location)]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert index.check_index(location) == []
    store = open_store(location, create=False)
    try:
        assert sorted(record.id for record in store.documents()) == sorted(first + second)
    finally:
        store.close()
