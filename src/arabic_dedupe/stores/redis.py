"""Redis store: one index shared by several crawler machines (`redis://host:port/db`).

Key layout, format 3 (every key starts with `dedupe:`; "packed" means unsigned 64-bit
big-endian bytes, so packed values sort like the numbers):

- `dedupe:format`: "3", the layout version. An index of an earlier format is refused, to
  rebuild: format 2 had 256 shards and fingerprints of format ADF1 (`arabic_dedupe.index`).
- `dedupe:parameters`: JSON of the parameters that built the index (set once, SET NX).
- `dedupe:sequence`: counter handing each added document a number.
- `dedupe:documents`: sorted set, document id -> its number.
- `dedupe:names`: hash, packed document number -> document id.
- `dedupe:document:<id>`: the document's record, one string: a header of big-endian
  integers (number u64, paragraph count u32, bucket key count u32, text hash u64, then the
  byte lengths u32 of site, text and fingerprint), then the site (UTF-8), each paragraph's
  input line and length in characters (i64 each), the paragraphs' text (UTF-8, joined),
  the fingerprint (raw bytes) and the bucket keys (packed, sorted).
- `dedupe:buckets:<hex digit>`: 16 sorted sets, chosen by a bucket key's first hex digit,
  every score 0: one member per bucket entry, the packed key then the packed document
  number, so a bucket's entries are adjacent and oldest first (ZRANGEBYLEX).
- `dedupe:bucket-keys:<hex digit>`: 16 sets, the packed keys of the non-empty buckets of
  the same shard; their sizes add up to the bucket count.
- `dedupe:counts`: hash with `paragraphs`.

Why: almost every bucket holds a single document, and the key per bucket of format 1 cost
the server four times the CPU of the rest of an `add`. Now a batch writes each shard with
one ZADD and one SADD of many members and reads nothing first: counts come from the sizes
of the sets, never from asking "is this bucket new" per entry. A record is one string, not
a hash of fields, so writing it is one allocation and a query reads many with one MGET.

A batch is one MULTI/EXEC transaction of about 40 commands (the records in one MSET, each
shard's entries in one ZADD and its keys in one SADD; the client reads a reply per
command), built in one buffer (the variadic commands by numpy) and sent at once: Redis runs it whole and alone, so a writer killed at any point leaves
whole batches (an unfinished transaction dies with its connection), and two writers never
interleave inside a batch. Its first command is a Lua script removing the stored documents
the batch replaces. Document numbers are taken (INCRBY) just before; the numbers of a
killed writer stay unused, and "oldest first" means in the order numbers were taken.
Scripts name keys they build themselves, so the index needs a single Redis server (or a
primary), not Redis Cluster, of version 6.2 or later (SMISMEMBER). Nothing is unpickled.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain

import numpy
import redis

from arabic_dedupe.candidates import stable_sort
from arabic_dedupe.errors import StoreError
from arabic_dedupe.stores import StoredDocument
from arabic_dedupe.stores.batch import RecordBatch, split_paragraphs

FORMAT = b"3"
PREFIX = "dedupe:"
# Bucket keys per script call when reading buckets, ids per round trip when reading records.
_READ_CHUNK = 20000
# Bucket entries and key sets are sharded by a key's first hex digit: every command of a
# batch costs the client a reply to read, and 256 shards made 500 of them.
_SHARD_BITS = 4
_SHARDS = 1 << _SHARD_BITS
_PACKED = numpy.dtype(">u8")
_RECORD_HEADER = struct.Struct(">QIIQIII")

# Removes documents (ids in ARGV after the prefix) and their bucket entries; returns the
# ids that were stored.
_UNFILE = """
local prefix = ARGV[1]
local low, high = string.rep("\\0", 8), string.rep("\\255", 8)
local function unfile(id)
  local document = prefix .. "document:" .. id
  local record = redis.call("GET", document)
  if not record then
    return false
  end
  local number, paragraph_count, key_count = struct.unpack(">I8I4I4", record)
  local keys = string.sub(record, #record - 8 * key_count + 1)
  number = struct.pack(">I8", number)
  for position = 1, #keys, 8 do
    local key = string.sub(keys, position, position + 7)
    local shard = string.format("%x", math.floor(string.byte(key, 1) / 16))
    local entries = prefix .. "buckets:" .. shard
    redis.call("ZREM", entries, key .. number)
    if #redis.call("ZRANGEBYLEX", entries, "[" .. key .. low, "[" .. key .. high, "LIMIT", 0, 1) == 0 then
      redis.call("SREM", prefix .. "bucket-keys:" .. shard, key)
    end
  end
  redis.call("HDEL", prefix .. "names", number)
  redis.call("ZREM", prefix .. "documents", id)
  redis.call("DEL", document)
  redis.call("HINCRBY", prefix .. "counts", "paragraphs", -paragraph_count)
  return true
end
local removed = {}
for position = 2, #ARGV do
  if unfile(ARGV[position]) then
    removed[#removed + 1] = ARGV[position]
  end
end
return removed
"""

# ARGV: prefix, limit, then bucket keys (packed, sorted, concatenated); returns the distinct
# ids of the first `limit` entries of each bucket. The shard's key set is asked first, with
# one SMISMEMBER per shard: most keys of a new article are in no bucket.
_MEMBERS = """
local prefix, limit, keys = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local low, high = string.rep("\\0", 8), string.rep("\\255", 8)
local seen, numbers = {}, {}
local function collect(shard, group)
  local present = redis.call("SMISMEMBER", prefix .. "bucket-keys:" .. shard, unpack(group))
  for position, key in ipairs(group) do
    if present[position] == 1 then
      for _, entry in ipairs(redis.call("ZRANGEBYLEX", prefix .. "buckets:" .. shard, "[" .. key .. low, "[" .. key .. high, "LIMIT", 0, limit)) do
        local number = string.sub(entry, 9, 16)
        if not seen[number] then
          seen[number] = true
          numbers[#numbers + 1] = number
        end
      end
    end
  end
end
local shard, group = nil, {}
for start = 1, #keys, 8 do
  local key = string.sub(keys, start, start + 7)
  local key_shard = string.format("%x", math.floor(string.byte(key, 1) / 16))
  if key_shard ~= shard or #group == 4000 then
    if shard then
      collect(shard, group)
    end
    shard, group = key_shard, {}
  end
  group[#group + 1] = key
end
if shard then
  collect(shard, group)
end
local found = {}
for start = 1, #numbers, 4000 do
  for _, id in ipairs(redis.call("HMGET", prefix .. "names", unpack(numbers, start, math.min(start + 3999, #numbers)))) do
    if id then
      found[#found + 1] = id
    end
  end
end
return found
"""


def _document_key(identifier: str) -> str:
    return f"{PREFIX}document:{identifier}"


def _bulk(part: bytes | str | int) -> bytes:
    """One argument in the Redis protocol (RESP): its length, then its bytes."""
    encoded = part if isinstance(part, bytes) else str(part).encode("utf-8")
    return b"$%d\r\n%s\r\n" % (len(encoded), encoded)


def _command(*parts: bytes | str | int) -> bytes:
    """One command in the Redis protocol.

    >>> _command("HSET", "dedupe:counts", "paragraphs", 3)
    b'*4\\r\\n$4\\r\\nHSET\\r\\n$13\\r\\ndedupe:counts\\r\\n$10\\r\\nparagraphs\\r\\n$1\\r\\n3\\r\\n'
    """
    return b"".join([b"*%d\r\n" % len(parts), *map(_bulk, parts)])


def _shard_commands(heads: Sequence[bytes], keys: numpy.ndarray, rows: numpy.ndarray, before_each: Sequence[str] = ()) -> tuple[list[bytes], int]:
    """Commands for the shards that `keys` (sorted) fall in, each `heads[shard]` (a verb and
    a key, in RESP) followed, for each of its rows of bytes (a 2-D uint8 array, one row per
    key), by the arguments `before_each` and the row; and how many commands. The rows are
    laid out by numpy in one go, not a Python step per row.

    >>> heads = [_bulk("ZADD") + _bulk(f"z{shard}") for shard in range(_SHARDS)]
    >>> rows = numpy.frombuffer(b"abcdef", dtype=numpy.uint8).reshape(3, 2)
    >>> parts, count = _shard_commands(heads, numpy.array([1, 2, 1 << 63], dtype=numpy.uint64), rows, ["0"])
    >>> count, b"".join(parts)
    (2, b'*6\\r\\n$4\\r\\nZADD\\r\\n$2\\r\\nz0\\r\\n$1\\r\\n0\\r\\n$2\\r\\nab\\r\\n$1\\r\\n0\\r\\n$2\\r\\ncd\\r\\n*4\\r\\n$4\\r\\nZADD\\r\\n$2\\r\\nz8\\r\\n$1\\r\\n0\\r\\n$2\\r\\nef\\r\\n')
    """
    count, width = rows.shape
    prologue = numpy.frombuffer(b"".join(map(_bulk, before_each)) + b"$%d\r\n" % width, dtype=numpy.uint8)
    table = numpy.empty((count, len(prologue) + width + 2), dtype=numpy.uint8)
    table[:, : len(prologue)] = prologue
    table[:, len(prologue) : -2] = rows
    table[:, -2:] = numpy.frombuffer(b"\r\n", dtype=numpy.uint8)
    laid_out, row_size = memoryview(table.tobytes()), table.shape[1]
    bounds = numpy.searchsorted(keys >> numpy.uint64(64 - _SHARD_BITS), numpy.arange(_SHARDS + 1, dtype=numpy.uint64))
    touched = numpy.flatnonzero(numpy.diff(bounds))
    arguments_per_row = len(before_each) + 1
    parts = []
    for shard, start, stop in zip(touched.tolist(), bounds[touched].tolist(), bounds[touched + 1].tolist()):
        parts.append(b"*%d\r\n%s" % (2 + (stop - start) * arguments_per_row, heads[shard]))
        parts.append(laid_out[start * row_size : stop * row_size])
    return parts, len(touched)


def _packed_rows(values: numpy.ndarray) -> numpy.ndarray:
    """Unsigned 64-bit values as rows of 8 big-endian bytes."""
    return numpy.ascontiguousarray(values, dtype=_PACKED).view(numpy.uint8).reshape(-1, 8)


def _records_command(batch: RecordBatch, numbers: Sequence[int]) -> bytes:
    """One MSET of every document's record, in RESP, cut from the batch's columns."""
    lines = batch.paragraph_lines.astype(">i8").tobytes()
    lengths = batch.paragraph_lengths.astype(">i8").tobytes()
    keys = _packed_rows(batch.keys).tobytes()
    text_hashes = batch.text_hashes.tolist()
    paragraph_bounds, text_bounds = batch.paragraph_bounds.tolist(), batch.text_bounds.tolist()
    fingerprint_bounds, key_bounds = batch.fingerprint_bounds.tolist(), batch.key_bounds.tolist()
    commands = []  # each record's key and value
    for position, (identifier, site, number) in enumerate(zip(batch.ids, batch.sites, numbers)):
        site = site.encode("utf-8")
        first, last = 8 * paragraph_bounds[position], 8 * paragraph_bounds[position + 1]
        text = batch.texts[text_bounds[position] : text_bounds[position + 1]]
        fingerprint = batch.fingerprints[fingerprint_bounds[position] : fingerprint_bounds[position + 1]]
        document_keys = keys[8 * key_bounds[position] : 8 * key_bounds[position + 1]]
        header = _RECORD_HEADER.pack(
            number, (last - first) // 8, len(document_keys) // 8, text_hashes[position], len(site), len(text), len(fingerprint)
        )
        name = _document_key(identifier).encode("utf-8")
        size = len(header) + len(site) + 2 * (last - first) + len(text) + len(fingerprint) + len(document_keys)
        commands.append(
            b"$%d\r\n%s\r\n$%d\r\n%s%s%s%s%s%s%s\r\n"
            % (len(name), name, size, header, site, lines[first:last], lengths[first:last], text, fingerprint, document_keys)
        )
    return b"".join([b"*%d\r\n$4\r\nMSET\r\n" % (1 + 2 * len(commands)), *commands])


class RedisStore:
    """An index in a Redis database, shared by every process that can reach the server."""

    def __init__(self, url: str):
        self.location = url
        try:
            self.client = redis.Redis.from_url(url, socket_timeout=120, socket_connect_timeout=10)
        except ValueError as error:
            raise StoreError(f"cannot use the index location {url}: {error}; expected redis://host:port/db") from None
        format_value = self._call(self.client.get, f"{PREFIX}format")
        if format_value is not None and format_value != FORMAT:
            raise StoreError(
                f"{url} holds dedupe index format {format_value.decode(errors='replace')}, this version reads "
                f"format {FORMAT.decode()}; use another database or rebuild the index"
            )
        self._remove_script = self.client.register_script(_UNFILE)
        self._entry_heads = [_bulk("ZADD") + _bulk(f"{PREFIX}buckets:{shard:x}") for shard in range(_SHARDS)]
        self._key_heads = [_bulk("SADD") + _bulk(f"{PREFIX}bucket-keys:{shard:x}") for shard in range(_SHARDS)]
        self._members_script = self.client.register_script(_MEMBERS)

    def _call(self, function, *arguments, **options):
        try:
            return function(*arguments, **options)
        except redis.exceptions.ConnectionError as error:
            raise StoreError(f"cannot reach Redis at {self.location}: {error}; is redis-server running?") from None
        except redis.exceptions.RedisError as error:
            raise StoreError(f"Redis at {self.location} refused a command: {error}") from None

    def parameters(self) -> dict | None:
        text = self._call(self.client.get, f"{PREFIX}parameters")
        return None if text is None else json.loads(text)

    def claim(self, parameters: dict) -> dict:
        self._call(self.client.set, f"{PREFIX}format", FORMAT, nx=True)
        self._call(self.client.set, f"{PREFIX}parameters", json.dumps(parameters, sort_keys=True), nx=True)
        return self.parameters()

    def add(self, documents: Sequence[StoredDocument]) -> None:
        self.write(self.encode(documents))

    def encode(self, documents: Sequence[StoredDocument]) -> tuple[bytes, int] | None:
        """The batch's MULTI/EXEC in RESP, and how many commands it queues. Its document
        numbers are taken here: numbers of a batch never written stay unused."""
        if not documents:
            return None
        batch = RecordBatch.of(documents).latest()
        keys, owners = batch.keys, batch.key_owners
        last = self._call(self.client.incrby, f"{PREFIX}sequence", len(batch))
        numbers = numpy.arange(last - len(batch) + 1, last + 1, dtype=numpy.uint64)
        packed_numbers = _packed_rows(numbers)
        number_bytes = packed_numbers.tobytes()
        ids = [identifier.encode("utf-8") for identifier in batch.ids]
        parts = [_command("EVAL", _UNFILE, 0, PREFIX, *ids)]
        parts.append(_records_command(batch, numbers.tolist()))
        names = [number_bytes[position * 8 : position * 8 + 8] for position in range(len(batch))]
        parts.append(_command("ZADD", f"{PREFIX}documents", *chain.from_iterable(zip(numbers.tolist(), ids))))
        parts.append(_command("HSET", f"{PREFIX}names", *chain.from_iterable(zip(names, ids))))
        parts.append(_command("HINCRBY", f"{PREFIX}counts", "paragraphs", int(batch.paragraph_bounds[-1])))
        command_count = len(parts)
        if len(keys):
            # The entries by key, then by document (oldest first), and the distinct keys.
            order = stable_sort(keys)[1]
            keys, owners = keys[order], owners[order]
            entries = numpy.hstack((_packed_rows(keys), packed_numbers[owners]))
            distinct = keys[numpy.concatenate(([True], keys[1:] != keys[:-1]))]
            for heads, shard_keys, rows, before_each in (
                (self._entry_heads, keys, entries, ["0"]),
                (self._key_heads, distinct, _packed_rows(distinct), []),
            ):
                shard_parts, shard_count = _shard_commands(heads, shard_keys, rows, before_each)
                parts += shard_parts
                command_count += shard_count
        return b"".join([_command("MULTI"), *parts, _command("EXEC")]), command_count

    def write(self, encoded: tuple[bytes, int] | None) -> None:
        if encoded is not None:
            self._call(self._transaction, *encoded)

    def _transaction(self, transaction: bytes, command_count: int) -> list:
        """Run a MULTI/EXEC of `command_count` commands (in RESP, one buffer)."""
        pool = self.client.connection_pool
        connection = pool.get_connection()
        try:
            connection.send_packed_command([transaction])
            # MULTI's OK and a QUEUED per command; an error reply raises here, and the
            # transaction goes with the connection.
            for _ in range(command_count + 1):
                connection.read_response()
            replies = connection.read_response()
        except BaseException:
            connection.disconnect()
            raise
        finally:
            pool.release(connection)
        failed = [reply for reply in replies if isinstance(reply, redis.exceptions.ResponseError)]
        if failed:
            raise redis.exceptions.ResponseError(f"{len(failed)} commands of a batch failed, the first: {failed[0]}")
        return replies

    def members(self, keys: Iterable[int], limit: int) -> set[str]:
        probe = _packed_rows(numpy.unique(numpy.fromiter(keys, dtype=numpy.uint64))).tobytes()
        found: set[str] = set()
        step = _READ_CHUNK * 8
        for start in range(0, len(probe), step):
            members = self._call(self._members_script, args=[PREFIX, limit, probe[start : start + step]])
            found.update(member.decode() for member in members)
        return found

    def get(self, ids: Iterable[str]) -> list[StoredDocument]:
        wanted = list(dict.fromkeys(ids))
        result = []
        for start in range(0, len(wanted), _READ_CHUNK):
            chunk = wanted[start : start + _READ_CHUNK]
            records = self._call(self.client.mget, [_document_key(identifier) for identifier in chunk])
            result += [_record(identifier, record) for identifier, record in zip(chunk, records) if record is not None]
        return result

    def remove(self, ids: Iterable[str]) -> list[str]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        return [member.decode() for member in self._call(self._remove_script, args=[PREFIX, *wanted])]

    def documents(self) -> Iterator[StoredDocument]:
        ids = sorted(member.decode() for member in self._call(self.client.zrange, f"{PREFIX}documents", 0, -1))
        for start in range(0, len(ids), _READ_CHUNK):
            yield from self.get(ids[start : start + _READ_CHUNK])

    def counts(self) -> dict[str, int]:
        pipe = self.client.pipeline(transaction=True)
        pipe.zcard(f"{PREFIX}documents")
        pipe.hget(f"{PREFIX}counts", "paragraphs")
        for shard in range(_SHARDS):
            pipe.scard(f"{PREFIX}bucket-keys:{shard:x}")
        for shard in range(_SHARDS):
            pipe.zcard(f"{PREFIX}buckets:{shard:x}")
        documents, paragraphs, *sizes = self._call(pipe.execute)
        return {
            "documents": documents,
            "paragraphs": int(paragraphs or 0),
            "buckets": sum(sizes[:_SHARDS]),
            "bucket_entries": sum(sizes[_SHARDS:]),
        }

    def size_bytes(self) -> int | None:
        # Redis cannot cheaply tell one prefix's memory; this is the whole server's.
        return int(self._call(self.client.info, "memory")["used_memory"])

    def check(self) -> list[str]:
        """Read every bucket entry, a shard at a time: each must name a stored document, the
        key sets must count the buckets there are, and the documents' own lists of keys must
        add up to the entries."""
        problems: list[str] = []
        stored = self._call(self.client.zrange, f"{PREFIX}documents", 0, -1, withscores=True)
        named = self._call(self.client.hgetall, f"{PREFIX}names")
        numbers = numpy.array(
            [int(number) for identifier, number in stored if named.get(int(number).to_bytes(8, "big")) == identifier],
            dtype=numpy.uint64,
        )
        pipe = self.client.pipeline(transaction=False)
        for identifier, _ in stored:
            pipe.getrange(_document_key(identifier.decode()), 0, _RECORD_HEADER.size - 1)
        filed = sum(_RECORD_HEADER.unpack(header)[2] for header in self._call(pipe.execute))
        entries = buckets = 0
        for shard in range(_SHARDS):
            members = self._call(self.client.zrange, f"{PREFIX}buckets:{shard:x}", 0, -1)
            table = numpy.frombuffer(b"".join(members), dtype=_PACKED).reshape(-1, 2)
            entries += len(table)
            buckets += len(numpy.unique(table[:, 0]))
            for key, number in table[~numpy.isin(table[:, 1], numbers)][: max(0, 10 - len(problems))].tolist():
                problems.append(f"bucket {key:016x} lists document number {number}, which is not stored")
        counted = self.counts()["buckets"]
        if filed != entries:
            problems.append(f"documents are filed under {filed} bucket entries, but buckets hold {entries}")
        if counted != buckets:
            problems.append(f"the index counts {counted} buckets, but holds {buckets}")
        return problems

    def close(self) -> None:
        self.client.close()


def _record(identifier: str, record: bytes) -> StoredDocument:
    _, paragraph_count, key_count, text_hash, site_size, text_size, fingerprint_size = _RECORD_HEADER.unpack_from(record)
    position = _RECORD_HEADER.size
    site = record[position : position + site_size].decode("utf-8")
    position += site_size
    lines, lengths = numpy.frombuffer(record, dtype=">i8", count=2 * paragraph_count, offset=position).reshape(2, -1).tolist()
    position += 16 * paragraph_count
    text = record[position : position + text_size].decode("utf-8")
    position += text_size
    fingerprint = record[position : position + fingerprint_size]
    return StoredDocument(
        id=identifier,
        site=site,
        paragraphs=split_paragraphs(text, lines, lengths),
        text_hash=text_hash,
        fingerprint=bytes(fingerprint),
        keys=tuple(numpy.frombuffer(record, dtype=_PACKED, count=key_count, offset=position + fingerprint_size).tolist()),
    )
