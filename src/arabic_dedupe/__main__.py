"""Lets `python -m arabic_dedupe` behave exactly like the `dedupe` command."""

from arabic_dedupe.entry import main

if __name__ == "__main__":
    main()
