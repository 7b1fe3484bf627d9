"""The Store contract, one suite run over every backend (memory, SQLite, Redis).

Backend-specific behaviour (files that are not indexes, unreachable servers, persistence
across connections) follows the contract suite.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import sqlite3
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arabic_dedupe.errors import StoreError
from arabic_dedupe.stores import Store, StoredDocument, open_store

BACKENDS = ["memory", "sqlite", "redis"]


@pytest.fixture(params=BACKENDS)
def make_store(request, tmp_path) -> Callable[[], Store]:
    """A factory of fresh, empty stores of one backend (closed after the test)."""
    opened: list[Store] = []
    counter = iter(range(1_000_000))

    def make() -> Store:
        if request.param == "memory":
            store = open_store("memory:")
        elif request.param == "sqlite":
            store = open_store(str(tmp_path / f"index-{next(counter)}.db"))
        else:
            url = f"{request.getfixturevalue('redis_server')}/0"
            _flush(url)
            store = open_store(url)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def _flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


@pytest.fixture
def store(make_store) -> Store:
    return make_store()


def record(identifier: str, keys=(1, 2), paragraphs=(("فقرة أولى", 1),), site="site", fingerprint=b"\x00\x01") -> StoredDocument:
    return StoredDocument(
        id=identifier, site=site, paragraphs=tuple(paragraphs), text_hash=len(identifier), fingerprint=fingerprint, keys=tuple(keys)
    )


def test_a_new_store_is_empty_and_consistent(store):
    assert store.parameters() is None
    assert store.counts() == {"documents": 0, "paragraphs": 0, "buckets": 0, "bucket_entries": 0}
    assert list(store.documents()) == []
    assert store.members([1, 2, 3], limit=10) == set()
    assert store.get(["missing"]) == []
    assert store.check() == []


def test_the_first_claim_of_parameters_wins(store):
    assert store.claim({"shingle_size": 5, "seed": 1}) == {"shingle_size": 5, "seed": 1}
    assert store.claim({"shingle_size": 4, "seed": 1}) == {"shingle_size": 5, "seed": 1}
    assert store.parameters() == {"shingle_size": 5, "seed": 1}


def test_added_records_come_back_unchanged(store):
    first = record("news/a.txt", keys=(0, 7, 1 << 63, (1 << 64) - 1), paragraphs=(("العنوان", 3), ("نص الخبر", 5)))
    second = record("records.jsonl#id 2", keys=(7,), fingerprint=bytes(range(256)))
    store.add([first, second])
    assert store.get(["records.jsonl#id 2", "news/a.txt", "absent"]) == [second, first]
    assert list(store.documents()) == [first, second]
    assert store.check() == []


def test_members_are_ids_filed_under_any_key(store):
    store.add([record("a", keys=(1, 2)), record("b", keys=(2, 3)), record("c", keys=(4,))])
    assert store.members([2], limit=10) == {"a", "b"}
    assert store.members([1, 3], limit=10) == {"a", "b"}
    assert store.members([5], limit=10) == set()


def test_members_keeps_the_earliest_added_of_a_big_bucket(store):
    store.add([record("z-first", keys=(9,))])
    store.add([record("m-second", keys=(9,)), record("a-third", keys=(9,))])
    assert store.members([9], limit=2) == {"z-first", "m-second"}


def test_adding_an_id_again_replaces_its_record_and_buckets(store):
    store.add([record("a", keys=(1, 2), paragraphs=(("قديم", 1),))])
    replacement = record("a", keys=(3,), paragraphs=(("جديد", 1), ("ثان", 2)))
    store.add([replacement])
    assert store.get(["a"]) == [replacement]
    assert store.members([1, 2], limit=10) == set()
    assert store.members([3], limit=10) == {"a"}
    assert store.counts() == {"documents": 1, "paragraphs": 2, "buckets": 1, "bucket_entries": 1}
    assert store.check() == []


def test_remove_deletes_records_and_bucket_entries(store):
    store.add([record("a", keys=(1, 2)), record("b", keys=(2,))])
    assert store.remove(["a", "unknown", "a"]) == ["a"]
    assert store.get(["a"]) == []
    assert store.members([1, 2], limit=10) == {"b"}
    assert store.counts() == {"documents": 1, "paragraphs": 1, "buckets": 1, "bucket_entries": 1}
    assert store.remove(["unknown"]) == []
    assert store.check() == []


def test_counts_add_up_documents_paragraphs_and_buckets(store):
    store.add([record("a", keys=(1, 2, 2)), record("b", keys=(2, 3), paragraphs=(("x", 1), ("y", 2), ("z", 3)))])
    assert store.counts() == {"documents": 2, "paragraphs": 4, "buckets": 3, "bucket_entries": 4}


def test_an_empty_batch_changes_nothing(store):
    store.add([])
    store.write(store.encode([]))
    assert store.counts()["documents"] == 0
    assert store.remove([]) == []


def test_a_batch_encoded_earlier_is_written_as_add_would(store):
    # `index add` lays the next batch out while the previous one is being written.
    later = store.encode([record("b", keys=(2, 3)), record("a", keys=(1,), site="again")])
    store.add([record("a", keys=(1, 2))])
    store.write(later)
    assert [(document.id, document.site) for document in store.documents()] == [("a", "again"), ("b", "site")]
    assert store.members([2], limit=10) == {"b"}
    assert store.counts() == {"documents": 2, "paragraphs": 2, "buckets": 3, "bucket_entries": 3}
    assert store.check() == []


identifiers = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
records = st.builds(
    StoredDocument,
    id=identifiers,
    site=st.text(st.characters(blacklist_categories=("Cs",)), max_size=10),
    paragraphs=st.lists(
        st.tuples(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40), st.integers(1, 10_000)), max_size=4
    ).map(tuple),
    text_hash=st.integers(0, (1 << 64) - 1),
    fingerprint=st.binary(max_size=64),
    keys=st.lists(st.integers(0, (1 << 64) - 1), max_size=6, unique=True).map(tuple),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(records, max_size=5, unique_by=lambda document: document.id))
def test_a_store_round_trips_what_it_stores(make_store, batch):
    store = make_store()
    store.add(batch)
    expected = [dataclasses.replace(document, keys=tuple(sorted(document.keys))) for document in batch]
    assert store.get([document.id for document in batch]) == expected
    assert list(store.documents()) == sorted(expected, key=lambda document: document.id)
    for document in batch:
        assert {document.id} <= store.members(document.keys, limit=len(batch)) or not document.keys
    assert store.check() == []
    store.close()


# --- SQLite ------------------------------------------------------------------------------


def test_sqlite_keeps_everything_across_connections(tmp_path):
    path = str(tmp_path / "index.db")
    store = open_store(path)
    store.claim({"seed": 1})
    store.add([record("a", keys=(5,))])
    store.close()
    reopened = open_store(path, create=False)
    assert reopened.parameters() == {"seed": 1}
    assert reopened.members([5], limit=1) == {"a"}
    assert reopened.check() == []
    reopened.close()


def test_sqlite_missing_index_is_an_error_when_not_creating(tmp_path):
    path = tmp_path / "absent.db"
    with pytest.raises(StoreError, match=r"no index at .*absent\.db; create one with `dedupe index add"):
        open_store(str(path), create=False)
    assert not path.exists()


@pytest.mark.parametrize(
    "content",
    [pytest.param(b"not a database at all, just text\n" * 100, id="text-file"), pytest.param(bytes(range(256)) * 8, id="binary-file")],
)
def test_sqlite_refuses_a_file_that_is_not_a_database(tmp_path, content):
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="is not a dedupe index"):
        open_store(str(path))
    assert path.read_bytes() == content


def test_sqlite_refuses_another_programs_database(tmp_path):
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE people (name TEXT)")
    connection.commit()
    connection.close()
    with pytest.raises(StoreError, match="is a SQLite database but not a dedupe index"):
        open_store(str(path))


def test_sqlite_refuses_a_folder_and_a_missing_folder(tmp_path):
    with pytest.raises(StoreError, match="is a folder; give a file path"):
        open_store(str(tmp_path))
    with pytest.raises(StoreError, match="folder .* does not exist"):
        open_store(str(tmp_path / "no" / "such" / "index.db"))


def tampered_sqlite_index(tmp_path, change) -> Store:
    """An SQLite index holding document "a" (bucket key 5), changed behind the store's
    back by `change(connection)`, and opened again."""
    path = str(tmp_path / "index.db")
    store = open_store(path)
    store.add([record("a", keys=(5,))])
    store.close()
    connection = sqlite3.connect(path)
    change(connection)
    connection.commit()
    connection.close()
    return open_store(path)


def test_sqlite_check_finds_bucket_entries_of_missing_documents(tmp_path):
    store = tampered_sqlite_index(
        tmp_path, lambda connection: connection.execute("INSERT INTO buckets VALUES (?, 999)", ((77).to_bytes(8, "big"),))
    )
    assert store.check() == [
        "bucket 000000000000004d lists document number 999, which is not stored",
        "documents are filed under 1 bucket entries, but buckets hold 2",
    ]
    store.close()


def test_sqlite_check_finds_bucket_keys_that_are_not_packed(tmp_path):
    def file_under_a_plain_integer(connection) -> None:
        number = connection.execute("SELECT number FROM documents").fetchone()[0]
        connection.execute("INSERT INTO buckets VALUES (77, ?)", (number,))

    store = tampered_sqlite_index(tmp_path, file_under_a_plain_integer)
    assert store.check() == [
        "1 bucket entries have a key that is not 8 bytes",
        "documents are filed under 1 bucket entries, but buckets hold 2",
    ]
    store.close()


def test_sqlite_refuses_an_index_of_the_previous_format(tmp_path):
    path = str(tmp_path / "index.db")
    open_store(path).close()
    connection = sqlite3.connect(path)
    connection.execute("UPDATE meta SET value = '1' WHERE name = 'format'")
    connection.commit()
    connection.close()
    with pytest.raises(StoreError, match=r"has index format 1, this version reads format 2; rebuild the index with this version"):
        open_store(path)


def test_sqlite_files_bucket_entries_under_packed_keys(tmp_path):
    # The layout the module docstring (and the README) describe: 8-byte big-endian keys.
    path = str(tmp_path / "index.db")
    store = open_store(path)
    store.add([record("a", keys=(5, 1 << 63))])
    store.close()
    connection = sqlite3.connect(path)
    assert connection.execute("SELECT key, document FROM buckets").fetchall() == [
        ((5).to_bytes(8, "big"), 1),
        ((1 << 63).to_bytes(8, "big"), 1),
    ]
    assert connection.execute("SELECT keys FROM documents").fetchone()[0] == (5).to_bytes(8, "big") + (1 << 63).to_bytes(8, "big")
    assert connection.execute("PRAGMA page_size").fetchone()[0] == 16384
    connection.close()


def test_sqlite_stores_no_pickles(tmp_path):
    path = str(tmp_path / "index.db")
    store = open_store(path)
    store.add([record("a", keys=(5,))])
    store.close()
    connection = sqlite3.connect(path)
    columns = {row[1]: row[2] for row in connection.execute("PRAGMA table_info(documents)")}
    connection.close()
    assert columns == {
        "number": "INTEGER",
        "id": "TEXT",
        "site": "TEXT",
        "text": "TEXT",
        "paragraph_shape": "BLOB",
        "paragraph_count": "INTEGER",
        "text_hash": "INTEGER",
        "fingerprint": "BLOB",
        "keys": "BLOB",
    }


# --- Redis -------------------------------------------------------------------------------


def test_redis_unreachable_server_is_a_store_error(redis_server):
    with pytest.raises(StoreError, match=r"cannot reach Redis at redis://127\.0\.0\.1:1/0: .*is redis-server running\?"):
        open_store("redis://127.0.0.1:1/0")


def test_redis_keys_all_carry_the_prefix(redis_url):
    import redis

    store = open_store(redis_url)
    store.claim({"seed": 1})
    store.add([record("a", keys=(255,))])
    client = redis.Redis.from_url(redis_url)
    assert sorted(client.keys()) == [
        b"dedupe:bucket-keys:0",
        b"dedupe:buckets:0",
        b"dedupe:counts",
        b"dedupe:document:a",
        b"dedupe:documents",
        b"dedupe:format",
        b"dedupe:names",
        b"dedupe:parameters",
        b"dedupe:sequence",
    ]
    # One bucket entry: the packed key, then the packed document number (the first, 1);
    # the bucket's packed key in its shard's key set.
    assert client.zrange("dedupe:buckets:0", 0, -1) == [(255).to_bytes(8, "big") + (1).to_bytes(8, "big")]
    assert client.smembers("dedupe:bucket-keys:0") == {(255).to_bytes(8, "big")}
    client.close()
    store.close()


def test_redis_refuses_an_index_of_the_previous_format(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    client.set("dedupe:format", "2")
    client.close()
    with pytest.raises(StoreError, match=r"holds dedupe index format 2, this version reads format 3; use another database or rebuild the index"):
        open_store(redis_url)


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param((0, (1 << 64) - 1), id="lowest-and-highest"),
        pytest.param(((0xAB << 56) | ((1 << 56) - 1), (0xA0 << 56) + 1, 0xAF << 56), id="one-shard"),
    ],
)
def test_redis_removing_the_last_entry_of_a_bucket_empties_its_key_set(redis_url, keys):
    # The removal script finds a key's shard and set member in Lua; they must match the writer's.
    import redis

    store = open_store(redis_url)
    store.add([record("a", keys=keys), record("b", keys=keys[:1])])
    assert store.counts()["buckets"] == len(keys)
    assert store.remove(["a"]) == ["a"]
    assert store.counts() == {"documents": 1, "paragraphs": 1, "buckets": 1, "bucket_entries": 1}
    assert store.remove(["b"]) == ["b"]
    assert store.counts() == {"documents": 0, "paragraphs": 0, "buckets": 0, "bucket_entries": 0}
    client = redis.Redis.from_url(redis_url)
    assert client.keys("dedupe:bucket*") == []
    client.close()
    assert store.check() == []
    store.close()


def _open_and_close(path: str, results) -> None:
    try:
        open_store(path, create=True).close()
        results.put("ok")
    except Exception as error:  # the test reports whatever went wrong
        results.put(repr(error))


def test_processes_creating_one_sqlite_index_at_once_all_succeed(tmp_path):
    # Two crawlers starting on a new index at the same moment: the schema and the switch
    # to WAL meet each other's locks, which must be waited for, not reported.
    context = multiprocessing.get_context("fork")
    for attempt in range(10):
        path = str(tmp_path / f"shared-{attempt}.db")
        results = context.Queue()
        processes = [context.Process(target=_open_and_close, args=(path, results)) for _ in range(4)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=60)
        assert [results.get(timeout=5) for _ in processes] == ["ok"] * 4


# --- record batches (what `index add` workers send and stores write from) ----------------


@settings(max_examples=50, deadline=None)
@given(documents=st.lists(records, max_size=6), split=st.integers(0, 6))
def test_a_record_batch_round_trips_its_documents(documents, split):
    from arabic_dedupe.stores.batch import RecordBatch

    expected = [dataclasses.replace(document, keys=tuple(sorted(document.keys))) for document in documents]
    batch = RecordBatch.of(documents)
    assert list(batch) == expected
    assert list(RecordBatch.join([RecordBatch.of(documents[:split]), RecordBatch.of(documents[split:])])) == expected
    assert list(batch[1:4]) == expected[1:4]
    positions = [position for position in (2, 0) if position < len(expected)]
    assert list(batch.select(positions)) == [expected[position] for position in positions]


def test_a_record_batch_keeps_the_last_copy_of_an_id():
    from arabic_dedupe.stores.batch import RecordBatch

    batch = RecordBatch.of([record("a", keys=(1,)), record("b"), record("a", keys=(2,), site="later")])
    assert [(document.id, document.site, document.keys) for document in batch.latest()] == [("b", "site", (1, 2)), ("a", "later", (2,))]


def test_stores_add_record_batches_and_lists_alike(make_store):
    from arabic_dedupe.stores.batch import RecordBatch

    documents = [record("a", keys=(1, 2), paragraphs=(("أولى", 1), ("ثانية", 4))), record("b", keys=(2,), site="")]
    from_list, from_batch = make_store(), make_store()
    from_list.add(documents)
    from_batch.add(RecordBatch.of(documents))
    assert list(from_batch.documents()) == list(from_list.documents()) == documents
    assert from_batch.counts() == from_list.counts()
