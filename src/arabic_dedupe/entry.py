"""The console entry point: answers Ctrl-C with one line even while the tool is starting,
and leaves without tearing the heap down.

Importing the command line pulls in numpy, rapidfuzz and the rest; a Ctrl-C in that
half second would otherwise print a KeyboardInterrupt traceback.
"""

from __future__ import annotations

import os
import signal
import sys

EXIT_INTERRUPTED = 130


def _interrupted_while_starting(signal_number, frame) -> None:
    sys.stderr.write("dedupe: interrupted; nothing was written\n")
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


def main() -> None:
    signal.signal(signal.SIGINT, _interrupted_while_starting)
    from arabic_dedupe.cli import main as run

    try:
        run()
    except SystemExit as request:
        code = request.code
    else:
        code = 0
    if not isinstance(code, int):  # as Python itself exits for sys.exit("message")
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    # Everything is written and closed; what is left is freeing a scan's objects one by
    # one at interpreter exit (0.4 s after scanning SaudiNewsNet). The system takes the
    # whole heap back at once, so only the standard streams are flushed.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed pipe or stream: cli.main has already said what it had to say
    os._exit(code)
