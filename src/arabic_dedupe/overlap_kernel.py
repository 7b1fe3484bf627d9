"""The compiled overlap kernel: how many shingles each candidate pair shares, for many
pairs at once.

Gives exactly the counts numpy's unique and intersect1d give pair by pair (verify's path
without numba), without a numpy call and its microseconds of overhead per pair.
"""

from __future__ import annotations

import numpy

from arabic_dedupe.signature_kernel import compile_kernel


@compile_kernel
def _distinct_sorted(values, starts, ends, items):
    """The values of each item (values[starts[item]:ends[item]]), sorted and distinct, one
    after another, and where each item's begin (len(items) + 1 offsets)."""
    total = 0
    for item in items:
        total += ends[item] - starts[item]
    flat = numpy.empty(total, dtype=values.dtype)
    bounds = numpy.empty(len(items) + 1, dtype=numpy.int64)
    bounds[0] = 0
    size = 0
    for position in range(len(items)):
        item = items[position]
        chunk = numpy.sort(values[starts[item] : ends[item]])
        for index in range(len(chunk)):
            if index == 0 or chunk[index] != chunk[index - 1]:
                flat[size] = chunk[index]
                size += 1
        bounds[position + 1] = size
    return flat[:size], bounds


@compile_kernel
def _shared_counts(flat, bounds, first_slots, second_slots):
    """For each pair of slots, the sizes of both sets and how many values they share
    (a merge of two sorted runs)."""
    count = len(first_slots)
    first_sizes = numpy.empty(count, dtype=numpy.int64)
    second_sizes = numpy.empty(count, dtype=numpy.int64)
    shared = numpy.empty(count, dtype=numpy.int64)
    for pair in range(count):
        first, first_end = bounds[first_slots[pair]], bounds[first_slots[pair] + 1]
        second, second_end = bounds[second_slots[pair]], bounds[second_slots[pair] + 1]
        first_sizes[pair] = first_end - first
        second_sizes[pair] = second_end - second
        found = 0
        while first < first_end and second < second_end:
            if flat[first] < flat[second]:
                first += 1
            elif flat[second] < flat[first]:
                second += 1
            else:
                found += 1
                first += 1
                second += 1
        shared[pair] = found
    return first_sizes, second_sizes, shared


def pair_overlaps(
    values: numpy.ndarray, starts: numpy.ndarray, ends: numpy.ndarray, pairs: numpy.ndarray
) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """(sizes of the first sets, sizes of the second, shared values) of each pair (i, j) of
    items, item i's set being the distinct values in values[starts[i]:ends[i]].

    Each item's set is sorted once however many pairs it is in.
    """
    if len(pairs) == 0:
        empty = numpy.zeros(0, dtype=numpy.int64)
        return empty, empty, empty
    items, slots = numpy.unique(pairs.ravel(), return_inverse=True)
    slots = slots.reshape(-1, 2)
    flat, bounds = _distinct_sorted(values, starts, ends, items)
    return _shared_counts(flat, bounds, numpy.ascontiguousarray(slots[:, 0]), numpy.ascontiguousarray(slots[:, 1]))
