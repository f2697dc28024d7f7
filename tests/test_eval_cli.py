"""`xling eval claims|align|compare` round trips through click's CliRunner, and the claims plot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from eval.claims_metrics import normalize, read_gold
from eval.results import write_result
from xling.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "data" / "claims_gold.jsonl"
REFERENCE = ROOT / "seeds" / "002_ade6ea3ef36ce7e0.txt"


def _sentence_with(span: str, sentences: list[str]) -> str:
    return next(s for s in sentences if normalize(span) in normalize(s))


@pytest.fixture(scope="module")
def seed_sentences(seeds_dir: Path) -> dict[str, list[str]]:
    from translate.prepare import load_document

    return {p.name: load_document(p).texts() for p in seeds_dir.glob("*.txt")}


def _gold_matches(seed_sentences: dict[str, list[str]]) -> list[dict]:
    """matches.jsonl rows naming exactly the gold pairs (what a perfect matcher would write)."""
    rows = []
    for g in read_gold(GOLD):
        rows.append({
            "source": g.source, "source_lang": "xx", "source_index": 0,
            "source_text": _sentence_with(g.source_span, seed_sentences[g.source]), "translation": None,
            "reference_index": 0, "reference_text": _sentence_with(g.reference_span, seed_sentences[REFERENCE.name]),
            "score": 0.9,
        })
    return rows


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_claims_perfect_then_one_false_positive(tmp_path: Path, seed_sentences) -> None:
    rows = _gold_matches(seed_sentences)
    runner = CliRunner()
    perfect = _write_jsonl(tmp_path / "perfect.jsonl", rows)
    res = runner.invoke(main, ["eval", "claims", str(perfect), str(GOLD), "-r", str(REFERENCE), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["precision"] == 1.0 and data["recall"] == 1.0 and data["gold"] == len(read_gold(GOLD))

    wrong = dict(rows[0], reference_text=seed_sentences[REFERENCE.name][-1])  # the Sinopharm sentence
    noisy = _write_jsonl(tmp_path / "noisy.jsonl", rows[1:] + [wrong])
    res = runner.invoke(main, ["eval", "claims", str(noisy), str(GOLD), "-r", str(REFERENCE)])
    assert res.exit_code == 0, res.output
    first = res.output.splitlines()[1].split()
    assert first[:2] == ["all", "(micro)"]
    n = len(rows)
    assert float(first[2]) == pytest.approx((n - 1) / n, abs=1e-3)  # precision
    assert float(first[3]) < 1.0  # recall: the replaced row's gold line may still be hit by another row


def test_claims_stale_gold_exits_2(tmp_path: Path, seed_sentences) -> None:
    gold = tmp_path / "gold.jsonl"
    _write_jsonl(gold, [{"source": "003_25baae2a21a7165f.txt", "source_span": "this span is in no sentence",
                         "reference_span": "Cuba firmly upholds the one-China principle", "note": ""}])
    matches = _write_jsonl(tmp_path / "m.jsonl", _gold_matches(seed_sentences))
    res = CliRunner().invoke(main, ["eval", "claims", str(matches), str(gold), "-r", str(REFERENCE)])
    assert res.exit_code == 2
    assert "stale" in res.output and "Traceback" not in res.output


def _is_png(path: Path) -> bool:
    return path.stat().st_size > 10_000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_claims_plot_rescores_candidates_with_the_matcher(tmp_path: Path, seed_sentences, monkeypatch) -> None:
    import eval.plots
    from align.claims import ClaimMatcher

    drawn = {}
    original = eval.plots.plot_claims

    def spy(*args, **kwargs):
        drawn.update(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(eval.plots, "plot_claims", spy)
    matches = _write_jsonl(tmp_path / "m.jsonl", _gold_matches(seed_sentences))
    png = tmp_path / "plot.png"
    res = CliRunner().invoke(main, ["eval", "claims", str(matches), str(GOLD), "-r", str(REFERENCE), "--plot", str(png)])
    assert res.exit_code == 0, res.output
    assert _is_png(png)
    # Both of the matcher's cuts are marked: the match threshold and, below it, where possible matches start.
    matcher = ClaimMatcher(similarity="hybrid")
    assert drawn["threshold"] == matcher.threshold_for(False)
    assert drawn["possible"] == matcher.possible_threshold_for(False) < drawn["threshold"]


def test_claims_plot_from_a_candidates_file(tmp_path: Path, seed_sentences) -> None:
    rows = _gold_matches(seed_sentences)
    matches = _write_jsonl(tmp_path / "m.jsonl", rows)
    runner = CliRunner()
    png = tmp_path / "plot.png"
    # Candidates: every (source sentence, reference sentence) pair of 003, gold ones scored higher on average.
    ref = seed_sentences[REFERENCE.name]
    gold_pairs = {(r["source_text"], r["reference_text"]) for r in rows}
    cands = []
    for k, s in enumerate(seed_sentences["003_25baae2a21a7165f.txt"]):
        for j, t in enumerate(ref):
            score = (0.7 if (s, t) in gold_pairs else 0.3) + ((k * 7 + j * 3) % 10) / 40
            cands.append({"source": "003_25baae2a21a7165f.txt", "source_text": s, "reference_text": t, "score": score})
    cand_file = _write_jsonl(tmp_path / "c.jsonl", cands)
    res = runner.invoke(main, ["eval", "claims", str(matches), str(GOLD), "-r", str(REFERENCE),
                               "--candidates", str(cand_file), "--threshold", "0.6", "--plot", str(png)])
    assert res.exit_code == 0, res.output
    assert _is_png(png)


def test_align_round_trip(tmp_path: Path) -> None:
    gold = tmp_path / "gold.ladder"
    pred = tmp_path / "pred.ladder"
    gold.write_text("[0]:[0]\n[1]:[1]\n[2, 3]:[2]\n", encoding="utf-8")
    pred.write_text("[0]:[0]\n[1]:[2]\n[2, 3]:[2]\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["eval", "align", str(pred), str(gold), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["strict"]["precision"] == pytest.approx(2 / 3)
    assert data["strict"]["recall"] == pytest.approx(2 / 3)
    res = CliRunner().invoke(main, ["eval", "align", str(pred), str(gold)])
    assert res.exit_code == 0 and "strict" in res.output and "lax" in res.output


def test_compare_records(tmp_path: Path) -> None:
    a = write_result("eval-x", {"all": {"f1": 0.5, "precision": 0.4}}, {"threshold": 0.6}, results_dir=tmp_path / "a")
    b = write_result("eval-x", {"all": {"f1": 0.75, "precision": 0.4}}, {"threshold": 0.7}, results_dir=tmp_path / "b")
    runner = CliRunner()
    res = runner.invoke(main, ["eval", "compare", str(a), str(b)])
    assert res.exit_code == 0, res.output
    f1 = next(line for line in res.output.splitlines() if line.startswith("metrics.all.f1"))
    assert f1.split()[1:] == ["0.5", "0.75", "+0.25"]
    assert "settings.threshold" in res.output and "versions.sacrebleu" in res.output
    res = runner.invoke(main, ["eval", "compare", str(a), str(b), "--changed"])
    assert "metrics.all.precision" not in res.output and "metrics.all.f1" in res.output
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    res = runner.invoke(main, ["eval", "compare", str(a), str(bad)])
    assert res.exit_code == 2 and "not a run record" in res.output


def test_compare_records_of_different_kinds_says_so(tmp_path: Path) -> None:
    a = write_result("eval-align", {"strict": {"f1": 0.5}}, {}, results_dir=tmp_path)
    b = write_result("bench-batch", {"docs_per_s": 3.0}, {}, results_dir=tmp_path)
    res = CliRunner().invoke(main, ["eval", "compare", str(a), str(b)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    [line] = res.stderr.splitlines()
    assert "different kinds" in line and "eval-align" in line and "bench-batch" in line
