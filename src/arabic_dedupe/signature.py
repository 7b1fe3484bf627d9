"""Word shingles and MinHash signatures for a batch of cleaned documents (the hot path).

Words are hashed from the text's code points with one weighted sum per word, shingles from
word hashes, signatures with one matrix minimum per chunk: vectorized numpy, which defines
every value. Large batches go to the compiled kernel (signature_kernel.py), which gives the
same values several times faster.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import sys
from dataclasses import dataclass
from collections.abc import Iterable, Iterator, Sequence

import numpy
import xxhash

# Polynomial hashing of a word's code points, finished by mix64 (also read by
# signature_kernel.py, which must compute the very same values).
WORD_BASE = numpy.uint64(0x100000001B3)
SHINGLE_BASE = numpy.uint64(0x9E3779B97F4A7C15)
# Marks the one shingle of a text shorter than the shingle size.
SHORT_TEXT_MASK = numpy.uint64(0xA5A5A5A5A5A5A5A5)
MIX_MULTIPLIERS = (numpy.uint64(0xBF58476D1CE4E5B9), numpy.uint64(0x94D049BB133111EB))
_SEPARATOR = "\n"
# Rows of the shingle x permutation matrix computed at once: bounds temporary memory
# (rows * num_perm * 8 bytes, 32 MiB at 128 permutations).
_CHUNK_ROWS = 32768


def _word_character_table() -> numpy.ndarray:
    table = numpy.zeros(0x10000, dtype=bool)
    table[[code for code in range(0x10000) if chr(code).isalnum()]] = True
    return table


def _digit_table() -> numpy.ndarray:
    table = numpy.zeros(0x10000, dtype=bool)
    table[[ord(digit) for digit in "0123456789"]] = True
    return table


_IS_WORD_CHARACTER = _word_character_table()
_IS_DIGIT = _digit_table()
# The same two tables as bits of one, for the kernel's single lookup per character.
WORD_CHARACTER, DIGIT_CHARACTER = 1, 2
CHARACTER_CLASSES = _IS_WORD_CHARACTER.astype(numpy.uint8) * WORD_CHARACTER | _IS_DIGIT.astype(numpy.uint8) * DIGIT_CHARACTER
# Batches of fewer characters take the numpy path unless the caller asks. Loading the kernel
# costs a process about 0.3 s once (1.5 s the very first
# time, to compile) and saves about 45 ns a character, so it pays only over millions of
# characters: a scan of a few files stays with numpy, a full batch of news articles
# (500 documents, 0.6 to 1 million characters) is taken as a sign of a large corpus.
COMPILED_MIN_CHARACTERS = 250_000


def mix64(values: numpy.ndarray) -> numpy.ndarray:
    """Scramble 64-bit values (splitmix64 finalizer) so low-quality sums get uniform bits."""
    values = values.copy()
    values ^= values >> numpy.uint64(30)
    values *= MIX_MULTIPLIERS[0]
    values ^= values >> numpy.uint64(27)
    values *= MIX_MULTIPLIERS[1]
    values ^= values >> numpy.uint64(31)
    return values


@dataclass(frozen=True)
class Permutations:
    """The random hash functions of a MinHash scheme: h_i(x) = (a_i * x + b_i) >> 32."""

    multipliers: numpy.ndarray
    increments: numpy.ndarray

    @classmethod
    def create(cls, num_perm: int, seed: int) -> "Permutations":
        generator = numpy.random.default_rng(seed)
        multipliers = generator.integers(0, 1 << 63, size=num_perm, dtype=numpy.uint64) * numpy.uint64(2) + numpy.uint64(1)
        increments = generator.integers(0, 1 << 63, size=num_perm, dtype=numpy.uint64)
        return cls(multipliers, increments)


@dataclass(frozen=True, eq=False)
class Words:
    """Hashed words of a list of texts: one entry per word, in text order."""

    hashes: numpy.ndarray  # uint64
    text_of_word: numpy.ndarray  # int64 index of the text each word belongs to
    numeric: numpy.ndarray  # bool: the word is made of digits only


def hash_words(texts: Sequence[str]) -> Words:
    """Split each text into words (runs of letters and digits) and hash every word.

    A word's hash depends only on its characters, never on where it occurs.

    >>> words = hash_words(["قال بوتين", "بوتين 2021"])
    >>> int(words.hashes[1]) == int(words.hashes[2]), words.text_of_word.tolist(), words.numeric.tolist()
    (True, [0, 0, 1, 1], [False, False, False, True])
    """
    joined = _SEPARATOR.join(texts) + _SEPARATOR
    codes = numpy.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=numpy.uint32)
    in_plane = numpy.minimum(codes, 0xFFFF)
    padded = numpy.zeros(len(codes) + 2, dtype=bool)
    padded[1:-1] = _IS_WORD_CHARACTER[in_plane]
    boundaries = numpy.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = boundaries[0::2], boundaries[1::2]  # ends exclusive
    lengths = ends - starts
    # hash(word) = sum of code[k] * BASE**k over the word's characters k: computed for all
    # words at once from the word characters alone, then summed per word with reduceat.
    inside = padded[1:-1]
    word_codes = codes[inside].astype(numpy.uint64)
    compact_starts = numpy.concatenate(([0], numpy.cumsum(lengths)[:-1])) if len(lengths) else lengths
    position = numpy.arange(len(word_codes)) - numpy.repeat(compact_starts, lengths)
    longest = int(lengths.max()) if len(lengths) else 0
    with numpy.errstate(over="ignore"):
        powers = numpy.cumprod(numpy.full(longest + 1, WORD_BASE, dtype=numpy.uint64))
        contributions = word_codes * powers[position]
        hashes = numpy.add.reduceat(contributions, compact_starts) if len(lengths) else numpy.zeros(0, numpy.uint64)
        hashes = mix64(hashes ^ (lengths.astype(numpy.uint64) << numpy.uint64(56)))
    non_digit = (~_IS_DIGIT[in_plane[inside]]).astype(numpy.int32)
    numeric = (numpy.add.reduceat(non_digit, compact_starts) == 0) if len(lengths) else numpy.zeros(0, bool)
    separator_positions = numpy.flatnonzero(codes == ord(_SEPARATOR))
    text_of_word = numpy.searchsorted(separator_positions, starts)
    return Words(hashes, text_of_word.astype(numpy.int64), numeric)


def shingle_hashes(words: Words, text_count: int, shingle_size: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Hash every run of `shingle_size` consecutive words inside one text.

    A text shorter than the shingle size gives one shingle of all its words, so a short
    headline still has a fingerprint. Returns (shingles, text index of each shingle),
    grouped by text in text order.
    """
    hashes, owner = words.hashes, words.text_of_word
    count = len(hashes)
    with numpy.errstate(over="ignore"):
        if count >= shingle_size:
            span = count - shingle_size + 1
            combined = hashes[:span].copy()
            for offset in range(1, shingle_size):
                combined = combined * SHINGLE_BASE + hashes[offset : offset + span]
            same_text = owner[:span] == owner[shingle_size - 1 :]
            full = mix64(combined[same_text])
            full_owner = owner[:span][same_text]
        else:
            full = numpy.zeros(0, dtype=numpy.uint64)
            full_owner = numpy.zeros(0, dtype=numpy.int64)
        words_per_text = numpy.bincount(owner, minlength=text_count)
        short_texts = numpy.flatnonzero((words_per_text > 0) & (words_per_text < shingle_size))
        short = numpy.zeros(len(short_texts), dtype=numpy.uint64)
        if len(short_texts):
            starts = numpy.searchsorted(owner, short_texts)
            for position, (start, length) in enumerate(zip(starts, words_per_text[short_texts])):
                value = numpy.uint64(0)
                for word in hashes[start : start + length]:
                    value = value * SHINGLE_BASE + word
                short[position] = value
            short = mix64(short ^ SHORT_TEXT_MASK)
    all_shingles = numpy.concatenate((full, short))
    all_owners = numpy.concatenate((full_owner, short_texts.astype(numpy.int64)))
    order = numpy.argsort(all_owners, kind="stable")
    return all_shingles[order], all_owners[order]


def minhash(shingles: numpy.ndarray, owners: numpy.ndarray, owner_count: int, permutations: Permutations) -> numpy.ndarray:
    """MinHash signature (uint32 per permutation) of each owner's shingle set.

    `owners` must be sorted. Owners without shingles get the all-ones signature, which
    no real set shares.
    """
    num_perm = len(permutations.multipliers)
    signatures = numpy.full((owner_count, num_perm), numpy.iinfo(numpy.uint32).max, dtype=numpy.uint32)
    if len(shingles) == 0:
        return signatures
    multipliers = permutations.multipliers[:, None]
    increments = permutations.increments[:, None]
    # Permutations down, shingles across: the per-owner minimum then runs along contiguous
    # memory, and one buffer of fixed size serves every chunk (fresh memory is slow to
    # touch here, and a one-line 50 MB file must not need a matrix of its own).
    buffer = numpy.empty((num_perm, min(_CHUNK_ROWS, len(shingles))), dtype=numpy.uint64)
    for start in range(0, len(shingles), _CHUNK_ROWS):
        rows = shingles[start : start + _CHUNK_ROWS]
        chunk_owners = owners[start : start + _CHUNK_ROWS]
        values = buffer[:, : len(rows)]
        numpy.multiply(multipliers, rows[None, :], out=values)
        numpy.add(values, increments, out=values)
        segment_starts = numpy.concatenate(([0], numpy.flatnonzero(chunk_owners[1:] != chunk_owners[:-1]) + 1))
        minima = numpy.minimum.reduceat(values, segment_starts, axis=1)
        # The top 32 bits are the hash value; the minimum commutes with the shift, so only
        # the per-owner minima are shifted, then folded into owners that span chunks.
        segment_owners = chunk_owners[segment_starts]
        shifted = (minima.T >> numpy.uint64(32)).astype(numpy.uint32)
        signatures[segment_owners] = numpy.minimum(signatures[segment_owners], shifted)
    return signatures


def text_hash(text: str) -> int:
    """Hash of a whole matching form, for the exact-duplicate fast path."""
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True, eq=False)
class Fingerprints:
    """Shingles and signatures of a batch of cleaned documents, as flat numpy arrays.

    Paragraph rows are grouped by document, in document order; a document's shingle set is
    the union of its paragraphs' (shingles never cross a paragraph boundary, so a dropped
    or added paragraph changes nothing else).
    """

    text_hashes: numpy.ndarray  # uint64 per document: the exact-duplicate key (0 if empty)
    document_signatures: numpy.ndarray  # (documents, num_perm) uint32
    paragraph_bounds: numpy.ndarray  # documents + 1 offsets into the paragraph rows
    paragraph_lengths: numpy.ndarray  # characters of each paragraph's matching form
    paragraph_words: numpy.ndarray  # words in each paragraph
    paragraph_hashes: numpy.ndarray  # uint64 exact key of each paragraph's matching form
    paragraph_signatures: numpy.ndarray  # (paragraphs, num_perm) uint32
    shingles: numpy.ndarray  # uint64, grouped by paragraph
    shingle_bounds: numpy.ndarray  # paragraphs + 1 offsets into shingles
    numbers: numpy.ndarray  # uint64 hashes of the numbers of each document, grouped by document
    number_bounds: numpy.ndarray  # documents + 1 offsets into numbers

    @property
    def document_count(self) -> int:
        return len(self.text_hashes)

    @property
    def document_of_paragraph(self) -> numpy.ndarray:
        """The document index of every paragraph row."""
        return numpy.repeat(numpy.arange(self.document_count), numpy.diff(self.paragraph_bounds))

    @property
    def has_text(self) -> numpy.ndarray:
        """Whether each document has at least one shingle (a cleaned, non-empty text)."""
        return numpy.diff(self.shingle_bounds[self.paragraph_bounds]) > 0

    def document_shingles(self, document: int) -> numpy.ndarray:
        """Sorted, distinct shingles of one document."""
        first, last = self.paragraph_bounds[document], self.paragraph_bounds[document + 1]
        return numpy.unique(self.shingles[self.shingle_bounds[first] : self.shingle_bounds[last]])

    def paragraph_shingles(self, row: int) -> numpy.ndarray:
        return numpy.unique(self.shingles[self.shingle_bounds[row] : self.shingle_bounds[row + 1]])

    def document_numbers(self, document: int) -> numpy.ndarray:
        return self.numbers[self.number_bounds[document] : self.number_bounds[document + 1]]


def compiled_module(name: str = "signature_kernel"):
    """A numba kernel module of this package (signature_kernel, overlap_kernel), or None
    where numba is not installed (or not for this numpy).

    Imported on first use, not with this module, which a scan of a few files should not pay.
    """
    try:
        with _without_scipy_blas():
            return importlib.import_module(f"arabic_dedupe.{name}")
    except ImportError:
        return None


@contextlib.contextmanager
def _without_scipy_blas() -> Iterator[None]:
    """numba looks for SciPy's BLAS the first time it compiles or loads a function (loading
    SciPy: 0.15 s), for linear algebra the kernel never does. Meanwhile that module is
    marked missing; it is importable again afterwards."""
    blas = "scipy.linalg.cython_blas"
    hidden = blas not in sys.modules
    if hidden:
        sys.modules[blas] = None
    try:
        yield
    finally:
        if hidden and sys.modules.get(blas, "") is None:
            del sys.modules[blas]


def load_compiled_kernel() -> bool:
    """Load the compiled kernels now, fingerprint and overlap (compiling them on the very
    first run); False without numba.

    A parent process that calls this before forking its workers pays the load once, instead
    of every worker paying it on its first large batch.
    """
    kernel = compiled_module()
    if kernel is None:
        return False
    with _without_scipy_blas():
        fingerprint([["تحميل"]], shingle_size=1, permutations=Permutations.create(1, 0), compiled=True)
        bounds = numpy.zeros(1, dtype=numpy.int64)
        compiled_module("overlap_kernel").pair_overlaps(
            numpy.zeros(0, dtype=numpy.uint64), bounds, bounds, numpy.zeros((1, 2), dtype=numpy.int64)
        )
    return True


@dataclass(frozen=True, eq=False)
class _Hashed:
    """What the numpy path and the kernel each compute for a batch; fingerprint does the rest."""

    words: Words
    shingles: numpy.ndarray
    shingle_owners: numpy.ndarray
    paragraph_signatures: numpy.ndarray
    document_signatures: numpy.ndarray
    paragraph_lengths: numpy.ndarray
    paragraph_hashes: numpy.ndarray
    text_hashes: numpy.ndarray


def _hashed_with_numpy(
    matching_paragraphs: Sequence[Sequence[str]], flat: list[str], paragraph_bounds: numpy.ndarray, shingle_size: int, permutations: Permutations
) -> _Hashed:
    words = hash_words(flat)
    shingles, owners = shingle_hashes(words, len(flat), shingle_size)
    paragraph_signatures = minhash(shingles, owners, len(flat), permutations)
    counts = numpy.diff(paragraph_bounds)
    document_signatures = numpy.full((len(counts), paragraph_signatures.shape[1]), numpy.iinfo(numpy.uint32).max, dtype=numpy.uint32)
    non_empty = numpy.flatnonzero(counts > 0)
    if len(non_empty):
        document_signatures[non_empty] = numpy.minimum.reduceat(paragraph_signatures, paragraph_bounds[non_empty], axis=0)
    return _Hashed(
        words=words,
        shingles=shingles,
        shingle_owners=owners,
        paragraph_signatures=paragraph_signatures,
        document_signatures=document_signatures,
        paragraph_lengths=numpy.array([len(paragraph) for paragraph in flat], dtype=numpy.int64),
        paragraph_hashes=numpy.array([text_hash(paragraph) for paragraph in flat], dtype=numpy.uint64),
        text_hashes=numpy.array(
            [text_hash("\n".join(paragraphs)) if paragraphs else 0 for paragraphs in matching_paragraphs],
            dtype=numpy.uint64,
        ),
    )


def _hashed_with_kernel(
    kernel, joined: str, paragraph_bounds: numpy.ndarray, shingle_size: int, permutations: Permutations
) -> _Hashed | None:
    """What _hashed_with_numpy computes, from the kernel; None when it declines the texts."""
    codes = numpy.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=numpy.uint32)
    result = kernel.fingerprint_texts(
        codes, CHARACTER_CLASSES, paragraph_bounds, shingle_size, permutations.multipliers, permutations.increments
    )
    if result is None:
        return None
    # Each paragraph's UTF-8 bytes, and each document's paragraphs joined by newlines, are
    # slices of the joined text's: hashed in place, without encoding any text again.
    encoded = memoryview(result.utf8)
    byte_starts = [0] + (result.byte_ends[:-1] + 1).tolist()
    byte_ends = result.byte_ends.tolist()
    digest = xxhash.xxh3_64_intdigest
    bounds = paragraph_bounds.tolist()
    character_starts = numpy.concatenate(([0], result.character_ends[:-1] + 1))
    return _Hashed(
        words=Words(result.word_hashes, result.text_of_word, result.numeric),
        shingles=result.shingles,
        shingle_owners=result.shingle_owners,
        paragraph_signatures=result.text_signatures,
        document_signatures=result.document_signatures,
        paragraph_lengths=(result.character_ends - character_starts).astype(numpy.int64),
        paragraph_hashes=numpy.array(
            [digest(encoded[start:end]) for start, end in zip(byte_starts, byte_ends)], dtype=numpy.uint64
        ),
        text_hashes=numpy.array(
            [
                digest(encoded[byte_starts[first] : byte_ends[last - 1]]) if last > first else 0
                for first, last in zip(bounds, bounds[1:])
            ],
            dtype=numpy.uint64,
        ),
    )


def fingerprint(
    matching_paragraphs: Sequence[Sequence[str]],
    *,
    shingle_size: int,
    permutations: Permutations,
    compiled: bool | None = None,
) -> Fingerprints:
    """Fingerprint documents given as lists of paragraph matching forms.

    `compiled` picks the numba kernel (True, where numba is installed) or numpy (False);
    None picks the kernel for batches of COMPILED_MIN_CHARACTERS or more. Both give
    identical fingerprints.
    """
    flat = [paragraph for paragraphs in matching_paragraphs for paragraph in paragraphs]
    counts = numpy.array([len(paragraphs) for paragraphs in matching_paragraphs], dtype=numpy.int64)
    paragraph_bounds = numpy.concatenate(([0], numpy.cumsum(counts)))
    joined = _SEPARATOR.join(flat) + _SEPARATOR
    if compiled is None:
        compiled = len(joined) - len(flat) >= COMPILED_MIN_CHARACTERS
    kernel = compiled_module() if compiled else None
    hashed = _hashed_with_kernel(kernel, joined, paragraph_bounds, shingle_size, permutations) if kernel else None
    if hashed is None:
        hashed = _hashed_with_numpy(matching_paragraphs, flat, paragraph_bounds, shingle_size, permutations)
    words = hashed.words
    document_of_paragraph = numpy.repeat(numpy.arange(len(counts)), counts)
    shingle_bounds = numpy.searchsorted(hashed.shingle_owners, numpy.arange(len(flat) + 1))
    paragraph_words = numpy.bincount(words.text_of_word, minlength=len(flat))[: len(flat)]
    number_owner = document_of_paragraph[words.text_of_word[words.numeric]] if len(flat) else numpy.zeros(0, dtype=numpy.int64)
    number_values = words.hashes[words.numeric]
    order = numpy.lexsort((number_values, number_owner))
    number_owner, number_values = number_owner[order], number_values[order]
    distinct = numpy.ones(len(number_values), dtype=bool)
    distinct[1:] = (number_values[1:] != number_values[:-1]) | (number_owner[1:] != number_owner[:-1])
    number_owner, number_values = number_owner[distinct], number_values[distinct]
    number_bounds = numpy.searchsorted(number_owner, numpy.arange(len(counts) + 1))
    return Fingerprints(
        text_hashes=hashed.text_hashes,
        document_signatures=hashed.document_signatures,
        paragraph_bounds=paragraph_bounds,
        paragraph_lengths=hashed.paragraph_lengths,
        paragraph_words=paragraph_words,
        paragraph_hashes=hashed.paragraph_hashes,
        paragraph_signatures=hashed.paragraph_signatures,
        shingles=hashed.shingles,
        shingle_bounds=shingle_bounds,
        numbers=number_values,
        number_bounds=number_bounds,
    )


def concatenate(parts: Iterable[Fingerprints]) -> Fingerprints:
    """Join fingerprints of consecutive batches into one, shifting the offsets.

    Batches keep every temporary array small: on a virtual machine, touching fresh
    memory for one corpus-sized array costs more than the arithmetic done in it. Given an
    iterator, the parts are consumed: each array is joined as soon as all parts are in and
    its pieces dropped, so the batches' arrays and the joined ones never all coexist.
    """
    if isinstance(parts, Sequence) and len(parts) == 1:
        return parts[0]
    bounded = {"paragraph_bounds": "paragraph_lengths", "shingle_bounds": "shingles", "number_bounds": "numbers"}
    pieces: dict[str, list[numpy.ndarray]] = {name: [] for name in _FINGERPRINT_FIELDS}
    shifts = dict.fromkeys(bounded, 0)
    for part in parts:
        for name in _FINGERPRINT_FIELDS:
            value = getattr(part, name)
            if name in bounded:
                value = value[1:] + shifts[name]
                shifts[name] += len(getattr(part, bounded[name]))
            pieces[name].append(value)
        del part
    for name in bounded:
        pieces[name].insert(0, numpy.zeros(1, dtype=numpy.int64))
    return Fingerprints(**{name: numpy.concatenate(pieces.pop(name)) for name in _FINGERPRINT_FIELDS})


_FINGERPRINT_FIELDS = tuple(field.name for field in dataclasses.fields(Fingerprints))
