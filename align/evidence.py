"""Why two sentences were paired: the names, numbers and content words they share, with where they stand.

Two cases:
- with an English translation of the source sentence, the translation and the (English) reference share words
  as written: names (capitalised in the reference), numbers, and content words (not function words; plural and
  verb endings ignored, so "supports" meets "support");
- without one, only what survives translation unchanged is looked for in the original and the reference: numbers
  (Persian digits read as ASCII, translate.normalize) and names, compared by their sounds (`sounds`, `same_name`),
  written for Latin and Persian script alike. Persian writes only long vowels, so a Persian name must have the
  consonants of the Latin one and its written vowels in the same order: "شی جین پینگ" and "Xi Jinping" are both
  "XIJINBINK", "کوبا", "Kuba" and "Cuba" all "KUBA", while "جین" (Jin) is not "China" nor "گفت" (said) "COVID".
  A name of one consonant says nothing, so it never counts; a Latin-script original offers only its capitalised
  words, which must sound alike ("Juni" is not "China").

Evidence explains a pair; it never decides one (the claim matcher's score does).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from translate.normalize import normalize_text

# A word: letters and digits. The parts of "Diaz-Canel" are two words, which a name run joins again, and "China"
# of "one-China" stays a name of its own.
_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Thousands separators (a dot or comma before exactly three digits) are dropped, so "1,000" meets "1.000".
_THOUSANDS = re.compile(r"[.,](?=\d{3}(?!\d))")

# Function words that carry no claim; capitalised at the start of a sentence they are not names either.
_STOP_EN = frozenset("""
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just me more most my no nor not now of off on
once only or other our ours out over own said same she should so some such than that the their theirs them then
there these they this those through to too under until up very was we were what when where which while who whom
why will with would you your yours mr mrs ms one two three
""".split())
_STOP_DE = frozenset("""
der die das den dem des ein eine einen einem einer eines und oder aber im in am an auf aus bei mit nach von vor
zu zur zum als auch er sie es wir ihr ihre sein seine seiner dass wie wo was wer nicht noch nur so um über unter
""".split())
_STOP_FA = frozenset("و در از به با که این آن را برای تا بر هم نیز شد کرد است بود یک دو می ها های".split())
_STOP = _STOP_EN | _STOP_DE | _STOP_FA

# Sound classes of `sounds`: Latin digraphs are read first; h (and Persian ه, ح, ع) carries nothing.
# "ch" (C), "sh" with pinyin "x" (X) and "j" (J) stay apart, as چ, ش and ج do: "چین" is China, "جین" (Jin) is not.
_LATIN_DIGRAPHS = (("sch", "X"), ("sh", "X"), ("ch", "C"), ("zh", "J"), ("kh", "K"), ("gh", "K"), ("ph", "F"),
                   ("th", "T"), ("ck", "K"), ("qu", "K"))
_LATIN = {"b": "B", "p": "B", "t": "T", "d": "T", "s": "S", "z": "S", "j": "J", "x": "X", "k": "K", "g": "K",
          "q": "K", "f": "F", "v": "F", "w": "F", "l": "L", "r": "R", "m": "M", "n": "N"}
_VOWELS = {"a": "A", "e": "I", "i": "I", "y": "I", "o": "U", "u": "U", "ا": "A", "آ": "A"}
_PERSIAN_SCRIPT = re.compile("[\u0600-\u06ff]")
_PERSIAN = {"ب": "B", "پ": "B", "ت": "T", "ط": "T", "د": "T", "ث": "S", "س": "S", "ص": "S", "ز": "S",
            "ذ": "S", "ض": "S", "ظ": "S", "ج": "J", "چ": "C", "ش": "X", "ژ": "J", "ک": "K", "ك": "K", "گ": "K",
            "ق": "K", "غ": "K", "خ": "K", "ف": "F", "ل": "L", "ر": "R", "م": "M", "ن": "N"}
# A name of up to this many words on one side may be written with another count on the other ("شی جین پینگ").
_MAX_NAME_WORDS = 4


@dataclass(frozen=True)
class Evidence:
    """What a source sentence (or its translation) and a reference sentence share, and where.

    `names`, `numbers` and `words` are written as in the reference; the spans are (start, end, kind) character
    offsets, kind "name", "number" or "word", into the compared source text and into the reference.
    """

    basis: str  # "translation": the English translation was compared; "original": the source sentence itself
    names: tuple[str, ...]
    numbers: tuple[str, ...]
    words: tuple[str, ...]
    source_spans: tuple[tuple[int, int, str], ...]
    reference_spans: tuple[tuple[int, int, str], ...]

    def to_dict(self) -> dict:
        """The field of matches.jsonl: what was compared and the shared names, numbers and words."""
        return {"basis": self.basis, "names": list(self.names), "numbers": list(self.numbers),
                "words": list(self.words)}

    def __bool__(self) -> bool:
        return bool(self.names or self.numbers or self.words)


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str


def find_evidence(source: str, reference: str, *, translated: bool) -> Evidence:
    """The names, numbers (and, for a translation, content words) shared by `source` and the English `reference`.

    `source` is the English translation when `translated`, else the original sentence in any language.
    """
    src_tokens, ref_tokens = _tokens(source), _tokens(reference)
    src_used: set[int] = set()
    ref_used: set[int] = set()
    src_spans: list[tuple[int, int, str]] = []
    ref_spans: list[tuple[int, int, str]] = []
    found: dict[str, dict[str, int]] = {"name": {}, "number": {}, "word": {}}  # form -> where it first stands

    def take(kind: str, s: list[int], r: list[int]) -> None:
        src_used.update(s)
        ref_used.update(r)
        src_spans.append((src_tokens[s[0]].start, src_tokens[s[-1]].end, kind))
        ref_spans.append((ref_tokens[r[0]].start, ref_tokens[r[-1]].end, kind))
        start = ref_tokens[r[0]].start
        form = reference[start:ref_tokens[r[-1]].end]
        found[kind][form] = min(found[kind].get(form, start), start)

    # Numbers are found apart from words: "1.000" is one number but two words.
    ref_numbers: dict[str, list[tuple[int, int]]] = {}
    for m in _NUMBER.finditer(reference):
        ref_numbers.setdefault(_number_key(m.group()), []).append(m.span())
    for m in _NUMBER.finditer(source):
        key = _number_key(m.group())
        if key in ref_numbers:
            src_spans.append((*m.span(), "number"))
            ref_spans.extend((start, end, "number") for start, end in ref_numbers[key])
            start, end = ref_numbers[key][0]
            found["number"].setdefault(reference[start:end], start)

    # Names: the longest runs first, so "Xi Jinping" is one name rather than "Jinping" alone.
    src_runs = _runs(src_tokens, source_cased=_has_case(source))
    ref_runs = _runs(ref_tokens, source_cased=True)
    # A translation's names are compared as written; an original's by their sounds (same_name), looked up by
    # consonant skeleton first.
    key_of = _fold if translated else skeleton
    ref_keys: dict[str, list[list[int]]] = {}
    for run in ref_runs:
        key = key_of(" ".join(ref_tokens[j].text for j in run))
        if _informative(key, translated):
            ref_keys.setdefault(key, []).append(run)
    for run in src_runs:
        if src_used.intersection(run):
            continue
        name = " ".join(src_tokens[i].text for i in run)
        key = key_of(name)
        if not _informative(key, translated):
            continue
        for ref_run in ref_keys.get(key, []):
            if not ref_used.intersection(ref_run) and (
                    translated or same_name(name, " ".join(ref_tokens[j].text for j in ref_run))):
                take("name", run, ref_run)

    if translated:
        ref_stems: dict[str, list[int]] = {}
        for j, t in enumerate(ref_tokens):
            if j not in ref_used and _content(t.text):
                ref_stems.setdefault(_stem(t.text), []).append(j)
        for i, t in enumerate(src_tokens):
            if i in src_used or not _content(t.text):
                continue
            for j in ref_stems.get(_stem(t.text), []):
                if j not in ref_used:
                    take("word", [i], [j])
    names, numbers, words = (tuple(sorted(found[k], key=found[k].get)) for k in ("name", "number", "word"))
    return Evidence("translation" if translated else "original", names, numbers, words,
                    tuple(sorted(set(src_spans))), tuple(sorted(set(ref_spans))))


def sounds(text: str) -> str:
    """A name as written, in sound classes: consonant classes, and vowels as A (a), I (e, i, y) or U (o, u).

    Persian writes only long vowels (ا A, ی I, و U inside a word), so its sequence is a subsequence of the Latin
    one of the same name: "کوبا" and "Cuba" are both "KUBA", "شی جین پینگ" is "XIJINBINK" as "Xi Jinping" is.
    """
    out: list[str] = []
    for word in _WORD.findall(normalize_text(text, "fa").casefold()):
        word = _fold(word)
        if len(word) > 2 and word[-1] == "ی" and word[-2] in "اآو":  # the ezafe "-ye", not part of the name
            word = word[:-1]
        k = 0
        while k < len(word):
            c = word[k]
            for digraph, cls in _LATIN_DIGRAPHS:
                if word.startswith(digraph, k):
                    out.append(cls)
                    k += len(digraph)
                    break
            else:
                if c == "c":  # soft before e, i, y as in "Cecilia", hard elsewhere as in "Cuba"
                    out.append("S" if word[k + 1:k + 2] in ("e", "i", "y") else "K")
                elif c in "وی":  # a consonant at the start of a Persian word, a long vowel inside it
                    out.append(("F" if c == "و" else "") if k == 0 else ("U" if c == "و" else "I"))
                else:
                    out.append(_LATIN.get(c) or _PERSIAN.get(c) or _VOWELS.get(c, ""))
                k += 1
    seq = [c for c in out if c]
    # A doubled letter is one sound ("Havanna", "Mohammad").
    return "".join(c for k, c in enumerate(seq) if k == 0 or seq[k - 1] != c)


def skeleton(text: str) -> str:
    """The consonant skeleton of a name in Latin or Persian script: "Cuba", "Kuba" and "کوبا" all give "KB"."""
    cons = [c for c in sounds(text) if c not in "AIU"]
    return "".join(c for k, c in enumerate(cons) if k == 0 or cons[k - 1] != c)


def same_name(source: str, reference: str) -> bool:
    """Whether a name in the source (Latin or Persian script) and one in the Latin-script reference are one name.

    Latin against Latin: the same sounds ("Kuba" = "Cuba", "Díaz" = "Diaz"; "Juni" is not "China"). Persian
    against Latin: the same consonant skeleton, a written long vowel, and the Persian sounds in the Latin order
    ("چین" = "China"; "شی جین", Xi Jin, is not, nor is "گفت", said, "COVID").
    """
    a, b = sounds(source), sounds(reference)
    if len(skeleton(source)) < 2 or skeleton(source) != skeleton(reference):
        return False
    if not _PERSIAN_SCRIPT.search(source):
        return a == b
    return any(v in a for v in "AIU") and _subsequence(a, b)


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def _fold(text: str) -> str:
    """Case and accents off: "Díaz" meets "Diaz"."""
    return "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(c))


def _tokens(text: str) -> list[_Token]:
    # Offsets must be the original text's (the report highlights them), so normalisation is per token; it never
    # changes a token's length except by dropping invisible marks, which only affects its key, not its span.
    return [_Token(m.start(), m.end(), normalize_text(m.group(), "fa")) for m in _WORD.finditer(text)]


def _has_case(text: str) -> bool:
    return any(c.isupper() for c in text)


def _runs(tokens: list[_Token], source_cased: bool) -> list[list[int]]:
    """Candidate names: runs of up to _MAX_NAME_WORDS name-like words, longest first.

    In a cased script a name-like word is capitalised and not a function word; a script without case (Persian)
    offers every word that is not a function word.
    """
    def name_like(t: _Token) -> bool:
        if t.text.casefold() in _STOP or _is_number(t.text) or len(t.text) < 2:
            return False
        return t.text[0].isupper() if source_cased else True

    flags = [name_like(t) for t in tokens]
    runs = []
    for n in range(_MAX_NAME_WORDS, 0, -1):
        for i in range(len(tokens) - n + 1):
            if all(flags[i:i + n]):
                runs.append(list(range(i, i + n)))
    return runs


def _informative(key: str, translated: bool) -> bool:
    # A one-consonant skeleton ("Xi" is "X") matches far too much; a translation compares whole words, where
    # two letters ("Xi", "UN") are a name.
    return len(key) >= 2


def _number_key(text: str) -> str:
    return _THOUSANDS.sub("", normalize_text(text)).replace(",", ".")


def _is_number(text: str) -> bool:
    return any(c.isdigit() for c in text)


def _content(word: str) -> bool:
    return len(word) >= 3 and word.casefold() not in _STOP and not _is_number(word)


def _stem(word: str) -> str:
    """A crude English stem: plural and verb endings off, so "supports" meets "support"."""
    w = _fold(word).removesuffix("'s").removesuffix("’s")
    for suffix in ("ing", "ed", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            return w[: -len(suffix)]
    return w
