"""`make demo`: the seeds as this machine runs them, and with the reference translations standing in for MT, each
report labelled for what it is (issue 16)."""

from __future__ import annotations

import contextlib
import io
import shutil

import pytest

from eval.reference_mt import reference_table
from xling.runs import demo

PERSIAN = "003_25baae2a21a7165f.txt"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`python -m xling.runs.demo` once, with no translation weights (an empty HF cache, downloads off)."""
    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("demo")
    mp.setenv("HF_HOME", str(root / "hf"))
    mp.setenv("HF_HUB_OFFLINE", "1")
    mp.delenv("HF_HUB_CACHE", raising=False)
    # The Persian seed alone keeps the test short: embedding every seed is most of the demo's time.
    sources = root / "seeds"
    sources.mkdir()
    shutil.copy(demo.SEEDS / PERSIAN, sources / PERSIAN)
    out, err = io.StringIO(), io.StringIO()  # capsys is function-scoped; this fixture runs the demo once
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = demo.main(["-o", str(root / "out"), "--sources", str(sources), "-q"])
    mp.undo()
    return code, out.getvalue(), root / "out", err.getvalue()


@pytest.mark.slow
def test_demo_writes_two_reports_each_labelled_for_what_it_is(demo_run):
    code, stdout, out, _ = demo_run
    assert code == 0
    here = (out / demo.OFFLINE_DIR / "report.html").read_text(encoding="utf-8")
    stand_in = (out / demo.STAND_IN_DIR / "report.html").read_text(encoding="utf-8")
    assert 'id="run-label"' in here and "without translation model weights" in here
    assert 'id="run-label"' in stand_in and "Stand-in for machine translation" in stand_in
    assert "not the output of xling&#39;s machine translation" in stand_in
    # Every source's own line says where its English came from; none calls it machine translated.
    assert stand_in.count("reference translation standing in for machine translation") == 1
    assert "machine translated" not in stand_in
    # The stand-in's English is the reference translation itself.
    first = next(iter(reference_table(PERSIAN).values()))
    assert first.replace("'", "&#39;") in stand_in and first.replace("'", "&#39;") not in here


@pytest.mark.slow
def test_demo_summary_says_which_report_shows_what_and_how_mt_replaces_the_stand_in(demo_run):
    code, stdout, out, _ = demo_run
    here, stand_in = str(out / demo.OFFLINE_DIR / "report.html"), str(out / demo.STAND_IN_DIR / "report.html")
    assert f"1. {here}" in stdout and f"2. {stand_in}" in stdout
    part1, part2 = stdout.split(f"2. {stand_in}")
    assert "without translation model weights" in part1 and "Stand-in for machine translation" in part2
    assert "run `xling models pull fa-en` on a machine with network access" in part2
    assert sum("reference sentences stated by a source" in line for line in stdout.splitlines()) == 2


@pytest.mark.slow
def test_the_stand_in_translations_find_claims_the_originals_alone_do_not(demo_run):
    _, _, out, _ = demo_run

    def pairs(folder: str) -> int:  # matches and possible matches, both tiers
        files = ("matches.jsonl", "possible_matches.jsonl")
        return sum(len((out / folder / name).read_text(encoding="utf-8").splitlines()) for name in files)

    assert pairs(demo.STAND_IN_DIR) > pairs(demo.OFFLINE_DIR)


@pytest.mark.slow
def test_demo_prints_one_notice_paragraph_at_most(demo_run):
    stderr = demo_run[3]
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert sum(line.startswith("Translations unavailable") for line in lines) == 1
    reasons = [line for line in lines if line.startswith("  reason:")]
    assert len(reasons) == 1 and all(len(line) < 200 for line in reasons)  # one short line per missing model
    assert len(lines) == 2
