"""A copy of the reference among the sources is left out with a note, not compared with itself (issue 16)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from xling.cli import main
from xling.pipeline.inputs import load_inputs

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
REFERENCE = SEEDS / "002_ade6ea3ef36ce7e0.txt"
GERMAN = SEEDS / "001_2959add6671d93e8.txt"


def _copy(tmp_path: Path, variant: str) -> Path:
    """The reference's text written again as `variant` says, in a folder of sources beside a German article."""
    folder = tmp_path / "sources"
    folder.mkdir()
    shutil.copy(GERMAN, folder / GERMAN.name)
    text = REFERENCE.read_text(encoding="utf-8")
    if variant == "crlf":
        text = text.replace("\n", "\r\n")
    elif variant == "spacing":
        text = "\n\n" + text.replace(". ", ".   ").replace("\n", "  \n\n") + "\n\n\n"
    (folder / "reference-copy.txt").write_text(text, encoding="utf-8", newline="")
    return folder


@pytest.mark.parametrize("variant", ["same bytes", "crlf", "spacing"])
def test_a_copy_of_the_reference_is_skipped_with_a_note(tmp_path, variant):
    notes: list[str] = []
    [ref], docs = load_inputs(_copy(tmp_path, variant), [REFERENCE], log=notes.append)
    assert [d.doc_id for d in docs] == [GERMAN.name]
    [note] = notes
    assert "reference-copy.txt" in note and ref.doc_id in note and "not compared with itself" in note


def test_the_reference_file_in_the_sources_folder_is_left_out_without_a_note(tmp_path):
    folder = tmp_path / "sources"
    folder.mkdir()
    for path in (GERMAN, REFERENCE):
        shutil.copy(path, folder / path.name)
    notes: list[str] = []
    _, docs = load_inputs(folder, [folder / REFERENCE.name], log=notes.append)
    assert [d.doc_id for d in docs] == [GERMAN.name] and notes == []


def test_an_english_source_that_differs_from_the_reference_is_kept(tmp_path):
    from translate.prepare import load_document

    sentence = load_document(REFERENCE).sentences[5].text
    edited = tmp_path / "edited.txt"
    edited.write_text(REFERENCE.read_text(encoding="utf-8").replace(sentence, ""), encoding="utf-8")  # one claim less
    notes: list[str] = []
    _, docs = load_inputs([edited], [REFERENCE], log=notes.append)
    assert [d.doc_id for d in docs] == ["edited.txt"] and notes == []


def test_compare_with_only_a_copy_says_so_and_stops(tmp_path):
    copy = tmp_path / "copy.txt"
    shutil.copy(REFERENCE, copy)
    res = CliRunner().invoke(main, ["compare", str(copy), "-r", str(REFERENCE), "--quiet"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "Skipped" in res.stderr and "not compared with itself" in res.stderr


def test_a_corpus_job_skips_copies_of_any_of_its_references(tmp_path):
    """Several references (a corpus job): a copy of either one, in other line endings or spacing, is skipped."""
    from translate.errors import InputError
    from xling.batch.engine import run_corpus

    second = tmp_path / "second-reference.txt"
    second.write_text("Cuba and China signed a trade agreement on Monday. Both sides praised it.\n", encoding="utf-8")
    crlf = _copy(tmp_path, "crlf")
    (crlf / GERMAN.name).unlink()  # only copies left, so the job stops before any model loads
    (crlf / "second-copy.txt").write_text("  Cuba and China signed a trade agreement on Monday.\n\nBoth sides "
                                          "praised it.  \n", encoding="utf-8")
    notes: list[str] = []
    with pytest.raises(InputError, match="No source documents"):
        run_corpus([crlf], [REFERENCE, second], progress=False, log=notes.append)
    assert sorted(notes) == sorted([
        "Skipped reference-copy.txt: it holds the same text as the reference 002_ade6ea3ef36ce7e0.txt, so it is not "
        "compared with itself.",
        "Skipped second-copy.txt: it holds the same text as the reference second-reference.txt, so it is not "
        "compared with itself.",
    ])


def test_text_key_ignores_line_endings_and_spacing_only():
    from xling.pipeline.inputs import text_key

    text = REFERENCE.read_text(encoding="utf-8")
    assert text_key(text) == text_key(text.replace("\n", "\r\n")) == text_key("\n " + text.replace(" ", "  "))
    assert text_key(text) != text_key(text.replace("Cuba", "Kuba", 1))
    assert text_key(text) != text_key(GERMAN.read_text(encoding="utf-8"))
