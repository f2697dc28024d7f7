"""A document without sentences after preparation gets one notice line on stderr in every command, and a command
with nothing left to do fails with a clear message instead of succeeding silently (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from robust_helpers import ROOT, SEED_DE, SEED_EN, assert_clean_error, assert_ok, run_cli

from translate.prepare import empty_notice, empty_reason, prepare_text

# name -> (content, the reason the notice gives)
EMPTY = {
    "empty": ("", "empty file"),
    "blank": ("  \n\t\r\n\u3000\u00a0 \n\n", "only whitespace"),
    "boilerplate": ("Advertisement\n\nShare this article\n\nSubscribe to our newsletter\n",
                    "all 3 paragraphs dropped as boilerplate"),
    "one-boilerplate": ("Advertisement\n", "the only paragraph dropped as boilerplate"),
}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def notices(stderr: str, name: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(f"{name}: no sentences after preparation")]


def english_article(folder: Path) -> Path:
    """A short English article (no model needed to 'translate' it)."""
    paras = SEED_EN.read_text(encoding="utf-8").split("\n")
    return write(folder, "english.txt", "\n".join(paras[:8]))


def german_article(folder: Path) -> Path:
    """A short German article (short, so that embedding it is quick)."""
    paras = SEED_DE.read_text(encoding="utf-8").split("\n")
    return write(folder, "german.txt", "\n".join(paras[:8]))


def test_empty_reason_names_why(tmp_path):
    for content, reason in EMPTY.values():
        doc = prepare_text(content, "x.txt")
        doc.path = "x.txt"
        assert empty_reason(doc) == reason
        assert empty_notice(doc).startswith(f"x.txt: no sentences after preparation ({reason}")
    assert empty_reason(prepare_text("", "stdin")) == "empty input"  # no file behind it
    assert empty_reason(prepare_text("Ein Satz steht hier.", "x.txt")) is None
    assert empty_notice(prepare_text("Ein Satz steht hier.", "x.txt")) is None


def test_the_wording_lives_in_one_helper():
    hits = [p.relative_to(ROOT) for pkg in ("translate", "align", "xling") for p in (ROOT / pkg).rglob("*.py")
            if "no sentences after preparation" in p.read_text(encoding="utf-8")]
    assert hits == [Path("translate/prepare.py")]


# --- nothing left to do: a clear error --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", EMPTY, ids=EMPTY)
@pytest.mark.parametrize("command", ["align-claims", "align-parallel", "compare", "find", "translate", "prepare"])
def test_a_command_given_only_empty_documents_fails_and_says_why(tmp_path, isolated, command, kind):
    content, reason = EMPTY[kind]
    empty = write(tmp_path, "e.txt", content)
    out = tmp_path / "out.txt"
    args = {
        "align-claims": ["align", empty, SEED_EN, "--mode", "claims", "-o", out],
        "align-parallel": ["align", empty, write(tmp_path, "e2.txt", content), "-o", out],
        "compare": ["compare", empty, "-r", SEED_EN, "--quiet"],
        "find": ["find", "China", empty],
        "translate": ["translate", empty, "-o", out, "-q"],
        "prepare": ["prepare", empty, "-o", out],
    }[command]
    line = assert_clean_error(run_cli(*args), 2, "e.txt", "no sentences after preparation", reason)
    assert "models pull" not in line and "und-en" not in line
    assert not out.exists()


def test_compare_on_a_folder_of_empty_files_names_the_real_cause(tmp_path, isolated):
    folder = tmp_path / "empties"
    for kind, (content, _) in EMPTY.items():
        write(folder, f"{kind}.txt", content)
    res = run_cli("compare", folder, "-r", SEED_EN, "--quiet")
    line = assert_clean_error(res, 2, "no sentences after preparation in any of the 4 documents",
                              "empty.txt (empty file)", "blank.txt (only whitespace)", "nothing to compare")
    assert "models pull" not in res.output and "und-en" not in line


def test_an_empty_reference_names_why(tmp_path, isolated):
    ref = write(tmp_path, "ref.txt", EMPTY["boilerplate"][0])
    assert_clean_error(run_cli("compare", SEED_DE, "-r", ref, "--no-mt", "--quiet"), 2,
                       "reference ref.txt: no sentences after preparation", "boilerplate")


def test_prepare_shows_the_dropped_text_of_an_all_boilerplate_document(tmp_path, isolated):
    path = write(tmp_path, "ads.txt", EMPTY["boilerplate"][0])
    res = run_cli("prepare", path, "--show-dropped")
    assert_ok(res)  # the dropped paragraphs are something to show
    assert res.stdout.count("-- dropped (boilerplate") == 3
    assert len(notices(res.stderr, "ads.txt")) == 1


# --- some documents empty: one notice each, the rest is done ---------------------------------------------------


@pytest.mark.parametrize("kind", ["empty", "boilerplate"])
def test_compare_notices_an_empty_source_and_compares_the_others(tmp_path, isolated, kind):
    empty = write(tmp_path, "e.txt", EMPTY[kind][0])
    res = run_cli("compare", german_article(tmp_path), empty, "-r", SEED_EN, "--no-mt", "--quiet")
    assert_ok(res)
    assert notices(res.stderr, "e.txt") == [f"e.txt: no sentences after preparation ({EMPTY[kind][1]}"
                                            + ("; `xling prepare --show-dropped` shows them)" if kind != "empty"
                                               else ")")]
    assert "und-en" not in res.stderr
    assert re.search(r"^german\.txt +de +\d+ ", res.stderr, re.M)  # the German source was compared
    assert not re.search(r"Translations unavailable for[^\n]*e\.txt", res.stderr)


def test_find_notices_an_empty_source_and_searches_the_others(tmp_path, isolated):
    empty = write(tmp_path, "e.txt", "")
    res = run_cli("find", "China", SEED_EN, empty)
    assert_ok(res)
    assert len(notices(res.stderr, "e.txt")) == 1
    assert f"{SEED_EN.name} (en):" in res.stdout


def test_translate_folder_notices_an_empty_document_and_still_writes_its_empty_output(tmp_path, isolated):
    folder = tmp_path / "in"
    english_article(folder)
    write(folder, "e.txt", "")
    out = tmp_path / "out"
    res = run_cli("translate", folder, "-o", out, "-q")
    assert_ok(res)
    assert len(notices(res.stderr, "e.txt")) == 1
    assert "e.txt: language" not in res.stderr  # one line for it, not two
    assert (out / "e.txt").read_text(encoding="utf-8") == "" and (out / "english.txt").read_text(encoding="utf-8")


def test_prepare_folder_notices_an_empty_document(tmp_path, isolated):
    folder = tmp_path / "in"
    english_article(folder)
    write(folder, "e.txt", " \n")
    res = run_cli("prepare", folder)
    assert_ok(res)
    assert len(notices(res.stderr, "e.txt")) == 1 and "english.txt: en," in res.stderr


@pytest.mark.parametrize("side", ["source", "reference"])
def test_align_notices_an_empty_side(tmp_path, isolated, side):
    empty = write(tmp_path, "e.txt", "")
    pair = [empty, SEED_EN] if side == "source" else [SEED_EN, empty]
    res = run_cli("align", *pair, "--format", "ladder")
    assert_ok(res)  # parallel: every sentence of the other side is still a bead of its own
    assert len(notices(res.stderr, "e.txt")) == 1 and res.stdout
    claims = run_cli("align", *pair, "--mode", "claims")
    assert_clean_error(claims, 2, "e.txt: no sentences after preparation (empty file)", "nothing to match")


def test_stdin_without_sentences_is_named(isolated):
    assert_clean_error(run_cli("prepare", "-", stdin=""), 2, "stdin: no sentences after preparation (empty input)")
