"""The parallel aligner's DP on hand-made cases, with a deterministic fake scorer (no embeddings)."""

from __future__ import annotations

import numpy as np
import pytest

from align.formats import format_beads
from align.parallel import Bead, ParallelAligner, _best_chain
from align.embedders import Embedder
from align.scorers import EmbeddingScorer, PairScorer, Scorer
from eval.align_metrics import parse_bead
from translate.errors import InputError


class _ConceptPairs(PairScorer):
    """Spans score by the overlap of the 'concepts' their sentences carry (Jaccard of concept sets)."""

    def __init__(self, src: list[str], tgt: list[str]) -> None:
        # Tokens without letters ("....." or "- _-") carry no concept, as they carry no meaning for a real scorer.
        self.src = [{w for w in s.split() if any(c.isalpha() for c in w)} for s in src]
        self.tgt = [{w for w in t.split() if any(c.isalpha() for c in w)} for t in tgt]
        self.n_src, self.n_tgt = len(src), len(tgt)

    def beads(self, s0, sl, t0, tl):
        """Jaccard overlap of the concept sets of both spans."""
        out = []
        for a, la, b, lb in zip(np.asarray(s0), np.asarray(sl), np.asarray(t0), np.asarray(tl)):
            x = set().union(*self.src[a:a + la])
            y = set().union(*self.tgt[b:b + lb])
            out.append(len(x & y) / len(x | y) if x | y else 0.0)
        return np.array(out, dtype=float)

    def margins(self, s0, sl, t0, tl):
        """The overlaps themselves."""
        return self.beads(s0, sl, t0, tl)


class ConceptScorer(Scorer):
    """A fake scorer that reads space-separated concept tokens; translations are ignored."""

    name = "concepts"

    def prepare(self, src, tgt, src_translations=None, candidates=None) -> PairScorer:
        """Wrap the texts."""
        return _ConceptPairs(list(src), list(tgt))

    def signature(self) -> str:
        """Fixture id."""
        return "concepts"


def _align(src, tgt, **kw):
    return [(list(b.src), list(b.tgt)) for b in ParallelAligner(scorer=ConceptScorer(), **kw).align(src, tgt)]


def _covers(beads, n, m):
    assert [i for s, _ in beads for i in s] == list(range(n))
    assert [j for _, t in beads for j in t] == list(range(m))


def test_one_to_one():
    src = ["a1 a2", "b1 b2", "c1 c2", "d1 d2"]
    assert _align(src, list(src)) == [([0], [0]), ([1], [1]), ([2], [2]), ([3], [3])]


def test_letterless_lines_are_left_unaligned_rather_than_glued_to_a_bead():
    # Long sentences, so gluing the debris on barely changes a bead's length ratio, as in real text.
    src = [" ".join(f"{w}{k:02d}" for k in range(80)) for w in "abc"]
    tgt = src[:2] + ["....."] + src[2:]  # OCR debris between two sentences
    assert _align(src, tgt) == [([0], [0]), ([1], [1]), ([], [2]), ([2], [3])]
    assert _align(tgt, src) == [([0], [0]), ([1], [1]), ([2], []), ([3], [2])]  # the same on the source side
    assert len(_align(tgt, src, letterless_skip=1.0)) == 3
    # At the full skip cost, attaching it (merge 0.5) is cheaper than leaving it alone (skip 1.0).
    glued = _align(src, tgt, letterless_skip=1.0)
    assert ([], [2]) not in glued and len(glued) == 3


def test_insertion_and_deletion():
    src = ["a1 a2", "b1 b2", "x1 x2", "c1 c2"]  # x has no counterpart
    tgt = ["a1 a2", "y1 y2", "b1 b2", "c1 c2"]  # nor has y
    beads = _align(src, tgt)
    _covers(beads, 4, 4)
    assert ([0], [0]) in beads and ([1], [2]) in beads and ([3], [3]) in beads
    assert ([2], []) in beads and ([], [1]) in beads


def test_merges_one_two_and_two_one():
    src = ["a1 a2", "b1 b2 c1 c2", "d1 d2", "e1 e2", "f1 f2"]
    tgt = ["a1 a2", "b1 b2", "c1 c2", "d1 d2 e1 e2", "f1 f2"]
    beads = _align(src, tgt)
    assert beads == [([0], [0]), ([1], [1, 2]), ([2, 3], [3]), ([4], [4])]


def test_two_two_when_boundaries_cross():
    # Each 1-1 pair shares only a third of its concepts; only the 2-2 bead matches fully.
    src = ["a1 b1", "a2 b2", "d1 d2"]
    tgt = ["a1 a2", "b1 b2", "d1 d2"]
    beads = _align(src, tgt)
    assert beads[0] == ([0, 1], [0, 1]) and beads[-1] == ([2], [2])


def test_narrow_window_still_covers_a_long_gap():
    # A block of 12 target-only lines in the middle: the band must still reach across it.
    src = [f"s{i} t{i}" for i in range(10)]
    tgt = src[:5] + [f"junk{k} z{k}" for k in range(12)] + src[5:]
    beads = _align(src, tgt, window=2)
    _covers(beads, 10, 22)
    assert ([5], [17]) in beads and ([4], [4]) in beads


class _OneHotWords(Embedder):
    """A fake embedder: one dimension per word, so sentences sharing no word are orthogonal."""

    name = "onehot"

    def _encode(self, texts):
        vocab = {w: k for k, w in enumerate(sorted({w for t in texts for w in t.split()}))}
        out = np.full((len(texts), len(vocab) + 1), 0.05, dtype=np.float32)
        for r, t in enumerate(texts):
            for w in t.split():
                out[r, vocab[w]] += 1.0
        return out


def test_repeated_blocks_still_get_anchors():
    # Six blocks recur five times in a shuffled order, with a unique line after every fourth block: every
    # block sentence has four exact copies elsewhere, so its global margin is ~1 and only the unique lines
    # become global anchors; the gap search must find the rest locally.
    rng = np.random.default_rng(0)
    blocks = [[f"b{b}s{k} b{b}w{k}" for k in range(5)] for b in range(6)]
    order = np.concatenate([rng.permutation(6) for _ in range(5)])
    doc = []
    for n, b in enumerate(order):
        doc += blocks[b] + ([f"unique{n} line{n}"] if n % 4 == 3 else [])
    aligner = ParallelAligner(scorer=EmbeddingScorer(_OneHotWords()), window=4)
    scorer = aligner._scorer(False)

    def widest_gap(anchors):
        return int(np.diff(np.r_[-1, anchors[:, 0], len(doc)]).max()) - 1

    global_only = ParallelAligner(scorer=scorer, window=len(doc))  # no gap is wider than twice its window
    assert widest_gap(global_only._anchors(scorer, doc, doc, None)) > 2 * aligner.window
    anchors = aligner._anchors(scorer, doc, doc, None)
    assert widest_gap(anchors) <= 2 * aligner.window and all(i == j for i, j in anchors.tolist())
    assert [(b.src, b.tgt) for b in aligner.align(doc, doc)] == [((k,), (k,)) for k in range(len(doc))]


def test_empty_and_tiny_inputs():
    assert _align([], []) == []
    assert _align(["a1"], []) == [([0], [])]
    assert _align([], ["a1", "b1"]) == [([], [0]), ([], [1])]
    assert _align(["a1 a2"], ["a1 a2"]) == [([0], [0])]


def test_very_unequal_lengths():
    tgt = [f"w{k} v{k}" for k in range(3000)]
    src = [tgt[10], tgt[1500], tgt[2990]]
    beads = _align(src, tgt)
    _covers(beads, 3, 3000)
    assert ([0], [10]) in beads and ([1], [1500]) in beads and ([2], [2990]) in beads


def test_translation_line_count_must_match():
    with pytest.raises(InputError, match="must match"):
        ParallelAligner(scorer=ConceptScorer()).align(["a", "b"], ["a"], src_translations=["x"])


def test_bad_bead_type():
    with pytest.raises(InputError):
        ParallelAligner(scorer=ConceptScorer(), beads=((0, 1),)).align(["a"], ["a"])


def test_best_chain_is_increasing_and_heaviest():
    i = np.array([0, 0, 1, 2, 2, 3])
    j = np.array([0, 5, 1, 2, 0, 3])
    w = np.array([1.0, 0.5, 1.0, 1.0, 3.0, 1.0])
    chain = _best_chain(i, j, w).tolist()
    # (2,0) weighs 3 but only (2,0)->(3,3) follows it (total 4) vs (0,0)(1,1)(2,2)(3,3) = 4: ties keep either,
    # and the chain is strictly increasing in both coordinates.
    assert all(a[0] < b[0] and a[1] < b[1] for a, b in zip(chain, chain[1:]))
    assert sum(w[[k for k in range(len(i)) if [i[k], j[k]] in chain]]) == pytest.approx(4.0)


def test_formats_round_trip():
    beads = [Bead((0, 1), (0,), 0.9), Bead((), (1,)), Bead((2,), (), 0.0)]
    ladder = format_beads(beads, "ladder")
    assert ladder == "[0, 1]:[0]\n[]:[1]\n[2]:[]\n"
    assert [parse_bead(line) for line in ladder.splitlines()] == [([0, 1], [0]), ([], [1]), ([2], [])]
    tsv = format_beads(beads, "tsv", ["A", "B\tb", "C"], ["X", "Y"]).splitlines()
    assert tsv[0].split("\t")[0] == "src_ids" and tsv[1].split("\t") == ["0,1", "0", "0.9000", "A B b", "X"]
    import json

    rows = [json.loads(line) for line in format_beads(beads, "jsonl", ["A", "B", "C"], ["X", "Y"]).splitlines()]
    assert rows[0] == {"src": [0, 1], "tgt": [0], "score": 0.9, "src_text": "A B", "tgt_text": "X"}
    with pytest.raises(InputError):
        format_beads(beads, "xml")


class _TemperedPairs(_ConceptPairs):
    """Concept overlap (within [0.01, 0.99]) with its log-odds multiplied by `k`: the same ranking on another scale."""

    def __init__(self, src: list[str], tgt: list[str], k: float) -> None:
        super().__init__(src, tgt)
        self.k = k

    def beads(self, s0, sl, t0, tl):
        """sigmoid(k * logit(overlap))."""
        p = np.clip(super().beads(s0, sl, t0, tl), 0.01, 0.99)
        return 1 / (1 + ((1 - p) / p) ** self.k)


class _TemperedConcepts(ConceptScorer):
    """ConceptScorer on the log-odds scale `k`."""

    def __init__(self, k: float) -> None:
        self.k = k

    def prepare(self, src, tgt, src_translations=None, candidates=None) -> PairScorer:
        """Wrap the texts."""
        return _TemperedPairs(list(src), list(tgt), self.k)


def _tempered_doc() -> tuple[list[str], list[str]]:
    """30 parallel sentences with, in the middle, a source and a target sentence that share one concept in five."""
    src = [f"s{i}a s{i}b s{i}c" for i in range(30)]
    tgt = list(src)
    src[15], tgt[15] = "x1 x2 shared", "y1 y2 shared"  # Jaccard 1/5
    return src, tgt


def test_auto_skip_follows_the_scale_of_the_scorer():
    # Stretching every log-odds by 2.5 changes nothing but the scale; a fixed skip price then flips the middle
    # pair from aligned to skipped, while the auto price, drawn from the scorer's own values, moves with it.
    src, tgt = _tempered_doc()

    def beads(k, **kw):
        aligner = ParallelAligner(scorer=_TemperedConcepts(k), merge=0.0, **kw)
        return [(list(b.src), list(b.tgt)) for b in aligner.align(src, tgt)]

    assert ([15], [15]) in beads(1.0)
    assert ([15], []) in beads(2.5) and ([], [15]) in beads(2.5)
    auto = beads(1.0, skip="auto")
    assert auto == beads(2.5, skip="auto") and ([15], [15]) in auto
    _covers(auto, 30, 30)


def test_auto_skip_never_pays_for_skipping():
    # The 100th percentile of sampled values is a true pair's (positive); as a price it would reward leaving
    # everything unaligned, so it is capped at zero.
    src = [f"w{k}a w{k}b" for k in range(20)]
    beads = _align(src, list(src), skip="auto", skip_percentile=100.0)
    assert beads == [([k], [k]) for k in range(20)]


def test_bad_skip_settings_are_input_errors():
    with pytest.raises(InputError, match="skip cost"):
        ParallelAligner(scorer=ConceptScorer(), skip="adaptive").align(["a1"], ["a1"])
    with pytest.raises(InputError, match="percentile"):
        ParallelAligner(scorer=ConceptScorer(), skip="auto", skip_percentile=120).align(["a1"], ["a1"])


def test_signature_is_structured_versioned_and_true():
    import json
    from importlib.metadata import version

    emb = _OneHotWords()
    aligner = ParallelAligner(embedder=emb)
    with_mt, without = aligner.signature(True), aligner.signature(False)
    # Without a translation the hybrid aligner scores with embeddings alone, and says so.
    assert with_mt.as_dict()["scorer"]["kind"] == "hybrid" and without.as_dict()["scorer"]["kind"] == "embedding"
    assert with_mt.as_dict()["version"] == version("xling") and with_mt.format(short=True).endswith(f"|v:{version('xling')}")
    assert json.loads(json.dumps(with_mt.as_dict())) == with_mt.as_dict()
    assert "skip_percentile" not in with_mt.as_dict()
    auto = ParallelAligner(embedder=emb, skip="auto", skip_percentile=60.0).signature().as_dict()
    assert auto["skip"] == "auto" and auto["skip_percentile"] == 60.0
    assert ParallelAligner(scorer=ConceptScorer()).signature().as_dict()["scorer"] == "concepts"
