"""How a scan uses the machine: pools of forked workers that inherit what they work on,
pairs measured in them, the cyclic garbage collector paused, freed memory handed back.

No stage lives here; pipeline.py and streaming.py run their stages through these.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import gc
import multiprocessing
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

import numpy

# Fewer candidate pairs than this are measured in this process: forking workers for them
# would cost more than it saves.
PARALLEL_PAIRS = 5_000

# What a worker of `forked_pool` inherits (the corpus, or a comparer), set once by the
# pool's initializer: with the fork start method it is inherited, not pickled, so a batch
# travels to a worker as two integers instead of its text. Never set in the parent.
_INHERITED: object = None


def forked_pool(jobs: int, inherited: object) -> ProcessPoolExecutor:
    """`jobs` worker processes forked from this one, each finding `inherited` with
    `inherited_here()`."""
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_receive,
        initargs=(inherited,),
    )


@contextlib.contextmanager
def ordered_pool(jobs: int) -> Iterator[Callable]:
    """A map over `jobs` forked processes that yields results in order and keeps only a
    few jobs in flight, so a lazy input is read no faster than it is processed."""
    if jobs <= 1:
        yield map
        return
    executor = forked_pool(jobs, None)

    def run(function: Callable, arguments: Iterable) -> Iterator:
        pending: collections.deque = collections.deque()
        for argument in arguments:
            pending.append(executor.submit(function, argument))
            if len(pending) > 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    try:
        yield run
    finally:
        executor.shutdown(cancel_futures=True)


def _receive(inherited: object) -> None:
    global _INHERITED
    _INHERITED = inherited
    ignore_interrupts()


def inherited_here() -> object:
    """In a worker of `forked_pool`, what it inherited."""
    return _INHERITED


def ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; the parent answers it and stops the pool,
    # so a worker must not die with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def pair_similarities(comparer, pairs: numpy.ndarray, jobs: int = 1) -> list[float | None]:
    """`comparer.similarities` of the pairs (an (n, 2) array): a value per pair, in order.

    With `jobs` > 1 and enough pairs, forked workers measure contiguous runs of the pairs
    (neighbouring pairs share documents, so each worker's cache keeps serving); they
    inherit the comparer and its fingerprints instead of receiving them.
    """
    with pair_measurer(comparer, jobs) as measure:
        return measure(pairs)()


@contextlib.contextmanager
def pair_measurer(comparer, jobs: int = 1, *, caller_busy: bool = False) -> Iterator[Callable]:
    """Yields `measure(pairs)`, which starts measuring `comparer.similarities` of the pairs
    in forked workers while the caller goes on, and returns a function that waits for the
    values (in the pairs' order) and returns them.

    The workers are forked at the first call with PARALLEL_PAIRS pairs or more, and then
    measure every later call's pairs too; before that, pairs are measured in this process
    when their values are asked for. Waiting, the caller measures itself the runs of pairs
    no worker has started yet. A `caller_busy` (working meanwhile on a core of its own)
    leaves it that core: one worker fewer.
    """
    pool: list[ProcessPoolExecutor] = []

    def measure(pairs: numpy.ndarray) -> Callable[[], list]:
        if len(pairs) == 0 or not pool and (jobs <= 1 or len(pairs) < PARALLEL_PAIRS):
            return lambda: comparer.similarities(pairs)
        if not pool:
            pool.append(forked_pool(jobs - 1 if caller_busy else jobs, comparer))
        # Short runs, so what is left when the caller starts waiting splits finely.
        parts = numpy.array_split(pairs, 16 * jobs)
        runs = [pool[0].submit(_similarities_job, part) for part in parts]

        def values() -> list:
            # From the last run back: cancelling a run a worker has taken fails, and the
            # worker's result is waited for instead.
            measured = {}
            for position in reversed(range(len(runs))):
                if runs[position].cancel():
                    measured[position] = comparer.similarities(parts[position])
            return [
                value
                for position, run in enumerate(runs)
                for value in (measured[position] if position in measured else run.result())
            ]

        return values

    try:
        yield measure
    finally:
        for executor in pool:
            executor.shutdown(cancel_futures=True)


def _similarities_job(pairs: numpy.ndarray) -> list[float | None]:
    return inherited_here().similarities(pairs)


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector meanwhile (restoring it after); a decorator
    too.

    A scan holds hundreds of thousands of container objects (documents, paragraph forms,
    pairs) and makes next to no reference cycles; every full collection walked all of them
    again: 1.2 s of a 7.5 s scan of SaudiNewsNet's 30,676 articles. Reference counting
    still frees everything as soon as it is let go.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def release_freed_memory() -> None:
    """Hand memory that finished work freed back to the system.

    glibc keeps freed memory for reuse, but a streamed scan frees a whole pass's worth in
    fragments its next stage cannot reuse (on 100,000 documents, 330 MB after the first
    pass). Elsewhere than glibc this does nothing.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
