"""Every source has one name in every output and one id in the report; the reference must be English; every float
option refuses nan and inf (issue 13)."""

from __future__ import annotations

import json
import math
import os
from html.parser import HTMLParser
from pathlib import Path

import click
import pytest
from robust_helpers import SEED_DE, SEED_EN, SEED_FA, assert_clean_error, assert_ok, run_cli

from translate.errors import InputError
from translate.prepare import load_document, prepare_text
from xling.commands.params import FiniteFloat
from xling.pipeline.inputs import check_reference, load_sources, with_unique_names
from xling.pipeline.report import render_report, source_ids

SEEDS = SEED_EN.parent
# A boilerplate paragraph, so that dropped.jsonl has a row of every source too.
AD = "Advertisement\n\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def head(seed: Path, chars: int = 1200) -> str:
    """The first paragraphs of a seed, whole, about `chars` long (short articles keep the tests quick)."""
    out: list[str] = []
    for para in seed.read_text(encoding="utf-8").split("\n"):
        out.append(para)
        if sum(map(len, out)) > chars:
            break
    return "\n".join(out)


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


class _Ids(HTMLParser):
    """Every id="..." and every href="#..." of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.sections: dict[str, str] = {}  # data-source name -> section id

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if a.get("href", "").startswith("#"):
            self.links.append(a["href"][1:])
        if "data-source" in a:
            self.sections[a["data-source"]] = a["id"]


def page_ids(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    return parser


# --- unique source names ----------------------------------------------------------------------------------------


def test_sources_sharing_a_file_name_are_named_by_their_paths_in_every_output(tmp_path, isolated):
    de, fa = head(SEED_DE), head(SEED_FA)
    files = [write(tmp_path / "a" / "x.txt", AD + de), write(tmp_path / "b" / "x.txt", AD + fa),
             # deeper: the folder names one level up are the same, so two levels tell them apart
             write(tmp_path / "c" / "deep" / "x.txt", AD + de), write(tmp_path / "d" / "deep" / "x.txt", AD + fa),
             write(tmp_path / "e" / "only.txt", AD + de)]
    out = tmp_path / "out"
    res = run_cli("compare", *files, "-r", SEED_EN, "--no-mt", "--quiet", "-o", out)
    assert_ok(res)
    names = ["a/x.txt", "b/x.txt", "c/deep/x.txt", "d/deep/x.txt", "only.txt"]
    assert {m["source"] for m in jsonl(out / "matches.jsonl")} <= set(names)
    unmatched = [r for r in jsonl(out / "unmatched.jsonl") if r["kind"] == "only_in_source"]
    assert {r["source"] for r in unmatched} == set(names)
    assert {d["doc_id"] for d in jsonl(out / "dropped.jsonl")} == {*names, SEED_EN.name}
    summary = [line.split()[0] for line in res.stdout.splitlines()[2:]]
    assert summary == [*names, SEED_EN.name]
    page = page_ids((out / "report.html").read_text(encoding="utf-8"))
    assert len(page.ids) == len(set(page.ids))
    assert set(page.sections) == set(names) and len(set(page.sections.values())) == len(names)
    assert set(page.links) <= set(page.ids)


def test_find_names_sources_that_share_a_file_name_by_their_paths(tmp_path, isolated):
    a = write(tmp_path / "a" / "x.txt", head(SEED_DE))
    b = write(tmp_path / "b" / "x.txt", head(SEED_FA))
    res = run_cli("find", "China", a, b, "--threshold", "0", "--json")
    assert_ok(res)
    assert {json.loads(line)["source"] for line in res.stdout.splitlines()} == {"a/x.txt", "b/x.txt"}
    res = run_cli("find", "China", a, b)
    assert_ok(res)
    assert "\na/x.txt (de):" in res.stdout and "\nb/x.txt (fa):" in res.stdout


def test_translations_of_a_source_named_by_its_path_are_read_at_that_path(tmp_path, isolated):
    a = write(tmp_path / "a" / "x.txt", head(SEED_DE))
    b = write(tmp_path / "b" / "x.txt", head(SEED_FA))
    given = tmp_path / "mt"
    for path, tag in ((a, "A"), (b, "B")):
        n = len(load_document(path).sentences)
        write(given / path.parent.name / "x.txt", "".join(f"{tag} {i} China\n" for i in range(n)))
    out = tmp_path / "out"
    assert_ok(run_cli("compare", a, b, "-r", SEED_EN, "--translations", given, "--no-mt", "--quiet", "-o", out))
    rows = [r for r in jsonl(out / "unmatched.jsonl") if r["kind"] == "only_in_source"]
    rows += jsonl(out / "matches.jsonl")
    assert rows
    for row in rows:
        assert row["translation"].startswith("A " if row["source"] == "a/x.txt" else "B "), row


def test_a_source_sharing_the_references_file_name_is_told_apart_and_the_reference_itself_is_dropped(
        tmp_path, isolated):
    ref = write(tmp_path / "ref" / "x.txt", SEED_EN.read_text(encoding="utf-8"))
    src = write(tmp_path / "src" / "x.txt", head(SEED_DE))
    os.symlink(ref, tmp_path / "src" / "link-to-ref.txt")  # the reference again, by another name: not a source
    out = tmp_path / "out"
    res = run_cli("compare", tmp_path / "src", ref, "-r", ref, "--no-mt", "--quiet", "-o", out)
    assert_ok(res)
    rows = jsonl(out / "unmatched.jsonl")
    assert {r["source"] for r in rows if r["kind"] == "only_in_source"} == {"src/x.txt"}
    assert {r["reference"] for r in rows if r["kind"] == "reference_unsupported"} == {"ref/x.txt"}
    assert "ref/x.txt (reference)" in res.stdout
    assert src.read_text(encoding="utf-8") == head(SEED_DE)


def test_unique_names_keep_plain_file_names_when_they_are_unique(seeds_dir):
    docs = load_sources(seeds_dir)
    assert [d.doc_id for d in docs] == sorted(p.name for p in seeds_dir.glob("*.txt"))
    assert all(s.doc_id == d.doc_id for d in docs for s in d.sentences)
    # The seeds' report ids are what they were before ids were made unique.
    names = [d.doc_id for d in docs]
    assert source_ids(names) == ["src-" + "".join(c if c.isalnum() else "-" for c in n) for n in names]


def test_unique_names_go_as_deep_as_needed_and_rename_sentences_and_dropped_text(tmp_path):
    paths = [tmp_path / "r" / "a" / "x.txt", tmp_path / "s" / "a" / "x.txt", tmp_path / "b" / "x.txt"]
    docs = []
    for p in paths:
        write(p, AD + "Der Text steht hier. Noch ein Satz.")
        docs.append(load_document(p))
    named = with_unique_names(docs)
    assert [d.doc_id for d in named] == ["r/a/x.txt", "s/a/x.txt", "b/x.txt"]
    for d in named:
        assert {s.doc_id for s in d.sentences} == {d.doc_id} and {x.doc_id for x in d.dropped} == {d.doc_id}
    assert [d.doc_id for d in docs] == ["x.txt"] * 3  # the caller's documents are left as they were


def test_documents_without_paths_that_share_a_name_are_refused():
    docs = [prepare_text("One sentence here.", "same"), prepare_text("Another one there.", "same")]
    with pytest.raises(InputError, match="same"):
        with_unique_names(docs)


NAME_SETS = {
    "punctuation": ["a b.txt", "a-b.txt", "a_b.txt", "a.b.txt", "a\tb.txt"],
    "persian": ["خبر.txt", "خبر-۲.txt", "خبر_۲.txt", "گزارش.txt", "گزارش (۱).txt"],
    "other-scripts": ["новости.txt", "новости!.txt", "新闻.txt", "新闻?.txt", "ニュース.txt", "Ελλάδα.txt"],
    "case": ["News.txt", "news.txt", "NEWS.txt", "Straße.txt", "STRASSE.txt"],
    "long": ["x" * 300 + ".txt", "x" * 300 + "-2.txt", "x" * 79 + "a", "x" * 79 + "b", "a/" + "y" * 250],
    "suffix-lookalikes": ["a", "a ", "src-a-2", "a-2", "a-" + "0" * 8],
    "empty-and-odd": ["", " ", "\\xe9.txt", "-", "#", "\"'<>&"],
}


@pytest.mark.parametrize("names", NAME_SETS.values(), ids=NAME_SETS.keys())
def test_source_ids_are_unique_for_any_names(names):
    ids = source_ids(names)
    assert len(ids) == len(names)
    # Distinct even ignoring case (an id compared case-insensitively somewhere must not meet another).
    assert len({i.casefold() for i in ids}) == len(ids), ids
    for id_ in ids:
        assert id_.startswith("src-") and not any(c.isspace() for c in id_) and len(id_) <= 100, id_
    assert source_ids(names) == ids  # the same names, the same ids


def test_report_ids_are_unique_and_every_link_lands_for_colliding_names(isolated):
    names = [n for key in ("punctuation", "persian", "case", "long") for n in NAME_SETS[key]]
    text = head(SEED_DE, 200)
    docs = [prepare_text(text, name, "de") for name in names]
    reference = load_document(SEED_EN)
    import xling

    result = xling.compare(docs, reference, use_mt=False, progress=False, log=lambda line: None)
    page = page_ids(render_report(result))
    assert len(page.ids) == len(set(page.ids))
    assert set(page.sections) == set(names) and len(set(page.sections.values())) == len(names)
    assert set(page.links) <= set(page.ids), set(page.links) - set(page.ids)


# --- the reference must be English ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed, label", [(SEED_DE, "German (de)"), (SEED_FA, "Persian (fa)")], ids=["de", "fa"])
def test_a_reference_that_is_not_english_is_refused(tmp_path, isolated, seed, label):
    src = write(tmp_path / "src.txt", head(SEED_DE))
    line = assert_clean_error(run_cli("compare", src, "-r", seed, "--no-mt", "--quiet"), 2, seed.name, label,
                              "English reference", "xling translate")
    assert "Traceback" not in line


def test_an_english_reference_quoting_a_foreign_paragraph_is_accepted(tmp_path, isolated):
    english = SEED_EN.read_text(encoding="utf-8").split("\n")
    quoted = head(SEED_DE, 300)  # a German paragraph or two quoted in the middle
    ref = write(tmp_path / "ref.txt", "\n".join([*english[:6], quoted, *english[6:]]))
    doc = check_reference(load_document(ref))
    assert doc.lang == "en" and "de" in {s.lang for s in doc.sentences}
    src = write(tmp_path / "src.txt", head(SEED_DE))
    assert_ok(run_cli("compare", src, "-r", ref, "--no-mt", "--quiet"))


@pytest.mark.parametrize("text", ["12345 67890.\n\n2024-01-01, 10:30.\n", "§ 42 (3) — 1.000.000 %.\n"],
                         ids=["digits", "symbols"])
def test_a_reference_without_letters_is_refused_with_its_own_message(tmp_path, isolated, text):
    ref = write(tmp_path / "numbers.txt", text)
    assert load_document(ref).sentences  # it has sentences: the language, not emptiness, is the problem
    assert_clean_error(run_cli("compare", SEED_DE, "-r", ref, "--no-mt", "--quiet"), 2, "numbers.txt",
                       "no letters")


def test_check_reference_is_the_rule_for_any_reference():
    with pytest.raises(InputError, match=r"German \(de\)"):
        check_reference(prepare_text(head(SEED_DE), "r.txt"))
    with pytest.raises(InputError, match="no sentences"):
        check_reference(prepare_text("", "r.txt"))
    doc = prepare_text(head(SEED_EN), "r.txt")
    assert check_reference(doc) is doc


# --- numeric options ------------------------------------------------------------------------------------------


def _float_options() -> list[tuple[tuple[str, ...], str, click.Parameter]]:
    """(command path, option name, parameter) of every float option of every xling command."""
    from xling.cli import main

    found = []

    def walk(cmd: click.Command, path: tuple[str, ...]) -> None:
        for param in cmd.params:
            if isinstance(param.type, click.types.FloatParamType) and isinstance(param, click.Option):
                found.append((path, param.opts[0], param))
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, (*path, name))

    walk(main, ())
    return found


FLOAT_OPTIONS = _float_options()
OPTION_IDS = [" ".join([*path, opt]) for path, opt, _ in FLOAT_OPTIONS]


def test_the_commands_have_float_options_to_check():
    assert len(FLOAT_OPTIONS) >= 4, OPTION_IDS  # align, compare, find and eval claims take --threshold


@pytest.mark.parametrize("path, opt, param", FLOAT_OPTIONS, ids=OPTION_IDS)
def test_every_float_option_is_a_finite_float(path, opt, param):
    assert isinstance(param.type, FiniteFloat), f"{' '.join(path)} {opt} must use xling.commands.params.FiniteFloat"
    if "threshold" in opt:
        assert (param.type.min, param.type.max) == (0.0, 1.0)


@pytest.mark.parametrize("value", ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e999"])
@pytest.mark.parametrize("path, opt, param", FLOAT_OPTIONS, ids=OPTION_IDS)
def test_every_float_option_refuses_nan_and_inf(isolated, path, opt, param, value):
    # The option is converted as it is parsed, before the command's arguments are looked at.
    res = run_cli(*path, f"{opt}={value}")
    assert res.exit_code == 2, res.output
    assert "finite number" in res.stderr and opt in res.stderr, res.stderr


@pytest.mark.parametrize("value", ["1.5", "-0.01"])
@pytest.mark.parametrize("path, opt, param", [o for o in FLOAT_OPTIONS if "threshold" in o[1]],
                         ids=[i for i in OPTION_IDS if "threshold" in i])
def test_thresholds_outside_0_1_are_refused(isolated, path, opt, param, value):
    res = run_cli(*path, f"{opt}={value}")
    assert res.exit_code == 2 and "[0, 1]" in res.stderr, res.output


def test_find_threshold_nan_is_refused_before_any_work(isolated):
    assert_clean_error(run_cli("find", "China", SEED_EN, "--threshold", "nan"), 2, "--threshold", "nan")


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1.5])
def test_library_thresholds_refuse_nan_and_inf(isolated, value):
    from align.claims import ClaimMatcher
    from xling.pipeline.find import find_claim
    from xling.pipeline.compare import compare

    doc = prepare_text(head(SEED_DE, 200), "src.txt")
    with pytest.raises(InputError, match="threshold"):
        compare([doc], SEED_EN, threshold=value, use_mt=False, progress=False)
    with pytest.raises(InputError, match="threshold"):
        find_claim("China", [doc], threshold=value)
    with pytest.raises(InputError, match="threshold"):
        ClaimMatcher(threshold=value)


def test_find_top_must_be_positive(isolated):
    # -k -1 used to drop each source's last hit instead of keeping at most -1.
    assert run_cli("find", "China", SEED_EN, "-k", "-1").exit_code == 2


# --- one vocabulary (issue 16) ----------------------------------------------------------------------------------


def _options() -> list[tuple[str, click.Option]]:
    """(command path, option) of every option of every xling command, the group's own included."""
    from xling.cli import main

    found = []

    def walk(cmd: click.Command, path: tuple[str, ...]) -> None:
        found.extend((" ".join(path) or "xling", p) for p in cmd.params if isinstance(p, click.Option))
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, (*path, name))

    walk(main, ())
    return found


def _long(param: click.Option) -> str:
    return next(o for o in param.opts if o.startswith("--"))


# Spellings of one concept; a command set that used two of them would make users guess per command.
SYNONYMS = [
    {"--source-lang", "--src-lang", "--lang", "--language", "--source-language", "--from-lang"},
    {"--reference-lang", "--ref-lang", "--reference-language"},
    {"--quiet", "--silent", "--no-progress"},
    {"--output", "--out", "--outdir", "--output-dir"},
    {"--reference", "--ref", "--references"},
    {"--sources", "--source-dir", "--src"},
    {"--translations", "--translations-dir", "--mt-dir"},
    {"--source-translation", "--src-translation", "--translation"},
    {"--model", "--model-id", "--models"},
    {"--threshold", "--cut", "--min-score"},
    {"--format", "--fmt", "--output-format"},
    {"--embedder", "--embedding-model"},
    {"--top", "--top-k", "--limit"},
]
# The commands that report progress on stderr, each of which takes -q/--quiet.
PROGRESS_COMMANDS = {"translate", "compare", "find", "align", "prepare", "eval claims"}


def test_a_short_flag_means_one_option_in_every_command():
    meaning: dict[str, set[str]] = {}
    for _, param in _options():
        for short in (o for o in param.opts if not o.startswith("--")):
            meaning.setdefault(short, set()).add(_long(param))
    assert {s: m for s, m in meaning.items() if len(m) > 1} == {}


def test_an_option_has_the_same_short_flag_in_every_command():
    shorts: dict[str, set[tuple[str, ...]]] = {}
    for _, param in _options():
        shorts.setdefault(_long(param), set()).add(tuple(sorted(o for o in param.opts if not o.startswith("--"))))
    assert {name: s for name, s in shorts.items() if len(s) > 1} == {}


def test_a_concept_has_one_name_across_commands():
    used = {_long(param) for _, param in _options()}
    assert [sorted(group & used) for group in SYNONYMS if len(group & used) > 1] == []
    # "src"/"ref" abbreviations beside spelled-out "source"/"reference" options are two names for one word.
    assert [name for name in used if name.startswith(("--src", "--ref-"))] == []


def test_every_command_that_reports_progress_takes_q_quiet():
    quiet = {path for path, param in _options() if param.opts == ["-q", "--quiet"]}
    assert PROGRESS_COMMANDS <= quiet, PROGRESS_COMMANDS - quiet


@pytest.mark.parametrize("group", [(), ("eval",), ("models",), ("cache",)], ids=["xling", "eval", "models", "cache"])
def test_help_lists_whole_one_line_summaries(group):
    res = run_cli(*group, "--help")
    assert_ok(res)
    commands = res.stdout.split("Commands:", 1)[1]
    assert "..." not in commands, commands
    # Each summary is its command's whole first sentence (wrapped, but not cut).
    assert commands.rstrip().endswith((".", ")")), commands
