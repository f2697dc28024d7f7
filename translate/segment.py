"""Sentence segmentation with pysbd, repaired by a few explained rules, with exact offsets into the paragraph."""

from __future__ import annotations

import re
from functools import lru_cache

PYSBD_LANGS = frozenset(
    {"am", "ar", "bg", "da", "de", "el", "en", "es", "fa", "fr", "hi", "hy", "it", "ja", "kk", "mr", "my", "nl", "pl",
     "ru", "sk", "ur", "zh"}
)

_END_PUNCT = ".!?…؟。！？"
_CLOSERS = "\"'”“’»«)]」』）】"
# A piece that ends a sentence: final punctuation, optionally followed by closing quotes or brackets.
_ENDS_SENTENCE = re.compile(rf"[{re.escape(_END_PUNCT)}][{re.escape(_CLOSERS)}]*$")
# Quote characters that close a quotation when followed by a space or the end: German „…“ closes with “.
_LEADING_CLOSER = re.compile(r"^[\"'”“’»)\]」』）】]+(?=\s|$)")
# Fallback splitter (languages pysbd lacks, and pre-cutting very long paragraphs): after final punctuation and
# closing quotes, before whitespace; CJK full stops need no space.
_FALLBACK_CUT = re.compile(
    rf"(?<=[{re.escape(_END_PUNCT)}])[{re.escape(_CLOSERS)}]*\s+|(?<=[。！？])[{re.escape(_CLOSERS)}]*(?!\s)"
)
_WORDLIKE = re.compile(r"[^\W_]")
# pysbd does not cut after a quotation that ends a sentence in some languages (Persian «… است.» سپس …): a final
# punctuation mark, closing quotes, whitespace, then a letter that is not lowercase ("…?“ fragte sie" goes on).
_QUOTE_END_CUT = re.compile(rf"[{re.escape(_END_PUNCT)}]\s?[»”\"’']+\s+(?=[^\W\d_])")
# German determiners and contractions before an ordinal ("am V. Ministerforum", "der 2. Weltkrieg"); prepositions
# such as "bis" are left out because "bis 3." can end a sentence.
_ORDINAL_END = re.compile(
    r"\b(?:am|im|vom|zum|zur|beim|der|die|das|dem|den|des|ein|eine|einem|einen|einer|eines)\s+"
    r"(?:\d{1,4}|[IVXLCDM]{1,6})\.$",
    re.IGNORECASE,
)
_MONTHS = (
    "januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|"
    "jan|feb|mär|apr|jun|jul|aug|sep|sept|okt|nov|dez"
)
_DATE_SPLIT = re.compile(rf"^(?:{_MONTHS})\b", re.IGNORECASE)
_NUMBER_END = re.compile(r"\b\d{1,2}\.$")
# Abbreviations that pysbd's lists lack and that practically never end a sentence.
_ABBREV_END = re.compile(
    r"\b(?:z\.\s?b|d\.\s?h|bzw|ca|vgl|evtl|ggf|inkl|sog|dr|prof|nr|mr|mrs|vs)\.$",
    re.IGNORECASE,
)
# Abbreviations that precede a number ("Art. 5 Abs. 2", "Kap. 3", "No. 7"): pysbd cuts before the number.
_NUMBERED_ABBREV_END = re.compile(r"\b(?:art|abs|kap|nr|no|s|bd|abb|tab|ziff|abschn|par|vol|pp?|ch|sec|fig|jg)\.$",
                                  re.IGNORECASE)
_DIGIT_START = re.compile(r"^\d")

# pysbd slows down more than linearly on long paragraphs, and with the number of periods in them (each possible
# abbreviation costs a regex pass over the whole text); beyond these limits paragraphs are pre-cut.
_CHUNK_CHARS = 5000
_CHUNK_CUTS = 100


@lru_cache(maxsize=None)
def _segmenter(lang: str):
    """One pysbd segmenter per language, built on first use."""
    import pysbd

    return pysbd.Segmenter(language=lang, clean=False, char_span=False)


def _fallback_starts(text: str) -> list[int]:
    """Sentence start offsets found by the punctuation-only splitter."""
    return [0] + [m.end() for m in _FALLBACK_CUT.finditer(text) if 0 < m.end() < len(text)]


def _pysbd_starts(text: str, lang: str) -> list[int]:
    """Sentence start offsets from pysbd, located in `text` (pysbd returns strings, not reliable offsets)."""
    starts = [0]
    cursor = 0
    # Segmenter.segment() then re-finds every sentence with a freshly compiled regex searched from the start of the
    # text, which is quadratic and fills re's cache; the processor's sentences are located here with str.find.
    try:
        sentences = _segmenter(lang).processor(text).process()
    except Exception:  # pysbd builds regexes from the text itself and crashes on inputs such as "B.a b)a"
        return _fallback_starts(text)
    for sent in sentences:
        piece = sent.strip()
        if not piece:
            continue
        found = text.find(piece, cursor)
        if found < 0:
            # pysbd altered the text; its cut points can no longer be trusted for this chunk.
            return _fallback_starts(text)
        if found > 0 and found != starts[-1]:
            starts.append(found)
        cursor = found + len(piece)
    return starts


# The word before a chunk cut: an uncapitalised word of 4+ letters ("teil.", "statt.", "کرد.") or any "?"/"!" ends a
# sentence with near certainty; a word of 3+ letters ("Kuba.") almost always does; "z." or "Dr." often does not.
_SURE_END = re.compile(rf"(?:(?<![^\W\d_])[^\W\d_]{{4,}}[.…]|[!?؟！？])[{re.escape(_CLOSERS)}]*\s*$")
_LIKELY_END = re.compile(rf"(?<![^\W\d_])[^\W\d_]{{3,}}[.…!?؟！？][{re.escape(_CLOSERS)}]*\s*$")


def _cut_quality(text: str, start: int) -> int:
    """How surely the text before `start` ends a sentence: 2 sure, 1 likely, 0 doubtful."""
    before = text[max(0, start - 40):start]
    if _ABBREV_END.search(before.rstrip()) or _NUMBERED_ABBREV_END.search(before.rstrip()):
        return 0
    m = _SURE_END.search(before)
    if m and not any(c.isupper() for c in m.group()):
        return 2
    return 1 if _LIKELY_END.search(before) else 0


def _chunks(text: str) -> list[int]:
    """Offsets at which to pre-cut a long paragraph so each chunk stays near _CHUNK_CHARS and _CHUNK_CUTS."""
    cuts = [0]
    since = 0  # candidate cuts passed since the last chunk began
    for start in _fallback_starts(text)[1:]:
        size = start - cuts[-1]
        since += 1
        if size < _CHUNK_CHARS and since < _CHUNK_CUTS:
            continue
        # Prefer sure sentence ends; accept weaker ones only as the chunk grows, so time stays bounded.
        quality = _cut_quality(text, start)
        grown = size >= 2 * _CHUNK_CHARS or since >= 2 * _CHUNK_CUTS
        forced = size >= 4 * _CHUNK_CHARS or since >= 4 * _CHUNK_CUTS
        if quality == 2 or (quality == 1 and grown) or forced:
            cuts.append(start)
            since = 0
    return cuts


def _raw_starts(text: str, lang: str) -> list[int]:
    """Candidate sentence starts before repair."""
    if not re.search(rf"[{re.escape(_END_PUNCT)}]", text.rstrip().rstrip(_CLOSERS)[:-1] or ""):
        return [0]  # no punctuation before the very end: one sentence, and no pysbd call that could crawl
    if lang not in PYSBD_LANGS:
        return _fallback_starts(text)
    cuts = _chunks(text)
    starts: list[int] = []
    for i, begin in enumerate(cuts):
        end = cuts[i + 1] if i + 1 < len(cuts) else len(text)
        starts.extend(begin + s for s in _pysbd_starts(text[begin:end], lang))
    starts.extend(m.end() for m in _QUOTE_END_CUT.finditer(text) if not text[m.end()].islower())
    return sorted(set(starts))


def _starts_lowercase(piece: str) -> bool:
    """Whether the first letter of `piece` (after quotes or brackets) is lowercase."""
    m = _WORDLIKE.search(piece)
    return bool(m) and m.group().islower()


# How much of the previous piece the repair rules look at; bounded so that merging many pieces stays linear.
_TAIL = 80


def _keeps_going(prev_tail: str, prev_has_word: bool, nxt: str, lang: str) -> bool:
    """Whether a cut between a piece ending in `prev_tail` and `nxt` is wrong: the two form one sentence."""
    p = prev_tail.rstrip()
    if not prev_has_word:
        return True  # leading "..." or a stray quote is no sentence of its own
    if not _ENDS_SENTENCE.search(p):
        return True  # pysbd cut after a colon, inside "am 1. Januar", or before a number: not a sentence end
    if not _WORDLIKE.search(nxt):
        return True  # a lone quote or dash belongs to its neighbour
    if lang in ("de", "en") or lang not in PYSBD_LANGS:
        if _starts_lowercase(nxt):
            return True  # sentences in cased scripts start with a capital, so this was an abbreviation
        if _ORDINAL_END.search(p) or _ABBREV_END.search(p):
            return True
        if _NUMBER_END.search(p) and _DATE_SPLIT.match(nxt.lstrip()):
            return True
        if _NUMBERED_ABBREV_END.search(p) and _DIGIT_START.match(nxt.lstrip()):
            return True
    return False


def split_sentences(text: str, lang: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in `text`, trimmed of whitespace, covering all its non-whitespace characters."""
    starts = _raw_starts(text, lang)
    bounds = starts + [len(text)]
    pieces = [[bounds[i], bounds[i + 1]] for i in range(len(starts))]
    # A closing quote that pysbd left at the start of the next sentence belongs to the one it closes.
    for i in range(1, len(pieces)):
        m = _LEADING_CLOSER.match(text[pieces[i][0]:pieces[i][1]].lstrip())
        if m:
            lead = len(text[pieces[i][0]:pieces[i][1]]) - len(text[pieces[i][0]:pieces[i][1]].lstrip())
            pieces[i - 1][1] = pieces[i][0] + lead + m.end()
            pieces[i][0] = pieces[i - 1][1]
    merged: list[list[int]] = []
    has_word: list[bool] = []
    for start, end in pieces:
        piece = text[start:end]
        if not piece.strip():
            if merged:
                merged[-1][1] = end
            continue
        if merged:
            tail = text[max(merged[-1][0], merged[-1][1] - _TAIL):merged[-1][1]]
            if _keeps_going(tail, has_word[-1], piece, lang):
                merged[-1][1] = end
                has_word[-1] = has_word[-1] or bool(_WORDLIKE.search(piece))
                continue
        merged.append([start, end])
        has_word.append(bool(_WORDLIKE.search(piece)))
    spans = []
    for start, end in merged:
        chunk = text[start:end]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk) - len(chunk.rstrip())
        if end - trail > start + lead:
            spans.append((start + lead, end - trail))
    return spans
