"""Translation quality with sacrebleu: corpus and sentence BLEU, chrF++ and TER, and paired bootstrap tests.

Scores carry sacrebleu's signature so a number printed here can be reproduced with the `sacrebleu` command.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from translate.errors import InputError

METRIC_NAMES = ("bleu", "chrf", "ter")


@dataclass(frozen=True)
class MetricScore:
    """One corpus-level score with the sacrebleu signature that reproduces it."""

    name: str  # sacrebleu's display name: "BLEU", "chrF2++", "TER"
    score: float
    signature: str
    detail: str = ""  # BLEU's n-gram precisions and brevity penalty

    def format(self, width: int = 1) -> str:
        """The line the `sacrebleu` command prints: `NAME|signature = score detail`."""
        line = f"{self.name}|{self.signature} = {self.score:.{width}f}"
        return f"{line} {self.detail}" if self.detail else line

    def to_dict(self) -> dict:
        """Plain-dict form for JSON output."""
        return asdict(self)


@dataclass(frozen=True)
class PairedResult:
    """One metric of a paired bootstrap test: each system's score, bootstrap mean and 95% CI, p-value vs baseline."""

    metric: str
    signature: str
    systems: list[str]
    scores: list[float]
    means: list[float]
    cis: list[float]
    p_values: list[float | None] = field(default_factory=list)  # None for the baseline

    def to_dict(self) -> dict:
        """Plain-dict form for JSON output."""
        return asdict(self)


@dataclass(frozen=True)
class SentenceScores:
    """Sentence-level scores, one {metric name: score} dict per line, and each metric's signature."""

    rows: list[dict[str, float]]
    signatures: dict[str, str]


def read_lines(path: str | Path) -> list[str]:
    """Read a one-segment-per-line text file as sacrebleu does (UTF-8, trailing whitespace stripped)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return [line.rstrip() for line in fh]
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text.") from None
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from None


def check_lengths(hyps: Sequence[str], refs: Sequence[Sequence[str]], names: Sequence[str] | None = None) -> None:
    """Raise InputError unless the hypotheses and every reference stream have the same, non-zero length."""
    hyp_name = names[0] if names else "the hypothesis"
    if not hyps:
        raise InputError(f"{hyp_name} has no lines to score.")
    if not refs:
        raise InputError("At least one reference is needed.")
    for i, ref in enumerate(refs):
        if len(ref) != len(hyps):
            ref_name = names[i + 1] if names and len(names) > i + 1 else f"reference {i + 1}"
            raise InputError(f"{hyp_name} has {len(hyps)} lines but {ref_name} has {len(ref)}; they must match.")


class TranslationScorer:
    """BLEU, chrF++ and TER with one configuration, in the shape of sacrebleu's metrics.

    Defaults are sacrebleu's (13a tokenisation, mixed case, chrF with word bigrams, i.e. chrF++), so scores
    equal those of `sacrebleu REF -i HYP -m bleu chrf ter --chrf-word-order 2`.
    """

    def __init__(self, metrics: Sequence[str] = METRIC_NAMES, tokenize: str | None = None, lowercase: bool = False):
        unknown = [m for m in metrics if m not in METRIC_NAMES]
        if unknown or not metrics:
            raise InputError(f"Unknown metric {unknown[0] if unknown else '(none)'}; choose from {', '.join(METRIC_NAMES)}.")
        self.metrics = tuple(metrics)
        self.tokenize = tokenize
        self.lowercase = lowercase

    def _build(self, name: str, sentence_level: bool = False):
        """A fresh sacrebleu metric object (they cache references, so one per call)."""
        from sacrebleu.metrics import BLEU, CHRF, TER

        if name == "bleu":
            # sacrebleu's own sentence-level mode switches on effective order; do the same so scores agree.
            return BLEU(tokenize=self.tokenize, lowercase=self.lowercase, effective_order=sentence_level)
        if name == "chrf":
            return CHRF(word_order=2, lowercase=self.lowercase)
        return TER()  # sacrebleu's default TER is case-insensitive; keep it so signatures match the CLI

    def corpus_score(self, hyps: Sequence[str], refs: Sequence[Sequence[str]]) -> list[MetricScore]:
        """Corpus-level scores of `hyps` against one or more reference streams, one per metric."""
        check_lengths(hyps, refs)
        out = []
        for name in self.metrics:
            metric = self._build(name)
            score = metric.corpus_score(list(hyps), [list(r) for r in refs])
            out.append(
                MetricScore(score.name, float(score.score), metric.get_signature().format(), getattr(score, "_verbose", ""))
            )
        return out

    def sentence_scores(self, hyps: Sequence[str], refs: Sequence[Sequence[str]]) -> SentenceScores:
        """Per-sentence scores: one dict {metric display name: score} per hypothesis line, with signatures."""
        check_lengths(hyps, refs)
        metrics = [self._build(name, sentence_level=True) for name in self.metrics]
        rows = []
        for i, hyp in enumerate(hyps):
            row = {}
            for metric in metrics:
                score = metric.sentence_score(hyp, [r[i] for r in refs])
                row[score.name] = float(score.score)
            rows.append(row)
        names = list(rows[0])
        return SentenceScores(rows, {n: m.get_signature().format() for n, m in zip(names, metrics)})

    def paired_bootstrap(
        self, systems: Sequence[tuple[str, Sequence[str]]], refs: Sequence[Sequence[str]], n_samples: int = 1000
    ) -> list[PairedResult]:
        """sacrebleu's paired bootstrap resampling: every system after the first is tested against the first."""
        from sacrebleu.significance import PairedTest

        if len(systems) < 2:
            raise InputError("A paired test needs a baseline and at least one other system.")
        for name, hyps in systems:
            check_lengths(hyps, refs, names=[name])
        metrics = {name.upper(): self._build(name) for name in self.metrics}
        test = PairedTest(
            [(name, list(hyps)) for name, hyps in systems],
            metrics,
            references=[list(r) for r in refs],
            test_type="bs",
            n_samples=n_samples,
        )
        signatures, table = test()
        out = []
        for metric_name, results in table.items():
            if metric_name == "System":
                continue
            out.append(
                PairedResult(
                    metric=metric_name,
                    signature=signatures[metric_name].format(),
                    systems=list(table["System"]),
                    scores=[float(r.score) for r in results],
                    means=[float(r.mean) for r in results],
                    cis=[float(r.ci) for r in results],
                    p_values=[None if r.p_value is None else float(r.p_value) for r in results],
                )
            )
        return out


def format_paired(results: Sequence[PairedResult], width: int = 1, alpha: float = 0.05) -> str:
    """A plain-text table of a paired bootstrap test; p-values below `alpha` are starred."""
    if not results:
        return ""
    names = results[0].systems
    header = ["system"] + [r.metric for r in results]
    rows = []
    for i, name in enumerate(names):
        cells = [("baseline: " if i == 0 else "") + name]
        for r in results:
            cell = f"{r.scores[i]:.{width}f} ({r.means[i]:.{width}f} ± {r.cis[i]:.{width}f})"
            p = r.p_values[i]
            if p is not None:
                cell += f" p={p:.4f}{'*' if p < alpha else ''}"
            cells.append(cell)
        rows.append(cells)
    widths = [max(len(str(row[c])) for row in [header] + rows) for c in range(len(header))]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header] + rows]
    lines.append(f"Paired bootstrap resampling; score (bootstrap mean ± 95% CI); * p < {alpha}.")
    lines += [f"{r.metric}|{r.signature}" for r in results]
    return "\n".join(lines)
