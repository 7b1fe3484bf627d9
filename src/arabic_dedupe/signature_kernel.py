"""The compiled fingerprint kernel: word hashes, shingles and MinHash of a whole batch.

Gives exactly what signature.py's numpy functions give, several times faster (numba).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy

from arabic_dedupe.signature import (
    DIGIT_CHARACTER,
    MIX_MULTIPLIERS,
    SHINGLE_BASE,
    SHORT_TEXT_MASK,
    WORD_BASE,
    WORD_CHARACTER,
)

# Every constant is a numpy.uint64: numba turns arithmetic that mixes signed and unsigned
# 64-bit integers into float64.
_MIX_FIRST, _MIX_SECOND = MIX_MULTIPLIERS
_NEWLINE = 10
_LAST_IN_PLANE = 0xFFFF


def compile_kernel(function):
    """Compile with numba, keeping the machine code between runs where a folder allows.

    numba caches next to this file, or in the user's cache folder when that is read-only
    (a root-owned site-packages); where neither can be written it refuses `cache=True`,
    and the kernel is then compiled in memory on each run instead.
    """
    try:
        return numba.njit(cache=True, nogil=True)(function)
    except RuntimeError:
        return numba.njit(nogil=True)(function)


@compile_kernel
def _mix(value):
    value ^= value >> numpy.uint64(30)
    value *= _MIX_FIRST
    value ^= value >> numpy.uint64(27)
    value *= _MIX_SECOND
    value ^= value >> numpy.uint64(31)
    return value


@compile_kernel
def _hash_words(codes, character_classes, text_count):
    """Hash the words of the joined texts and write their UTF-8 bytes, in one pass.

    Returns the word hashes, each word's text, digits-only flags, the UTF-8 bytes, each
    text's end in bytes and in characters, and how many texts a newline ended (more than
    `text_count` when a text holds a newline).

    One loop over the characters with the word open or closed, rather than a loop per
    word: the per-word loop's exit branch is mispredicted on almost every word. The UTF-8
    bytes (as `surrogatepass` writes them) come from the same pass, for the exact hashes.
    """
    length = len(codes)
    capacity = (length + 1) // 2
    hashes = numpy.empty(capacity, dtype=numpy.uint64)
    text_of_word = numpy.empty(capacity, dtype=numpy.int64)
    numeric = numpy.empty(capacity, dtype=numpy.bool_)
    utf8 = numpy.empty(4 * length, dtype=numpy.uint8)
    byte_ends = numpy.empty(text_count, dtype=numpy.int64)
    character_ends = numpy.empty(text_count, dtype=numpy.int64)
    words = 0
    text = 0
    size = 0
    in_word = False
    value = numpy.uint64(0)
    power = WORD_BASE
    start = 0
    classes_so_far = numpy.uint8(0)
    for position in range(length):
        code = codes[position]
        character_class = character_classes[min(code, _LAST_IN_PLANE)]
        if character_class:
            if not in_word:
                in_word = True
                value = numpy.uint64(0)
                power = WORD_BASE
                start = position
                classes_so_far = numpy.uint8(WORD_CHARACTER | DIGIT_CHARACTER)
            value += numpy.uint64(code) * power
            power *= WORD_BASE
            classes_so_far &= character_class
        else:
            if in_word:
                hashes[words] = _mix(value ^ (numpy.uint64(position - start) << numpy.uint64(56)))
                text_of_word[words] = text
                numeric[words] = (classes_so_far & DIGIT_CHARACTER) != 0
                words += 1
                in_word = False
            if code == _NEWLINE:
                if text < text_count:
                    byte_ends[text] = size
                    character_ends[text] = position
                text += 1
        if code < 0x80:
            utf8[size] = code
            size += 1
        elif code < 0x800:
            utf8[size] = 0xC0 | (code >> 6)
            utf8[size + 1] = 0x80 | (code & 0x3F)
            size += 2
        elif code < 0x10000:
            utf8[size] = 0xE0 | (code >> 12)
            utf8[size + 1] = 0x80 | ((code >> 6) & 0x3F)
            utf8[size + 2] = 0x80 | (code & 0x3F)
            size += 3
        else:
            utf8[size] = 0xF0 | (code >> 18)
            utf8[size + 1] = 0x80 | ((code >> 12) & 0x3F)
            utf8[size + 2] = 0x80 | ((code >> 6) & 0x3F)
            utf8[size + 3] = 0x80 | (code & 0x3F)
            size += 4
    return (
        hashes[:words],
        text_of_word[:words],
        numeric[:words],
        utf8[:size],
        byte_ends,
        character_ends,
        text,
    )


@compile_kernel
def _shingles_and_signatures(hashes, text_of_word, text_count, shingle_size, multipliers, increments):
    """Shingles (grouped by text), their texts, and each text's MinHash signature."""
    word_count = len(hashes)
    num_perm = len(multipliers)
    shingles = numpy.empty(word_count, dtype=numpy.uint64)
    owners = numpy.empty(word_count, dtype=numpy.int64)
    signatures = numpy.full((text_count, num_perm), numpy.uint32(0xFFFFFFFF), dtype=numpy.uint32)
    minima = numpy.empty(num_perm, dtype=numpy.uint64)
    produced = 0
    first = 0
    while first < word_count:
        text = text_of_word[first]
        last = first
        while last < word_count and text_of_word[last] == text:
            last += 1
        start = produced
        if last - first >= shingle_size:
            for window in range(first, last - shingle_size + 1):
                value = hashes[window]
                for offset in range(1, shingle_size):
                    value = value * SHINGLE_BASE + hashes[window + offset]
                shingles[produced] = _mix(value)
                owners[produced] = text
                produced += 1
        else:
            value = numpy.uint64(0)
            for word in range(first, last):
                value = value * SHINGLE_BASE + hashes[word]
            shingles[produced] = _mix(value ^ SHORT_TEXT_MASK)
            owners[produced] = text
            produced += 1
        # The minimum commutes with the shift to the top 32 bits, so only the minima shift.
        minima[:] = numpy.uint64(0xFFFFFFFFFFFFFFFF)
        for row in range(start, produced):
            shingle = shingles[row]
            for permutation in range(num_perm):
                candidate = multipliers[permutation] * shingle + increments[permutation]
                if candidate < minima[permutation]:
                    minima[permutation] = candidate
        for permutation in range(num_perm):
            signatures[text, permutation] = numpy.uint32(minima[permutation] >> numpy.uint64(32))
        first = last
    return shingles[:produced], owners[:produced], signatures


@compile_kernel
def _document_minima(paragraph_signatures, paragraph_bounds):
    """Each document's signature: the minimum of its paragraphs' (all ones without any)."""
    document_count = len(paragraph_bounds) - 1
    num_perm = paragraph_signatures.shape[1]
    signatures = numpy.full((document_count, num_perm), numpy.uint32(0xFFFFFFFF), dtype=numpy.uint32)
    for document in range(document_count):
        for row in range(paragraph_bounds[document], paragraph_bounds[document + 1]):
            for permutation in range(num_perm):
                signatures[document, permutation] = min(signatures[document, permutation], paragraph_signatures[row, permutation])
    return signatures


@dataclass(frozen=True, eq=False)
class KernelResult:
    """What the kernel computes for a batch of texts, as signature.fingerprint needs it."""

    word_hashes: numpy.ndarray  # uint64, in text order
    text_of_word: numpy.ndarray  # int64
    numeric: numpy.ndarray  # bool: the word is digits only
    utf8: numpy.ndarray  # uint8: the joined texts as UTF-8 ("surrogatepass")
    byte_ends: numpy.ndarray  # int64 end of each text in utf8 (its newline follows)
    character_ends: numpy.ndarray  # int64 end of each text in code points
    shingles: numpy.ndarray  # uint64, grouped by text
    shingle_owners: numpy.ndarray  # int64 text of each shingle
    text_signatures: numpy.ndarray  # (texts, num_perm) uint32
    document_signatures: numpy.ndarray  # (documents, num_perm) uint32


def fingerprint_texts(
    codes: numpy.ndarray,
    character_classes: numpy.ndarray,
    paragraph_bounds: numpy.ndarray,
    shingle_size: int,
    multipliers: numpy.ndarray,
    increments: numpy.ndarray,
) -> KernelResult | None:
    """Everything signature.fingerprint derives from the code points of its joined texts.

    `codes` are the UTF-32 code points of the texts, each followed by a newline;
    `paragraph_bounds` group the texts into documents. None when the newlines do not split
    the codes into that many texts (a text holding a newline itself): the caller then
    takes the numpy path, which defines what such input gives.
    """
    text_count = int(paragraph_bounds[-1])
    hashes, text_of_word, numeric, utf8, byte_ends, character_ends, texts_seen = _hash_words(
        codes, character_classes, text_count
    )
    if texts_seen != text_count:
        return None
    shingles, owners, signatures = _shingles_and_signatures(
        hashes, text_of_word, text_count, shingle_size, multipliers, increments
    )
    return KernelResult(
        word_hashes=hashes,
        text_of_word=text_of_word,
        numeric=numeric,
        utf8=utf8,
        byte_ends=byte_ends,
        character_ends=character_ends,
        shingles=shingles,
        shingle_owners=owners,
        text_signatures=signatures,
        document_signatures=_document_minima(signatures, paragraph_bounds),
    )
