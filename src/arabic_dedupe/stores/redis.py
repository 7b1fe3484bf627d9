"""Redis store: one index shared by several crawler machines (`redis://host:port/db`).

Key layout (every key starts with `dedupe:`):

- `dedupe:format`: "1", the layout version.
- `dedupe:parameters`: JSON of the parameters that built the index (set once, SET NX).
- `dedupe:sequence`: counter handing each added document a number (insertion order).
- `dedupe:documents`: sorted set, document id -> its number.
- `dedupe:document:<id>`: hash with `site`, `paragraphs` (JSON `[[text, line], ...]`),
  `paragraph_count`, `text_hash` (decimal), `fingerprint` (raw bytes), `keys` (the
  document's bucket keys as 16 hex digits each, concatenated) and `number`.
- `dedupe:bucket:<key as 16 hex digits>`: sorted set, document id -> its number, so a
  bucket's oldest members come first.
- `dedupe:counts`: hash with `paragraphs`, `buckets` and `bucket_entries`, kept in step by
  every write (`check` recounts them).

Writes run as Lua scripts, one script call per batch: Redis runs a script whole and alone,
so a writer killed at any point leaves whole batches (a half-sent call is never run), and
two writers never interleave inside a batch. A script of 500 documents holds the server
for a fraction of a second. Scripts name keys they build themselves, so the index needs a
single Redis server (or a primary), not Redis Cluster. Nothing is unpickled.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

import redis

from arabic_dedupe.errors import StoreError
from arabic_dedupe.stores import StoredDocument

FORMAT = b"1"
PREFIX = "dedupe:"
# Bucket keys per script call when reading buckets, ids per round trip when reading records.
_READ_CHUNK = 20000
# Pages of SCAN when counting or checking buckets.
_SCAN_COUNT = 5000
_RECORD_FIELDS = ("site", "paragraphs", "text_hash", "fingerprint", "keys")
_KEY_DIGITS = 16

# Removes one document (id in `id`) and its bucket entries, adding what it held to the
# running totals. Shared by the add and remove scripts.
_UNFILE = """
local function unfile(prefix, id, totals)
  local document = prefix .. "document:" .. id
  local old = redis.call("HMGET", document, "keys", "paragraph_count")
  if not old[1] then
    return false
  end
  for position = 1, #old[1], 16 do
    local bucket = prefix .. "bucket:" .. string.sub(old[1], position, position + 15)
    redis.call("ZREM", bucket, id)
    if redis.call("EXISTS", bucket) == 0 then
      totals.buckets = totals.buckets - 1
    end
  end
  redis.call("ZREM", prefix .. "documents", id)
  redis.call("DEL", document)
  totals.paragraphs = totals.paragraphs - tonumber(old[2])
  totals.entries = totals.entries - #old[1] / 16
  return true
end
"""

# ARGV: prefix, document count, then per document: id, site, paragraphs JSON, paragraph
# count, text hash, fingerprint, bucket keys (16 hex digits each).
_ADD = _UNFILE + """
local prefix, count = ARGV[1], tonumber(ARGV[2])
local number = redis.call("INCRBY", prefix .. "sequence", count) - count
local totals = {paragraphs = 0, entries = 0, buckets = 0}
for position = 3, #ARGV, 7 do
  local id, keys = ARGV[position], ARGV[position + 6]
  unfile(prefix, id, totals)
  number = number + 1
  redis.call("HSET", prefix .. "document:" .. id,
    "site", ARGV[position + 1], "paragraphs", ARGV[position + 2], "paragraph_count", ARGV[position + 3],
    "text_hash", ARGV[position + 4], "fingerprint", ARGV[position + 5], "keys", keys, "number", number)
  redis.call("ZADD", prefix .. "documents", number, id)
  for start = 1, #keys, 16 do
    local bucket = prefix .. "bucket:" .. string.sub(keys, start, start + 15)
    redis.call("ZADD", bucket, number, id)
    if redis.call("ZCARD", bucket) == 1 then
      totals.buckets = totals.buckets + 1
    end
  end
  totals.paragraphs = totals.paragraphs + tonumber(ARGV[position + 3])
  totals.entries = totals.entries + #keys / 16
end
redis.call("HINCRBY", prefix .. "counts", "paragraphs", totals.paragraphs)
redis.call("HINCRBY", prefix .. "counts", "bucket_entries", totals.entries)
redis.call("HINCRBY", prefix .. "counts", "buckets", totals.buckets)
return number
"""

# ARGV: prefix, ids...; returns the ids that were stored.
_REMOVE = _UNFILE + """
local prefix = ARGV[1]
local totals = {paragraphs = 0, entries = 0, buckets = 0}
local removed = {}
for position = 2, #ARGV do
  if unfile(prefix, ARGV[position], totals) then
    removed[#removed + 1] = ARGV[position]
  end
end
redis.call("HINCRBY", prefix .. "counts", "paragraphs", totals.paragraphs)
redis.call("HINCRBY", prefix .. "counts", "bucket_entries", totals.entries)
redis.call("HINCRBY", prefix .. "counts", "buckets", totals.buckets)
return removed
"""

# ARGV: prefix, limit, then bucket keys (16 hex digits each, concatenated); returns the
# distinct ids of the first `limit` members of each bucket.
_MEMBERS = """
local prefix, limit, keys = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local seen, found = {}, {}
for start = 1, #keys, 16 do
  for _, id in ipairs(redis.call("ZRANGE", prefix .. "bucket:" .. string.sub(keys, start, start + 15), 0, limit - 1)) do
    if not seen[id] then
      seen[id] = true
      found[#found + 1] = id
    end
  end
end
return found
"""

# ARGV: prefix, SCAN cursor, page size; returns the next cursor, buckets and entries seen,
# and (bucket, id) pairs, flattened, of entries whose document is not stored.
_CHECK = """
local prefix = ARGV[1]
local page = redis.call("SCAN", ARGV[2], "MATCH", prefix .. "bucket:*", "COUNT", ARGV[3])
local entries, missing = 0, {}
for _, bucket in ipairs(page[2]) do
  for _, id in ipairs(redis.call("ZRANGE", bucket, 0, -1)) do
    entries = entries + 1
    if not redis.call("ZSCORE", prefix .. "documents", id) then
      missing[#missing + 1] = bucket
      missing[#missing + 1] = id
    end
  end
end
return {page[1], #page[2], entries, missing}
"""


def _document_key(identifier: str) -> str:
    return f"{PREFIX}document:{identifier}"


def _hex_keys(keys: Iterable[int]) -> str:
    """Bucket keys as one string of 16 hex digits each, sorted and distinct."""
    return "".join(f"{key:016x}" for key in sorted(set(keys)))


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
        self._add_script = self.client.register_script(_ADD)
        self._remove_script = self.client.register_script(_REMOVE)
        self._members_script = self.client.register_script(_MEMBERS)
        self._check_script = self.client.register_script(_CHECK)

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
        if not documents:
            return
        # Later copies of an id in one batch win, as they would in separate batches.
        latest = list({document.id: document for document in documents}.values())
        arguments: list = [PREFIX, len(latest)]
        for document in latest:
            arguments += [
                document.id,
                document.site,
                json.dumps([list(paragraph) for paragraph in document.paragraphs], ensure_ascii=False),
                len(document.paragraphs),
                str(document.text_hash),
                document.fingerprint,
                _hex_keys(document.keys),
            ]
        self._call(self._add_script, args=arguments)

    def members(self, keys: Iterable[int], limit: int) -> set[str]:
        probe = _hex_keys(keys)
        found: set[str] = set()
        step = _READ_CHUNK * _KEY_DIGITS
        for start in range(0, len(probe), step):
            members = self._call(self._members_script, args=[PREFIX, limit, probe[start : start + step]])
            found.update(member.decode() for member in members)
        return found

    def get(self, ids: Iterable[str]) -> list[StoredDocument]:
        wanted = list(dict.fromkeys(ids))
        result = []
        for start in range(0, len(wanted), _READ_CHUNK):
            chunk = wanted[start : start + _READ_CHUNK]
            pipe = self.client.pipeline(transaction=False)
            for identifier in chunk:
                pipe.hmget(_document_key(identifier), _RECORD_FIELDS)
            for identifier, values in zip(chunk, self._call(pipe.execute)):
                if values[0] is not None:
                    result.append(_record(identifier, values))
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
        counts = self._call(self.client.hgetall, f"{PREFIX}counts")
        return {
            "documents": self._call(self.client.zcard, f"{PREFIX}documents"),
            "paragraphs": int(counts.get(b"paragraphs", 0)),
            "buckets": int(counts.get(b"buckets", 0)),
            "bucket_entries": int(counts.get(b"bucket_entries", 0)),
        }

    def size_bytes(self) -> int | None:
        # Redis cannot cheaply tell one prefix's memory; this is the whole server's.
        return int(self._call(self.client.info, "memory")["used_memory"])

    def check(self) -> list[str]:
        """Recount every bucket, a SCAN page per script call: each member must be stored."""
        problems: list[str] = []
        buckets = entries = 0
        cursor = b"0"
        while True:
            cursor, page_buckets, page_entries, missing = self._call(
                self._check_script, args=[PREFIX, cursor, _SCAN_COUNT]
            )
            buckets += page_buckets
            entries += page_entries
            for name, member in zip(missing[0::2], missing[1::2]):
                if len(problems) < 10:
                    key = name.decode()[len(PREFIX) + len("bucket:") :]
                    problems.append(f"bucket {key} lists {member.decode()!r}, which is not stored")
            if cursor == b"0":
                break
        counts = self._call(self.client.hgetall, f"{PREFIX}counts")
        recorded_entries, recorded_buckets = int(counts.get(b"bucket_entries", 0)), int(counts.get(b"buckets", 0))
        if recorded_entries != entries:
            problems.append(f"documents are filed under {recorded_entries} bucket entries, but buckets hold {entries}")
        if recorded_buckets != buckets:
            problems.append(f"the index counts {recorded_buckets} buckets, but holds {buckets}")
        return problems

    def close(self) -> None:
        self.client.close()


def _record(identifier: str, values: list) -> StoredDocument:
    site, paragraphs, text_hash, fingerprint, keys = values
    hex_keys = keys.decode()
    return StoredDocument(
        id=identifier,
        site=site.decode(),
        paragraphs=tuple((text, int(line)) for text, line in json.loads(paragraphs)),
        text_hash=int(text_hash),
        fingerprint=bytes(fingerprint),
        keys=tuple(int(hex_keys[start : start + _KEY_DIGITS], 16) for start in range(0, len(hex_keys), _KEY_DIGITS)),
    )
