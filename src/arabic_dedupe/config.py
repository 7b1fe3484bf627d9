"""The one validated configuration record: every tunable of a scan, with its reason.

Configuration is data. Stages take the few fields they use, never the whole record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from arabic_dedupe.errors import UsageError
from arabic_dedupe.normalize import NORMALIZER_VERSION


@dataclass(frozen=True)
class Settings:
    """Parameters of a scan. Defaults have every stage on; see docs/detection.md for why."""

    # Word shingles of the matching form. Five words is the usual size for news
    # near-duplicates: short enough to survive light edits, long enough that two different
    # write-ups of one event share few shingles.
    shingle_size: int = 5
    num_perm: int = 128
    seed: int = 1
    # LSH banding: bands * rows_per_band == num_perm.
    bands: int = 32
    rows_per_band: int = 4
    # Verification thresholds on exact shingle sets (verify.decide says how they combine):
    # near-identical from this Jaccard, one contains the other from this containment, and
    # between edited_containment and containment_threshold the ledes must match.
    jaccard_threshold: float = 0.85
    containment_threshold: float = 0.9
    edited_containment: float = 0.6
    lede_threshold: float = 0.9
    # Paragraph level: paragraphs shorter than this (in characters of matching form) are
    # not reported as repeated across documents (datelines, credits, one-word subheads).
    paragraph_min_chars: int = 80
    paragraph_threshold: float = 0.8
    # Stages (all on by default).
    normalize: bool = True
    strip_boilerplate: bool = True
    paragraphs: bool = True
    verify: bool = True

    def __post_init__(self) -> None:
        if self.shingle_size < 1:
            raise UsageError(f"shingle size must be at least 1, got {self.shingle_size}")
        if self.num_perm < 2:
            raise UsageError(f"number of permutations must be at least 2, got {self.num_perm}")
        if self.bands * self.rows_per_band != self.num_perm:
            raise UsageError(
                f"bands ({self.bands}) x rows per band ({self.rows_per_band}) must equal the "
                f"number of permutations ({self.num_perm}); try bands={self.num_perm // 4}, "
                "rows per band=4"
            )
        for name in ("jaccard_threshold", "containment_threshold", "edited_containment", "lede_threshold", "paragraph_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise UsageError(f"{name.replace('_', ' ')} must be in (0, 1], got {value}")
        if self.edited_containment > self.containment_threshold:
            raise UsageError(
                f"edited containment ({self.edited_containment}) must not exceed the containment "
                f"threshold ({self.containment_threshold})"
            )
        if self.paragraph_min_chars < 1:
            raise UsageError(f"paragraph minimum length must be positive, got {self.paragraph_min_chars}")

    @property
    def paragraph_bands(self) -> int:
        """LSH bands a scan pairs paragraphs by: half the document's. Paragraph copies are
        judged at Jaccard >= paragraph_threshold (0.8), far above the document level, so
        16 bands of 4 rows find them all the same (0.9998 at 0.8) at half the cost."""
        return max(1, self.bands // 2)

    def as_parameters(self) -> dict:
        """The record written into reports and indexes, with the normalizer version."""
        return {**asdict(self), "normalizer_version": NORMALIZER_VERSION}
