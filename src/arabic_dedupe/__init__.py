"""arabic-dedupe: near-duplicate Arabic news articles and paragraphs, and web boilerplate.

The public API is the handful of names below, loaded on first use so that the command
line starts (and answers Ctrl-C) before numpy and friends are imported.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_PUBLIC = {
    "CleanDocument": "arabic_dedupe.model",
    "DedupeError": "arabic_dedupe.errors",
    "Document": "arabic_dedupe.model",
    "Report": "arabic_dedupe.model",
    "Settings": "arabic_dedupe.config",
    "clean_document": "arabic_dedupe.boilerplate",
    "normalize": "arabic_dedupe.normalize",
    "normalize_and_explain": "arabic_dedupe.normalize",
    "read_documents": "arabic_dedupe.reader",
    "scan_documents": "arabic_dedupe.pipeline",
}

__all__ = [*sorted(_PUBLIC), "__version__"]


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'arabic_dedupe' has no attribute {name!r}")
