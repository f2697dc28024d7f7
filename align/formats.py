"""Output formats of alignments: ladder (`[i, j]:[k]` per line), tsv and jsonl with texts and scores."""

from __future__ import annotations

import json
from collections.abc import Sequence

from align.parallel import Bead
from translate.errors import InputError

FORMATS = ("ladder", "tsv", "jsonl")


def _clean(text: str) -> str:
    """A text safe for one tsv cell."""
    return " ".join(text.replace("\t", " ").split())


def format_beads(beads: Sequence[Bead], fmt: str = "ladder", src: Sequence[str] | None = None,
                 tgt: Sequence[str] | None = None) -> str:
    """Alignment beads as text in `fmt` (ladder, tsv, jsonl); tsv/jsonl carry the sentence texts."""
    if fmt not in FORMATS:
        raise InputError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
    if fmt == "ladder":
        return "".join(b.ladder() + "\n" for b in beads)
    src, tgt = src or [], tgt or []
    lines = []
    if fmt == "tsv":
        lines.append("src_ids\ttgt_ids\tscore\tsrc_text\ttgt_text")
    for b in beads:
        src_text = " ".join(src[i] for i in b.src if i < len(src))
        tgt_text = " ".join(tgt[j] for j in b.tgt if j < len(tgt))
        if fmt == "tsv":
            lines.append("\t".join([",".join(map(str, b.src)), ",".join(map(str, b.tgt)), f"{b.score:.4f}",
                                    _clean(src_text), _clean(tgt_text)]))
        else:
            lines.append(json.dumps({"src": list(b.src), "tgt": list(b.tgt), "score": round(b.score, 4),
                                     "src_text": src_text, "tgt_text": tgt_text}, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)
