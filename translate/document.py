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


@dataclass(frozen=True)
class LanguageRun:
    """Consecutive sentences of a document in another language than the document's (a quoted paragraph)."""

    lang: str
    first_paragraph: int
    last_paragraph: int
    first_sentence: int  # Sentence.index, both ends included
    last_sentence: int
    start: int  # character offsets of the run into Document.text
    end: int

    def describe(self) -> str:
        """One line for people: "paragraph 5 (sentences 12-14): fa"; numbers count from 0, as Sentence does."""
        paras = (f"paragraph {self.first_paragraph}" if self.first_paragraph == self.last_paragraph
                 else f"paragraphs {self.first_paragraph}-{self.last_paragraph}")
        sents = (f"sentence {self.first_sentence}" if self.first_sentence == self.last_sentence
                 else f"sentences {self.first_sentence}-{self.last_sentence}")
        return f"{paras} ({sents}): {self.lang}"

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

    def languages(self) -> dict[str, int]:
        """The languages of the sentences with how many each has, the document's own first, then by count."""
        counts: dict[str, int] = {}
        for s in self.sentences:
            counts[s.lang] = counts.get(s.lang, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (kv[0] != self.lang, -kv[1], kv[0])))

    def other_language_runs(self) -> list[LanguageRun]:
        """The runs of consecutive sentences in another language than the document's, in order."""
        runs: list[LanguageRun] = []
        for s in self.sentences:
            if s.lang == self.lang:
                continue
            last = runs[-1] if runs else None
            if last and last.lang == s.lang and last.last_sentence == s.index - 1:
                runs[-1] = LanguageRun(s.lang, last.first_paragraph, s.paragraph, last.first_sentence, s.index,
                                       last.start, s.end)
            else:
                runs.append(LanguageRun(s.lang, s.paragraph, s.paragraph, s.index, s.index, s.start, s.end))
        return runs

    def __len__(self) -> int:
        return len(self.sentences)
