"""The console entry point: answers Ctrl-C with one line even while the tool is starting.

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

    run()
