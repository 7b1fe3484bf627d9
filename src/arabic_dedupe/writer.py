"""Where output lands on disk: atomic file writes and the cleaned-corpus tree.

Nothing is written in place: every file goes to a temporary name first and is renamed
over its target only when complete, so an interrupted run leaves no half-written file.
"""

from __future__ import annotations

import fnmatch
import os
import tempfile
from collections.abc import Iterable

from arabic_dedupe.errors import DedupeError, UsageError


def write_atomically(path: str, text: str) -> None:
    """Write `text` (UTF-8) to `path` through a temporary file in the same folder.

    A folder in the way is a usage error; a folder that cannot be created or written is
    reported in one line (a full disk or a read-only mount is not a bug to trace back).
    A device, FIFO or socket (`-o /dev/stdout`) is written in place: renaming over it
    would replace the device node with a file. A symbolic link is followed, so the file it
    points to gets the new content and the link stays a link.
    """
    if os.path.isdir(path):
        raise UsageError(f"{path} is a folder; give the name of a file to write")
    if os.path.exists(path) and not os.path.isfile(path):
        _write_in_place(path, text)
        return
    target = os.path.realpath(path) if os.path.islink(path) else path
    folder = os.path.dirname(os.path.abspath(target))
    try:
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".dedupe-", suffix=".tmp", dir=folder)
    except OSError as error:
        raise DedupeError(
            f"cannot write {path}: {error.strerror or error}; choose a path in a writable folder"
        ) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException as error:
        if os.path.exists(temporary):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise DedupeError(
                f"cannot write {path}: {error.strerror or error}; nothing was written there. "
                "Free some space or choose another path"
            ) from None
        raise


def _write_in_place(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
    except OSError as error:
        raise DedupeError(f"cannot write {path}: {error.strerror or error}; choose another output") from None


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def check_output_folder(output: str, inputs: Iterable[str]) -> str:
    """Refuse an output folder that is, or lies inside, an input (or would hold one).

    Returns the output folder's real path.
    """
    real_output = os.path.realpath(output)
    if os.path.exists(output) and not os.path.isdir(output):
        raise UsageError(f"--out {output} is a file, not a folder; give a folder to write the cleaned files into")
    for argument in inputs:
        if argument == "-":
            raise UsageError("--out cannot be used with standard input (-); redirect stdout instead")
        real_input = os.path.realpath(argument)
        if _inside(real_output, real_input) or _inside(real_input, real_output):
            raise UsageError(
                f"--out {output} overlaps the input {argument}; choose an output folder outside every input"
            )
    return real_output


def check_output_file(output: str | None, inputs: Iterable[str], glob: str) -> None:
    """Refuse a report file that is an input, or that a later run over an input folder would
    read as an input (it sits inside the folder and matches the glob).

    `-` and None (standard output) are always fine.
    """
    if output is None or output == "-":
        return
    if os.path.isdir(output):
        raise UsageError(f"-o {output} is a folder; give the name of a file to write")
    real_output = os.path.realpath(output)
    for argument in inputs:
        if argument == "-":
            continue
        real_input = os.path.realpath(argument)
        if real_output == real_input:
            raise UsageError(f"-o {output} is the input {argument}; refusing to overwrite an input")
        if os.path.isdir(real_input) and _inside(real_output, real_input) and fnmatch.fnmatch(os.path.basename(output), glob):
            raise UsageError(
                f"-o {output} lies inside the input folder {argument} and matches --glob {glob}, "
                "so it could overwrite an input or be read as one; write the report elsewhere"
            )


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
