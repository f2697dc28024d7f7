"""Cleaning: split a text into paragraphs, drop web boilerplate by named rules, and drop repeated paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from translate.normalize import normalize_text

# Line breaks as str.splitlines sees them, so a file's lines mean the same everywhere in xling.
_LINE = re.compile(r"[^\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_TERMINAL = re.compile(r"[.!?…:;؟。！？][\"'”“’»«)\]]*$")


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of the original: `text` is `original[start:end]`, trimmed of surrounding whitespace."""

    index: int
    start: int
    end: int
    text: str


def _lines(text: str) -> list[tuple[int, int, int]]:
    """Non-blank lines as (start, end, block), trimmed; a block is a run of lines without a blank line between."""
    out: list[tuple[int, int, int]] = []
    block = 0
    prev_end = 0
    for m in _LINE.finditer(text):
        raw = m.group()
        stripped = raw.strip()
        if not stripped:
            continue
        start = m.start() + (len(raw) - len(raw.lstrip()))
        end = start + len(stripped)
        if out and len(_BREAK.findall(text, prev_end, start)) >= 2:  # a blank line between
            block += 1
        out.append((start, end, block))
        prev_end = end
    return out


def _hard_wrapped(lines: list[tuple[int, int, int]], text: str) -> bool:
    """Whether a block's lines are one paragraph wrapped at a fixed width (e-mail, Gutenberg) rather than paragraphs.

    Scraped news puts each paragraph on its own line, most ending with sentence punctuation; wrapped prose has
    lines of nearly equal length that mostly stop mid-sentence.
    """
    if len(lines) < 2:
        return False
    lengths = [e - s for s, e, _ in lines]
    body = lines[:-1]
    # Wrapping happens at 40+ columns; shorter equal lines are menus or lists, which stay separate.
    if not 40 <= max(lengths) <= 100 or min(lengths[:-1]) < 0.6 * max(lengths):
        return False
    open_ended = sum(1 for s, e, _ in body if not _TERMINAL.search(text[s:e]))
    return open_ended * 2 > len(body)


def split_paragraphs(text: str) -> list[Paragraph]:
    """Split a text into paragraphs: each non-blank line, except that hard-wrapped blocks are joined into one."""
    lines = _lines(text)
    groups: list[list[tuple[int, int, int]]] = []
    for line in lines:
        if groups and groups[-1][0][2] == line[2]:
            groups[-1].append(line)
        else:
            groups.append([line])
    spans: list[tuple[int, int]] = []
    for group in groups:
        if _hard_wrapped(group, text):
            spans.append((group[0][0], group[-1][1]))
        else:
            spans.extend((s, e) for s, e, _ in group)
    return [Paragraph(i, s, e, text[s:e]) for i, (s, e) in enumerate(spans)]


def _alternatives(*phrases: str) -> str:
    """One group matching any of the phrases, so a suffix appended to it applies to all of them."""
    return "(?:" + "|".join(phrases) + ")"


_MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
          r"januar|jänner|februar|märz|mai|juni|juli|oktober|dezember|"
          r"jan|feb|mar|mär|apr|jun|jul|aug|sep|sept|oct|okt|nov|dec|dez)\.?")
_WEEKDAY = (r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|montag|dienstag|mittwoch|donnerstag|freitag|samstag|"
            r"sonntag|sonnabend),?\s*")
_DATE = (rf"(?:{_WEEKDAY})?(?:\d{{4}}-\d{{2}}-\d{{2}}t\d{{2}}:\d{{2}}(?::\d{{2}})?(?:\.\d+)?(?:z|[+-]\d{{2}}:?\d{{2}})?"
         r"|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}\.\s?\d{1,2}\.\s?\d{4}"
         rf"|\d{{1,2}}\.?\s+{_MONTH}\s+\d{{4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}})")
_TIME = r"(?:[\s,|·-]*(?:um|at)?\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:uhr|am|pm|a\.m\.|p\.m\.))?)"
_ZONE = r"(?:\s*\(?(?:gmt|utc|mez|mesz|cet|cest|est|edt|bst)(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?\)?)"
_STAMP_LABEL = (r"(?:(?:published|updated|posted|last updated|veröffentlicht|aktualisiert|erstellt|stand|datum|date|"
                r"منتشر شده|تاریخ انتشار|تاریخ)\s*(?:am|on)?\s*:?\s*)")
_TIMESTAMP = rf"{_STAMP_LABEL}?{_DATE}{_TIME}?{_ZONE}?"
# Capitalised name words; scoped case-sensitivity so "By train to Beijing" is no byline.
_NAME = r"(?-i:[A-ZÄÖÜ][\w'’.-]*)"

def _repeated(items: str) -> str:
    """A list of `items` joined by spaces or separators ("Share | Tweet | E-Mail").

    Each separator can be matched in one way only: "\\s*[|]?\\s*" would let every space go to either side, and
    re would then try 2^n splits of a long line before failing.
    """
    return rf"(?:{items})(?:(?:\s*[:|/·•,]\s*|\s+)(?:{items}))*(?:\s*[:|/·•,])?"


# Each rule matches a WHOLE paragraph (normalised, bullet marks removed), case-insensitively; the name is the
# reason shown to the user. Anchored whole-line patterns keep real sentences that merely mention these words.
BOILERPLATE_RULES: list[tuple[str, re.Pattern]] = [
    (name, re.compile(rf"^(?:{pattern})$", re.IGNORECASE))
    for name, pattern in [
        ("timestamp", _TIMESTAMP),
        ("relative time", r"(?:vor\s+\d+\s+(?:sekunden|minuten|stunden|tagen|wochen)|"
                          r"\d+\s+(?:seconds?|minutes?|mins?|hours?|days?|weeks?)\s+ago)"),
        ("byline", rf"(?:by|von|text\s*:|autor(?:in)?\s*:)\s+{_NAME}(?:\s*(?:,|and|und|&)?\s+{_NAME}){{0,6}}"
                   rf"(?:\s*[|·,/–-]?\s*{_TIMESTAMP})?"),
        ("time zone", r"(?:gmt|utc)\s*(?:[+-]\s*\d{1,2}(?::?\d{2})?)?"),
        ("related videos", _alternatives(r"verwandte videos", r"related videos", r"ähnliche videos", r"videos",
                                         r"mehr videos", r"more videos", r"ویدیوهای مرتبط", r"ویدئوهای مرتبط")
         + r"\s*:?"),
        ("archive label", _alternatives(r"archiviert unter", r"abgelegt unter", r"filed under", r"archived under",
                                        r"posted in", r"veröffentlicht in", r"schlagwörter", r"schlagworte",
                                        r"stichwörter", r"tags", r"themen", r"topics", r"kategorien?", r"categories",
                                        r"برچسب‌ها", r"برچسب ها", r"کلیدواژه‌ها")
         + r"\s*:[^.!?؟]{0,200}"),  # a list of tags, never a sentence
        ("comment box", _alternatives(
            r"leave a reply", r"leave a comment", r"post a comment", r"add a comment", r"write a comment",
            r"no comments yet\b.{0,80}", r"be the first to comment\b.{0,40}", r"\d*\s*comments?",
            r"your email address will not be published\b.{0,80}", r"required fields are marked\s*\*?",
            r"cancel reply", r"kommentar (?:verfassen|schreiben|hinzufügen)", r"schreibe einen kommentar",
            r"hinterlasse einen kommentar", r"antwort hinterlassen", r"\d*\s*kommentare?",
            r"noch keine kommentare\b.{0,80}", r"(?:deine|ihre) e-mail-adresse wird nicht veröffentlicht\b.{0,80}",
            r"erforderliche felder sind (?:mit \*? ?)?markiert\s*\*?", r"نظر(?:ات)?(?: شما)?", r"ارسال نظر",
            r"نظر خود را بنویسید", r"دیدگاه(?:ها)?", r"پاسخ دهید", r"پاسخ", r"reply", r"antworten")),
        ("share buttons", _repeated(r"share(?: this(?: article| story)?)?(?: on)?|teilen|tweet|twitter|x|facebook|"
                                    r"whatsapp|telegram|linkedin|reddit|pinterest|e-?mail|print|drucken|copy link|"
                                    r"link kopieren|messenger|vk|weibo|wechat|اشتراک(?: ?گذاری)?|چاپ|ایمیل")),
        ("photo caption", r"(?:[\w’'.-]+\s+){0,8}(?:file photo|archivfoto|archivbild|symbolbild|symbolfoto)"
                          r"|(?:photo|foto|bild|image|credit|quelle|عکس|تصویر)\s*(?::|by\b|von\b).{0,100}"
                          r"|" + _repeated(r"getty images|imago|dpa|afp|reuters|ap|xinhua|picture alliance|epa")),
        ("read more", _alternatives(r"read more", r"weiterlesen", r"mehr lesen", r"mehr zum thema", r"see also",
                                    r"lesen sie auch", r"lesen sie mehr", r"auch interessant", r"related articles?",
                                    r"related stories", r"related", r"more on this", r"بیشتر بخوانید",
                                    r"ادامه مطلب", r"مطالب مرتبط", r"اخبار مرتبط")
         + r"\s*(?::.{0,150}|\W{0,3})"),
        ("copyright", r"(?:©|\(c\)|copyright\s*(?:©|\(c\))?\s*\d{4}).{0,200}|all rights reserved\W{0,2}|"
                      r"alle rechte vorbehalten\W{0,2}|کلیه حقوق.{0,120}محفوظ.{0,40}"),
        ("advertisement", _alternatives(r"advertisement", r"anzeige", r"werbung", r"sponsored", r"تبلیغات")),
        ("newsletter", r"(?:subscribe to|sign up for|subscribe|newsletter abonnieren|jetzt abonnieren|abonnieren sie|"
                       r"عضویت در خبرنامه)\b.{0,80}"),
        ("navigation", _alternatives(r"home", r"startseite", r"back to top", r"nach oben", r"zurück",
                                     r"next article", r"previous article", r"nächster artikel",
                                     r"vorheriger artikel", r"menu", r"menü", r"skip to (?:main )?content",
                                     r"zum inhalt springen", r"صفحه اصلی")),
        ("cookie notice", r".{0,120}\bcookies?\b.{0,160}"),
    ]
]
# Cookie notices are only dropped when short and clearly a banner; this keeps articles about cookies.
_COOKIE_MAX = 200
# Boilerplate lines are short; longer paragraphs are content, and the rules need not even be tried on them.
_BOILERPLATE_MAX = 400

_BULLETS = re.compile(r"^[\s•·▪▫◦‣⁃●○■□►▶\-–—*]+")
_WORDLIKE = re.compile(r"[^\W_]")


def boilerplate_rule(paragraph: str) -> str | None:
    """The name of the boilerplate rule a paragraph matches ("boilerplate: timestamp"), or None if it is content."""
    text = normalize_text(paragraph)
    bare = _BULLETS.sub("", text)
    if not _WORDLIKE.search(bare):
        return "boilerplate: no words"
    if len(bare) > _BOILERPLATE_MAX:
        return None
    for name, pattern in BOILERPLATE_RULES:
        if name == "cookie notice" and (len(bare) > _COOKIE_MAX or "cookie" not in bare.lower()):
            continue
        if pattern.match(bare):
            return f"boilerplate: {name}"
    return None


# Short paragraphs ("Ja.", "Photo") legitimately repeat; only longer ones are treated as copies.
MIN_DUPLICATE_CHARS = 20
_NON_WORD = re.compile(r"[\W_]+")


def duplicate_key(normalised: str) -> str | None:
    """The key under which a paragraph counts as a repeat: case and punctuation ignored; None if too short."""
    key = _NON_WORD.sub(" ", normalised.casefold()).strip()
    return key if len(key) >= MIN_DUPLICATE_CHARS else None
