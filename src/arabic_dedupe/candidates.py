"""Candidate pairs from LSH banding of MinHash signatures, with sorted arrays, not dicts.

Two rows become candidates when all rows of one band of their signatures agree.
"""

from __future__ import annotations

import numpy

from arabic_dedupe.signature import mix64

# A bucket holding more rows than this is almost always boilerplate shared by a whole
# site (or empty texts); pairing everything in it would be quadratic. Its rows are paired
# with the bucket's first row only, so true copies still meet through it.
MAX_BUCKET = 200


def band_keys(signatures: numpy.ndarray, bands: int, rows_per_band: int) -> numpy.ndarray:
    """One 64-bit key per (row, band): the band's values hashed together.

    Only the first `bands` bands of each signature are read (paragraphs are paired by
    fewer bands than documents), however many columns it has.
    """
    count = len(signatures)
    grouped = signatures[:, : bands * rows_per_band].reshape(count, bands, rows_per_band).astype(numpy.uint64)
    keys = numpy.zeros((count, bands), dtype=numpy.uint64)
    with numpy.errstate(over="ignore"):
        for row in range(rows_per_band):
            keys = mix64(keys * numpy.uint64(0x100000001B3) + grouped[:, :, row])
    return keys


def _bucket_pairs(sorted_rows: numpy.ndarray, starts: numpy.ndarray, sizes: numpy.ndarray) -> numpy.ndarray:
    """All pairs inside each bucket (rows[start : start + size]), without a Python loop.

    Each member at offset k of a bucket of size m pairs with the m - 1 - k members after it.
    """
    members = numpy.repeat(starts, sizes) + (numpy.arange(sizes.sum()) - numpy.repeat(numpy.cumsum(sizes) - sizes, sizes))
    offsets = members - numpy.repeat(starts, sizes)
    partners = numpy.repeat(sizes, sizes) - 1 - offsets
    left = numpy.repeat(members, partners)
    step = numpy.arange(partners.sum()) - numpy.repeat(numpy.cumsum(partners) - partners, partners) + 1
    return numpy.stack((sorted_rows[left], sorted_rows[left + step]), axis=1)


def stable_sort(keys: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    """The keys sorted, and argsort(keys, kind="stable"), several times faster: numpy's
    default sort of 64-bit integers is vectorized where a stable one is not, and only the
    few keys that repeat need their positions put back in order.

    >>> [part.tolist() for part in stable_sort(numpy.array([5, 3, 5, 1, 3, 5], dtype=numpy.uint64))]
    [[1, 3, 3, 5, 5, 5], [3, 1, 4, 0, 2, 5]]
    """
    order = numpy.argsort(keys)
    ordered = keys[order]
    repeats = ordered[1:] == ordered[:-1]
    if not repeats.any():
        return ordered, order
    in_run = numpy.zeros(len(keys), dtype=bool)
    in_run[1:] = repeats
    in_run[:-1] |= repeats
    # Runs of equal keys are contiguous, so sorting each run's positions leaves the run
    # where it is: one sort by (key, position) over the members of all runs.
    members = numpy.flatnonzero(in_run)
    positions = order[members]
    order[members] = positions[numpy.lexsort((positions, ordered[members]))]
    return ordered, order


def pairs_from_keys(keys: numpy.ndarray, rows: numpy.ndarray) -> numpy.ndarray:
    """All pairs (i < j) of `rows` that share a key in some column, as an (m, 2) array."""
    found = []
    # Band by band, each band's keys contiguous in memory.
    for column in numpy.ascontiguousarray(keys.T):
        sorted_keys, order = stable_sort(column)
        sorted_rows = rows[order]
        change = numpy.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
        starts = numpy.concatenate(([0], change))
        sizes = numpy.diff(numpy.concatenate((starts, [len(sorted_keys)])))
        ordinary = (sizes > 1) & (sizes <= MAX_BUCKET)
        if ordinary.any():
            found.append(_bucket_pairs(sorted_rows, starts[ordinary], sizes[ordinary]))
        for start, size in zip(starts[sizes > MAX_BUCKET], sizes[sizes > MAX_BUCKET]):
            members = sorted_rows[start : start + size]
            found.append(numpy.stack((numpy.full(size - 1, members[0]), members[1:]), axis=1))
    if not found:
        return numpy.zeros((0, 2), dtype=numpy.int64)
    pairs = numpy.concatenate(found).astype(numpy.int64)
    pairs.sort(axis=1)
    # Each pair as one integer (first * width + second orders like the pair): unique over
    # one column sorts several times faster than over rows.
    width = int(pairs[:, 1].max()) + 1
    distinct = numpy.unique(pairs[:, 0] * width + pairs[:, 1])
    return numpy.stack((distinct // width, distinct % width), axis=1)


def lsh_candidates(signatures: numpy.ndarray, rows: numpy.ndarray, bands: int, rows_per_band: int) -> numpy.ndarray:
    """Candidate pairs among `rows` (indices into `signatures`) by LSH banding.

    With b bands of r rows, two sets of Jaccard similarity s become candidates with
    probability 1 - (1 - s**r)**b (32 x 4: 0.87 at s=0.5, 0.9996 at s=0.7, 0.98 at 0.6).
    """
    if len(rows) < 2:
        return numpy.zeros((0, 2), dtype=numpy.int64)
    keys = band_keys(signatures[rows], bands, rows_per_band)
    return pairs_from_keys(keys, rows)


def equal_key_groups(keys: numpy.ndarray, rows: numpy.ndarray) -> list[numpy.ndarray]:
    """Groups (size >= 2) of `rows` whose keys are equal, each sorted, in order of first row.

    >>> [group.tolist() for group in equal_key_groups(numpy.array([7, 3, 7, 5, 3, 7]), numpy.arange(6))]
    [[0, 2, 5], [1, 4]]
    """
    order = numpy.lexsort((rows, keys))
    sorted_keys, sorted_rows = keys[order], rows[order]
    starts = numpy.flatnonzero(numpy.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    sizes = numpy.diff(numpy.append(starts, len(sorted_keys)))
    # Most keys are unique: only the repeated ones become arrays (splitting every row
    # into a group of its own was the slowest part of this function).
    repeated = sizes > 1
    groups = [sorted_rows[start : start + size] for start, size in zip(starts[repeated].tolist(), sizes[repeated].tolist())]
    groups.sort(key=lambda group: int(group[0]))
    return groups
