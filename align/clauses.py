"""Clause units of a sentence, so a claim stated inside a long compound sentence can be matched on its own.

News sentences often chain several claims ("Cuba firmly adheres to the one-China principle, supports the
Belt and Road, and is willing to ..."); a whole-sentence embedding of such a sentence is close to nothing in
particular. A sentence is cut at clause punctuation (commas between words, semicolons, colons, quotes,
brackets, dashes; Persian comma and semicolon) and before coordinating or relative conjunctions; pieces
shorter than MIN_WORDS words are glued to their neighbour. The units of a sentence are its clauses plus the
sentence itself, and a pair's clause similarity is the best similarity over pairs of units (`max_pool`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

MIN_WORDS = 3
# Conjunctions that usually open a new clause or coordinated predicate (English, German, Persian).
_CONJUNCTIONS = ("and", "but", "while", "whereas", "which", "who", "as well as", "und", "aber", "sowie",
                 "während", "wobei", "doch", "sondern", "um", "و", "اما", "که")
# A comma between digits (1,000) is not a clause boundary.
_PUNCT = r"(?<!\d),|,(?!\d)|[;:،؛\"“”„«»()\[\]–—]"
_SPLIT = re.compile(rf"\s*(?:{_PUNCT})\s*|\s+(?=(?:{'|'.join(map(re.escape, _CONJUNCTIONS))})\s)")


def clauses(text: str, min_words: int = MIN_WORDS) -> list[str]:
    """The clauses of a sentence (the sentence itself when it has no clause boundary)."""
    pieces = [p.strip() for p in _SPLIT.split(text) if p and p.strip()]
    out: list[str] = []
    for piece in pieces:
        if out and len(out[-1].split()) < min_words:
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    if len(out) > 1 and len(out[-1].split()) < min_words:
        last = out.pop()
        out[-1] = f"{out[-1]} {last}"
    return out or [text]


def units(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Every sentence and its clauses (distinct, sentence first) and the index of the sentence owning each."""
    flat: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        parts = list(dict.fromkeys([text, *clauses(text)]))
        flat += parts
        owner += [i] * len(parts)
    return flat, np.asarray(owner, dtype=np.int64)


def max_pool(unit_sim: np.ndarray, src_owner: np.ndarray, tgt_owner: np.ndarray, n_src: int, n_tgt: int
             ) -> np.ndarray:
    """Sentence-pair similarity = the best similarity between any unit of one and any unit of the other."""
    rows = np.full((n_src, unit_sim.shape[1]), -np.inf)
    np.maximum.at(rows, src_owner, unit_sim)
    out = np.full((n_tgt, n_src), -np.inf)
    np.maximum.at(out, tgt_owner, rows.T)
    return out.T
