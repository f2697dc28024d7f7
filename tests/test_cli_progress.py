"""Progress goes to stderr, never stdout, and -q/--quiet silences it; scores are shown one way (issue 16)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from translate.progress import progress_bar, progress_enabled, set_progress
from xling.cli import main

SEED_DE = "seeds/000_2c29ad0641dc83f6.txt"


@pytest.fixture(scope="module")
def short_article(tmp_path_factory):
    """The first paragraphs of the German seed: quick to embed, and embedded once for the module."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    path = tmp_path_factory.mktemp("progress") / "kurz.txt"
    path.write_text((root / SEED_DE).read_text(encoding="utf-8")[:900], encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_find_shows_progress_on_stderr_and_q_silences_it(short_article):
    loud = run("find", "Kuba und China", short_article, "--threshold", "0", "--top", "2")
    quiet = run("find", "Kuba und China", short_article, "--threshold", "0", "--top", "2", "-q")
    assert loud.exit_code == quiet.exit_code == 0, loud.output + quiet.output
    assert "find: embedding" in loud.stderr and "find: embedding" not in loud.stdout
    assert "find: embedding" not in quiet.stderr and "\r" not in quiet.stderr
    assert loud.stdout == quiet.stdout
    assert progress_enabled()  # -q lasted as long as its command


def test_find_shows_every_score_and_the_threshold_with_three_decimals(short_article):
    hits = run("find", "Kuba und China", short_article, "--threshold", "0", "--top", "2", "-q")
    assert hits.exit_code == 0, hits.output
    lines = hits.stdout.splitlines()
    assert lines[0].endswith("(threshold 0.000)")
    scored = [line for line in lines if re.match(r"^  \d\.\d+  #\d+  ", line)]
    assert len(scored) == 2 and all(re.match(r"^  \d\.\d{3}  #", line) for line in scored), lines
    none = run("find", "Kuba und China", short_article, "--threshold", "1", "-q")
    assert none.exit_code == 0, none.output
    closest = none.stdout.splitlines()
    assert "(threshold 1.000)" in closest[0]
    assert re.match(r"^  \d\.\d{3}  #\d+  ", closest[closest.index("  closest, below the cut:") + 1]), closest


def test_prepare_shows_progress_for_a_long_text_on_stderr_and_q_silences_it(tmp_path, monkeypatch):
    import translate.prepare as prepare

    monkeypatch.setattr(prepare, "PROGRESS_FROM_CHARS", 100)  # "long" for the test: a few hundred characters
    path = tmp_path / "long.txt"
    path.write_text("".join(f"Der Minister traf am Tag {i} die Delegation.\n\n" for i in range(12)), encoding="utf-8")
    loud, quiet = run("prepare", path), run("prepare", path, "-q")
    assert loud.exit_code == quiet.exit_code == 0, loud.output + quiet.output
    assert "preparing long.txt" in loud.stderr and "preparing" not in loud.stdout
    assert "preparing" not in quiet.stderr
    assert loud.stdout == quiet.stdout and len(loud.stdout.splitlines()) == 12


def test_switching_progress_off_disables_every_bar_until_switched_back():
    previous = set_progress(False)
    try:
        assert progress_bar(10, "x").disable and not progress_enabled()
    finally:
        set_progress(previous)
    assert not progress_bar(10, "x").disable
    assert progress_bar(10, "x", enabled=False).disable


def test_busy_shows_its_line_on_stderr_unless_progress_is_off(capsys):
    from translate.progress import busy

    with busy("aligning 3 x 4 sentences", after=0):
        pass
    assert "aligning 3 x 4 sentences" in capsys.readouterr().err
    previous = set_progress(False)
    try:
        with busy("aligning 3 x 4 sentences", after=0):
            pass
    finally:
        set_progress(previous)
    assert capsys.readouterr().err == ""


def test_ticking_redraws_a_bar_between_slow_updates():
    import threading

    from translate.progress import ticking

    class Bar:
        disable = False

        def __init__(self):
            self.redrawn = threading.Event()

        def refresh(self):
            self.redrawn.set()

    bar = Bar()
    with ticking(bar):
        assert bar.redrawn.wait(timeout=30)  # no update came, yet the clock redrew it
