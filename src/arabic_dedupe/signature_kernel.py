"""The compiled fingerprint kernel: word hashes, shingles and MinHash of a whole batch.

Gives exactly what signature.py's numpy functions give, several times faster (numba).
"""

from __future__ import annotations

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


def _compile(function):
    """Compile with numba, keeping the machine code between runs where a folder allows.

    numba caches next to this file, or in the user's cache folder when that is read-only
    (a root-owned site-packages); where neither can be written it refuses `cache=True`,
    and the kernel is then compiled in memory on each run instead.
    """
    try:
        return numba.njit(cache=True, nogil=True)(function)
    except RuntimeError:
        return numba.njit(nogil=True)(function)


@_compile
def _mix(value):
    value ^= value >> numpy.uint64(30)
    value *= _MIX_FIRST
    value ^= value >> numpy.uint64(27)
    value *= _MIX_SECOND
    value ^= value >> numpy.uint64(31)
    return value


@_compile
def _hash_words(codes, character_classes):
    """Word hashes, text of each word, digits-only flags, UTF-8 end of each text, texts seen.

    One loop over the characters with the word open or closed, rather than a loop per
    word: the per-word loop's exit branch is mispredicted on almost every word.
    """
    length = len(codes)
    capacity = (length + 1) // 2
    hashes = numpy.empty(capacity, dtype=numpy.uint64)
    text_of_word = numpy.empty(capacity, dtype=numpy.int64)
    numeric = numpy.empty(capacity, dtype=numpy.bool_)
    text_ends = numpy.empty(length + 1, dtype=numpy.int64)
    words = 0
    text = 0
    utf8_position = 0
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
                text_ends[text] = utf8_position
                text += 1
        utf8_position += 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return hashes[:words], text_of_word[:words], numeric[:words], text_ends[:text]


@_compile
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
        run = last - first
        start = produced
        if run >= shingle_size:
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


def fingerprint_texts(
    codes: numpy.ndarray,
    character_classes: numpy.ndarray,
    text_count: int,
    shingle_size: int,
    multipliers: numpy.ndarray,
    increments: numpy.ndarray,
):
    """Everything signature.fingerprint derives from the code points of its joined texts.

    `codes` are the UTF-32 code points of the texts, each followed by a newline. Returns
    (word hashes, text of each word, digits-only flags, UTF-8 byte end of each text,
    shingles, text of each shingle, signatures), or None when the newlines do not split
    the codes into `text_count` texts (a text holding a newline itself): the caller then
    takes the numpy path, which defines what such input gives.
    """
    hashes, text_of_word, numeric, text_ends = _hash_words(codes, character_classes)
    if len(text_ends) != text_count:
        return None
    shingles, owners, signatures = _shingles_and_signatures(
        hashes, text_of_word, text_count, shingle_size, multipliers, increments
    )
    return hashes, text_of_word, numeric, text_ends, shingles, owners, signatures
