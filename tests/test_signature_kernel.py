"""The compiled kernel's edges: input it declines, no cache folder, forked workers, small scans.

Its values are checked against the numpy reference in test_signature.py.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy

from arabic_dedupe.signature import CHARACTER_CLASSES, Permutations, fingerprint
from arabic_dedupe.signature_kernel import fingerprint_texts

DOCUMENTS = [["قال الرئيس في مؤتمر صحفي اليوم إن الاتفاق سيوقع", "عام 2021"], ["وصل الوفد"]]


def codes_of(texts: list[str]) -> numpy.ndarray:
    joined = "".join(text + "\n" for text in texts)
    return numpy.frombuffer(joined.encode("utf-32-le"), dtype=numpy.uint32)


def test_kernel_declines_a_text_holding_a_newline() -> None:
    permutations = Permutations.create(8, 1)
    arguments = (CHARACTER_CLASSES, numpy.array([0, 2]), 5, permutations.multipliers, permutations.increments)
    assert fingerprint_texts(codes_of(["سطر\nآخر", "نص"]), *arguments) is None
    assert fingerprint_texts(codes_of(["سطر آخر", "نص"]), *arguments) is not None


def test_kernel_writes_utf8_of_every_plane_and_the_ends_of_texts() -> None:
    texts = ["a é ب", "", "😀 x", "\ud800"]
    permutations = Permutations.create(8, 1)
    joined = "".join(text + "\n" for text in texts)
    codes = numpy.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=numpy.uint32)
    bounds = numpy.array([0, 3, 4])
    result = fingerprint_texts(codes, CHARACTER_CLASSES, bounds, 5, permutations.multipliers, permutations.increments)
    assert result is not None
    assert result.utf8.tobytes() == joined.encode("utf-8", "surrogatepass")
    assert result.byte_ends.tolist() == [7, 8, 15, 19]
    assert result.character_ends.tolist() == [5, 6, 10, 12]
    assert result.document_signatures.tolist() == [
        result.text_signatures[:3].min(axis=0).tolist(),
        result.text_signatures[3].tolist(),
    ]


def _run_python(code: str, environment: dict[str, str]) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**os.environ, **environment},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


FINGERPRINT_AS_JSON = f"""
    import json, sys
    from arabic_dedupe.signature import Permutations, fingerprint
    prints = fingerprint({DOCUMENTS!r}, shingle_size=5, permutations=Permutations.create(16, 1), compiled=True)
    print(json.dumps([prints.shingles.tolist(), prints.paragraph_signatures.tolist(), "numba" in sys.modules]))
"""


def test_kernel_compiles_in_memory_when_no_cache_folder_can_be_written(tmp_path: Path) -> None:
    # A cache folder under a plain file cannot be created, even by root; with only that
    # locator allowed, numba refuses cache=True and the kernel must still run.
    blocker = tmp_path / "file"
    blocker.write_text("")
    output = _run_python(
        FINGERPRINT_AS_JSON,
        {"NUMBA_CACHE_DIR": str(blocker / "cache"), "NUMBA_CACHE_LOCATOR_CLASSES": "UserProvidedCacheLocator"},
    )
    shingles, signatures, numba_loaded = json.loads(output)
    expected = fingerprint(DOCUMENTS, shingle_size=5, permutations=Permutations.create(16, 1), compiled=False)
    assert numba_loaded
    assert shingles == expected.shingles.tolist()
    assert signatures == expected.paragraph_signatures.tolist()


def test_small_batches_do_not_load_numba() -> None:
    # A scan of a few short files must not pay numba's import and kernel load.
    output = _run_python(FINGERPRINT_AS_JSON.replace("compiled=True", "compiled=None"), {})
    assert json.loads(output)[2] is False


def _child_signatures(connection) -> None:
    prints = fingerprint(DOCUMENTS, shingle_size=5, permutations=Permutations.create(16, 1), compiled=True)
    connection.send(prints.paragraph_signatures.tolist())
    connection.close()


def test_kernel_runs_in_a_forked_worker_after_the_parent_used_it() -> None:
    parent_prints = fingerprint(DOCUMENTS, shingle_size=5, permutations=Permutations.create(16, 1), compiled=True)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_signatures, args=(sender,))
    child.start()
    received = receiver.recv()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert received == parent_prints.paragraph_signatures.tolist()
