"""The document types every stage shares: a prepared document, its sentences and what was dropped."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Sentence:
    """One sentence with its place in the original text (offsets index `Document.text`)."""

    doc_id: str
    index: int  # 0-based among the kept sentences of the document
    paragraph: int  # 0-based paragraph of the original: a non-blank line, or a hard-wrapped block joined; dropped ones count
    start: int  # character offset into Document.text
    end: int
    text: str  # the sentence as translated and aligned (normalised, e.g. Persian yeh/kaf)
    lang: str

    def to_dict(self) -> dict:
        """Plain-dict form for JSON output."""
        return asdict(self)


@dataclass(frozen=True)
class Dropped:
    """A span of the original text that was removed, and why (nothing is lost silently)."""

    doc_id: str
    start: int
    end: int
    text: str
    reason: str  # "boilerplate: <rule>" | "duplicate of paragraph N" | ...

    def to_dict(self) -> dict:
        """Plain-dict form for JSON output."""
        return asdict(self)


@dataclass
class Document:
    """A decoded, cleaned and segmented document."""

    doc_id: str
    lang: str
    text: str  # the decoded original text; all offsets point into it
    sentences: list[Sentence] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    path: str | None = None

    def texts(self) -> list[str]:
        """The sentence texts, in order."""
        return [s.text for s in self.sentences]

    def __len__(self) -> int:
        return len(self.sentences)
