"""Frozen records that flow between the stages: documents in, clusters out.

Every stage takes and returns these plain values, so a stage can run in another process
(or inside Spark's mapPartitions) without sharing state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The records a scan holds one of per document or paragraph use __slots__: a large scan
# keeps a million Documents, and an instance dictionary would triple their size. They
# travel between processes by their fields in order (`_by_fields`): the pickling that
# dataclasses give slotted classes looks the fields up anew for every object, and was a
# second and a half of a SaudiNewsNet scan.


def _by_fields(record) -> tuple:
    return type(record), tuple(getattr(record, name) for name in record.__slots__)


@dataclass(frozen=True, slots=True)
class Document:
    """One input article as read: decoded text in its original spelling.

    `id` is the path as reached from the command-line argument (`-` for stdin,
    `file#id` or `file#line` for a record of a JSONL/CSV file). `site` groups documents
    for corpus-level boilerplate (the parent folder, or a record's source field).
    `first_line` is the input line where `text` starts, so paragraph lines can be reported
    against the input file. `path` is the input file the document came from (equal to
    `id` for a plain text file; the JSONL/CSV file for a record).
    """

    __reduce__ = _by_fields

    id: str
    text: str
    site: str = ""
    path: str = ""
    encoding: str = "utf-8"
    first_line: int = 1
    title: str = ""
    date: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """An input that could not be used at all, with a one-line message saying what to do."""

    path: str
    message: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A kept paragraph of a cleaned document, in original spelling.

    `index` counts kept paragraphs from 0 (what `dedupe clean` prints, one per line);
    `line` is the 1-based input line where the paragraph starts.
    """

    __reduce__ = _by_fields

    index: int
    text: str
    line: int
    # The matching form, when the boilerplate stage already computed it (it normalizes
    # every line to judge it); not part of the paragraph's identity.
    form: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Removal:
    """A stretch of input the boilerplate stage dropped, and why.

    `duplicate_of` is the index of the kept paragraph that this one repeats, for the
    `repeated` and `lede-prefix` reasons.
    """

    __reduce__ = _by_fields

    text: str
    line: int
    reason: str
    duplicate_of: int | None = None


@dataclass(frozen=True, slots=True)
class CleanDocument:
    """A document after boilerplate removal: what `clean` prints and `scan` matches on."""

    __reduce__ = _by_fields

    document: Document
    paragraphs: tuple[Paragraph, ...]
    removed: tuple[Removal, ...] = ()

    @property
    def id(self) -> str:
        return self.document.id

    @property
    def text(self) -> str:
        """The cleaned article, one paragraph per line."""
        return "\n".join(paragraph.text for paragraph in self.paragraphs)


@dataclass(frozen=True)
class Match:
    """A verified candidate pair of documents with the scores that decided it."""

    first: str
    second: str
    jaccard: float
    containment: float
    fuzzy: float | None
    duplicate: bool
    reason: str


@dataclass(frozen=True)
class ArticleCluster:
    """Documents that are copies of one story; every member verified against `representative`."""

    members: tuple[str, ...]
    representative: str
    min_similarity: float
    exact: bool
    # Verified similarity of each member to the representative (1.0 for itself), in
    # member order, and the first words of the representative for people to recognise it.
    similarities: tuple[float, ...] = ()
    snippet: str = ""


@dataclass(frozen=True)
class ParagraphCopy:
    """One occurrence of a repeated paragraph: document, kept-paragraph index, input line."""

    document: str
    paragraph: int
    line: int


@dataclass(frozen=True)
class ParagraphCluster:
    """Near-identical paragraphs found in several places (within or across documents)."""

    members: tuple[ParagraphCopy, ...]
    text: str
    min_similarity: float
    exact: bool


@dataclass(frozen=True)
class Report:
    """Everything a scan found, ready for any reporter format."""

    documents: int
    article_clusters: tuple[ArticleCluster, ...]
    paragraph_clusters: tuple[ParagraphCluster, ...]
    parameters: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = ()
