"""arabic-dedupe: near-duplicate Arabic news articles and paragraphs, and web boilerplate.

The public API is the handful of names below; everything else is an implementation detail.
"""

__version__ = "0.1.0"

from arabic_dedupe.boilerplate import clean_document  # noqa: E402
from arabic_dedupe.config import Settings  # noqa: E402
from arabic_dedupe.errors import DedupeError  # noqa: E402
from arabic_dedupe.model import CleanDocument, Document, Report  # noqa: E402
from arabic_dedupe.normalize import normalize, normalize_and_explain  # noqa: E402
from arabic_dedupe.pipeline import scan_documents  # noqa: E402
from arabic_dedupe.reader import read_documents  # noqa: E402

__all__ = [
    "CleanDocument",
    "DedupeError",
    "Document",
    "Report",
    "Settings",
    "clean_document",
    "normalize",
    "normalize_and_explain",
    "read_documents",
    "scan_documents",
    "__version__",
]
