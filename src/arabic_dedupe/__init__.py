"""arabic-dedupe: near-duplicate Arabic news articles and paragraphs, and web boilerplate.

The public API is the handful of names below; everything else is an implementation detail.
"""

__version__ = "0.1.0"
