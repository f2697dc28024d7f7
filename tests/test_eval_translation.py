"""Translation metrics: hand-computed values, agreement with the sacrebleu command, and `xling eval translation`."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from eval.translation_metrics import TranslationScorer, check_lengths, read_lines
from translate.errors import InputError
from xling.cli import main

SACREBLEU = Path(sys.executable).parent / "sacrebleu"

REF = [
    "The interior ministers of Cuba and China met in Beijing on Friday.",
    "China is willing to deepen cooperation with Cuba.",
    "Both sides signed several documents.",
    "Xi said the two countries should coordinate closely.",
]
HYP = [
    "The interior ministers of Cuba and China met on Friday in Beijing.",
    "China wants to deepen its cooperation with Cuba.",
    "The two sides signed documents.",
    "Xi said both countries should closely coordinate.",
]
HYP2 = [
    "Cuban and Chinese ministers met in Beijing.",
    "China is ready to deepen cooperation with Cuba.",
    "Both sides signed several documents.",
    "Xi said the two countries must coordinate.",
]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "ref": _write(tmp_path / "ref.txt", REF),
        "hyp": _write(tmp_path / "hyp.txt", HYP),
        "hyp2": _write(tmp_path / "hyp2.txt", HYP2),
    }


def _by_name(scores) -> dict[str, float]:
    return {s.name: s.score for s in scores}


def test_bleu_and_ter_hand_computed() -> None:
    # 1-4 gram precisions 3/4, 2/3, 1/2 and 0/1; exp smoothing turns the zero into 100/(2*1) = 50; BP = 1.
    scores = _by_name(TranslationScorer(["bleu", "ter"]).corpus_score(["a b c d"], [["a b c e"]]))
    expected = math.exp((math.log(75) + math.log(200 / 3) + math.log(50) + math.log(50)) / 4)
    assert scores["BLEU"] == pytest.approx(expected, abs=1e-6)  # 59.46
    assert scores["TER"] == pytest.approx(25.0)  # one substitution over four reference words


def test_chrf_plus_plus_hand_computed() -> None:
    # chars: order 1 P=2/2 R=2/3, order 2 P=1/1 R=1/2; words: order 1 P=R=0; other orders absent on a side.
    # Averages P=2/3, R=7/18; F2 = 5PR/(4P+R) = 630/1485.
    scores = _by_name(TranslationScorer(["chrf"]).corpus_score(["ab"], [["abc"]]))
    assert scores["chrF2++"] == pytest.approx(100 * 630 / 1485, abs=1e-6)


def test_identical_and_disjoint() -> None:
    scorer = TranslationScorer()
    same = _by_name(scorer.corpus_score(REF, [REF]))
    assert same == {"BLEU": pytest.approx(100.0), "chrF2++": pytest.approx(100.0), "TER": pytest.approx(0.0)}
    other = _by_name(scorer.corpus_score(["xyz qqq"], [["abc def"]]))
    assert other["BLEU"] == pytest.approx(0.0, abs=1e-6) and other["chrF2++"] == pytest.approx(0.0)


def test_length_mismatch_is_an_input_error() -> None:
    with pytest.raises(InputError, match="3 lines but .* has 4"):
        check_lengths(HYP[:3], [REF], names=["hyp.txt", "ref.txt"])
    with pytest.raises(InputError):
        TranslationScorer().corpus_score(HYP, [REF[:2]])
    with pytest.raises(InputError, match="no lines"):
        TranslationScorer().corpus_score([], [[]])


def test_unknown_metric_rejected() -> None:
    with pytest.raises(InputError, match="Unknown metric"):
        TranslationScorer(["meteor"])


def test_read_lines_strips_trailing_whitespace(tmp_path: Path) -> None:
    p = tmp_path / "x.txt"
    p.write_bytes("one  \r\ntwo\n".encode())
    assert read_lines(p) == ["one", "two"]
    with pytest.raises(InputError):
        read_lines(tmp_path / "missing.txt")


def _sacrebleu_json(*args: str) -> list[dict]:
    out = subprocess.run([str(SACREBLEU), *args], capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    return data if isinstance(data, list) else [data]


@pytest.mark.skipif(not SACREBLEU.exists(), reason="sacrebleu command not installed in the venv")
def test_corpus_scores_equal_sacrebleu_cli(files) -> None:
    cli = _sacrebleu_json(
        str(files["ref"]), "-i", str(files["hyp"]), "-m", "bleu", "chrf", "ter", "--chrf-word-order", "2", "-w", "6"
    )
    ours = TranslationScorer().corpus_score(read_lines(files["hyp"]), [read_lines(files["ref"])])
    assert len(cli) == len(ours) == 3
    for theirs, mine in zip(sorted(cli, key=lambda d: d["name"]), sorted(ours, key=lambda s: s.name)):
        assert theirs["name"] == mine.name
        assert theirs["signature"] == mine.signature
        assert theirs["score"] == pytest.approx(mine.score, abs=1e-5)


@pytest.mark.skipif(not SACREBLEU.exists(), reason="sacrebleu command not installed in the venv")
def test_two_references_equal_sacrebleu_cli(files) -> None:
    cli = _sacrebleu_json(str(files["ref"]), str(files["hyp2"]), "-i", str(files["hyp"]), "-m", "bleu", "chrf", "ter",
                          "--chrf-word-order", "2", "-w", "6")
    refs = [read_lines(files["ref"]), read_lines(files["hyp2"])]
    ours = {s.name: s for s in TranslationScorer().corpus_score(read_lines(files["hyp"]), refs)}
    for theirs in cli:
        assert "nrefs:2" in theirs["signature"] and theirs["signature"] == ours[theirs["name"]].signature
        assert theirs["score"] == pytest.approx(ours[theirs["name"]].score, abs=1e-5)


@pytest.mark.skipif(not SACREBLEU.exists(), reason="sacrebleu command not installed in the venv")
def test_sentence_scores_equal_sacrebleu_cli(files) -> None:
    sent = TranslationScorer(["bleu", "chrf"]).sentence_scores(read_lines(files["hyp"]), [read_lines(files["ref"])])
    for metric, name, extra in [("bleu", "BLEU", []), ("chrf", "chrF2++", ["--chrf-word-order", "2"])]:
        out = subprocess.run(
            [str(SACREBLEU), str(files["ref"]), "-i", str(files["hyp"]), "-m", metric, *extra, "-sl", "-w", "6", "-f", "text"],
            capture_output=True, text=True, check=True,
        ).stdout.splitlines()
        assert len(out) == len(HYP)
        for line, row in zip(out, sent.rows):
            head, _, value = line.partition(" = ")
            assert head == f"{name}|{sent.signatures[name]}"
            assert float(value.split()[0]) == pytest.approx(row[name], abs=1e-5)


@pytest.mark.skipif(not SACREBLEU.exists(), reason="sacrebleu command not installed in the venv")
def test_paired_bootstrap_equals_sacrebleu_cli(files) -> None:
    results = TranslationScorer(["bleu", "chrf"]).paired_bootstrap(
        [("hyp", read_lines(files["hyp"])), ("hyp2", read_lines(files["hyp2"]))], [read_lines(files["ref"])], n_samples=200
    )
    # sacrebleu's JSON output of paired tests crashes (float32), so its text table is parsed instead.
    table = subprocess.run(
        [str(SACREBLEU), str(files["ref"]), "-i", str(files["hyp"]), str(files["hyp2"]), "-m", "bleu", "chrf",
         "--chrf-word-order", "2", "--paired-bs", "--paired-bs-n", "200", "-w", "4", "-f", "text", "--no-color"],
        capture_output=True, text=True, check=True,
    ).stdout
    rows = [line for line in table.splitlines() if "hyp2.txt" in line]
    scores = [float(x) for x in re.findall(r"(\d+\.\d+) \(", rows[0])]
    p_values = [float(x) for x in re.findall(r"p = (\d+\.\d+)", table)]
    for k, name in enumerate(["BLEU", "chrF2++"]):
        mine = next(r for r in results if r.metric == name)
        assert mine.p_values[0] is None and 0 < mine.p_values[1] <= 1
        assert mine.scores[1] == pytest.approx(scores[k], abs=1e-3)
        assert mine.p_values[1] == pytest.approx(p_values[k], abs=1e-4)


def test_cli_translation_round_trip(files) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["eval", "translation", str(files["hyp"]), str(files["ref"])])
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert [line.split("|")[0] for line in lines] == ["BLEU", "chrF2++", "TER"]
    assert all("version:" in line and " = " in line for line in lines)

    res = runner.invoke(main, ["eval", "translation", str(files["hyp"]), str(files["ref"]), "--sentences", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert len(data["sentences"]["scores"]) == len(HYP)
    assert {d["name"] for d in data["corpus"]} == {"BLEU", "chrF2++", "TER"}


def test_cli_paired_compare(files) -> None:
    res = CliRunner().invoke(
        main, ["eval", "translation", str(files["hyp"]), str(files["ref"]), "--compare", str(files["hyp2"]),
               "--metric", "bleu", "--bootstrap", "100"],
    )
    assert res.exit_code == 0, res.output
    assert "baseline: " in res.output and "p=" in res.output and "bs:100" in res.output


def test_cli_line_mismatch_exits_2(files, tmp_path: Path) -> None:
    short = _write(tmp_path / "short.txt", HYP[:2])
    res = CliRunner().invoke(main, ["eval", "translation", str(short), str(files["ref"])])
    assert res.exit_code == 2
    assert "2 lines" in res.output and "Traceback" not in res.output
