"""Where output lands on disk: atomic file writes and the cleaned-corpus tree.

Nothing is written in place: every file goes to a temporary name first and is renamed
over its target only when complete, so an interrupted run leaves no half-written file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable

from arabic_dedupe.errors import UsageError


def write_atomically(path: str, text: str) -> None:
    """Write `text` (UTF-8) to `path` through a temporary file in the same folder."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".dedupe-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def check_output_folder(output: str, inputs: Iterable[str]) -> str:
    """Refuse an output folder that is, or lies inside, an input (or would hold one).

    Returns the output folder's real path.
    """
    real_output = os.path.realpath(output)
    for argument in inputs:
        if argument == "-":
            raise UsageError("--out cannot be used with standard input (-); redirect stdout instead")
        real_input = os.path.realpath(argument)
        if _inside(real_output, real_input) or _inside(real_input, real_output):
            raise UsageError(
                f"--out {output} overlaps the input {argument}; choose an output folder outside every input"
            )
    return real_output


def output_path(output_folder: str, relative: str) -> str:
    """The file for `relative` under `output_folder`, refusing anything that escapes it.

    >>> output_path("/out", "a/b.txt")
    '/out/a/b.txt'
    >>> output_path("/out", "../../etc/passwd")
    Traceback (most recent call last):
    ...
    arabic_dedupe.errors.UsageError: refusing to write ../../etc/passwd outside the output folder /out
    """
    target = os.path.normpath(os.path.join(output_folder, relative))
    if os.path.isabs(relative) or not _inside(target, os.path.normpath(output_folder)) or target == os.path.normpath(output_folder):
        raise UsageError(f"refusing to write {relative} outside the output folder {output_folder}")
    return target
