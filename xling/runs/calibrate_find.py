"""Fit the calibration of `xling find` scores on hand-labelled claim queries over the seeds; print the constants.

Each query is a short English claim; its positives are the seed sentences (any language) that state it, and a few
borderline sentences are left out of the fit. The features are those `xling.pipeline.find.features` computes; cross-lingual
channels (non-English originals) and same-language ones (English texts and translations) are fitted apart. It prints
the weights and the leave-one-query-out precision and recall per cut; `--write` writes the weights to the file
`xling.pipeline.find` loads (xling/pipeline/data/find_calibration.json), with how they were made.

    .venv/bin/python -m xling.runs.calibrate_find [--write]
"""

from __future__ import annotations

import argparse

import numpy as np

from align.calibration import write_calibration
from align.numerics import fit_logistic, predict_logistic
from eval.prf import prf_at

# (claim, {seed prefix: positive sentence indices}, {seed prefix: borderline indices left out of the fit})
LABELS: list[tuple[str, dict[str, list[int]], dict[str, list[int]]]] = [
    ("community with a shared future", {"000": [3, 7, 9, 20, 21]}, {"000": [14, 23]}),
    ("Cuba upholds the one-China principle", {"002": [23], "003": [10]}, {}),
    ("China-Cuba relations are a model for developing countries", {"002": [9], "003": [4], "000": [14]}, {}),
    ("Chinese military bases in Cuba", {"000": [28, 29, 30]}, {"000": [31]}),
    ("solar power plants donated by China", {"000": [25, 26, 27]}, {"000": [24]}),
    ("three evils: terrorism, separatism and extremism", {"001": [5, 6]}, {}),
    ("Xi's first trip abroad since the pandemic", {"001": [1]}, {}),
    ("China supplies vaccines to Cuba", {"002": [20, 27, 29]}, {"002": [28]}),
    ("Díaz-Canel was the first Latin American leader to visit China after the 20th Party Congress",
     {"003": [2, 7]}, {}),
    ("Cuba was the first Latin American country to establish diplomatic relations with China", {"003": [3]}, {}),
    ("the two countries signed cooperation documents including the Belt and Road", {"003": [11]}, {"003": [10]}),
    ("Beijing is accused of detaining Uyghurs in Xinjiang", {"001": [7]}, {}),
    ("interior ministers of Cuba and China met in Beijing", {"000": [0]}, {"000": [1]}),
    ("Cuba will deepen coordination with China", {"002": [22], "003": [10], "000": [4]}, {}),
]


def dataset(seeds: str = "seeds") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows, labels and query ids over every seed sentence for every labelled query."""
    from translate.prepare import load_documents
    from xling.pipeline.find import channel_features, query_vector

    from eval.reference_mt import reference_translations

    docs = load_documents(seeds)
    # Both channels `xling find` scores: the originals, and English translations of the non-English seeds (the
    # human references stand in for MT here) scored as English documents.
    channels = [(doc, doc.texts(), doc.lang) for doc in docs]
    channels += [(doc, reference_translations(doc), "en") for doc in docs if doc.lang != "en"]
    rows, labels, groups = [], [], []
    for qi, (claim, pos, skip) in enumerate(LABELS):
        qvec = query_vector(claim)
        for doc, texts, lang in channels:
            key = doc.doc_id[:3]
            feats = channel_features(claim, qvec, "en", texts, lang)
            for i, row in enumerate(feats):
                if i in skip.get(key, ()):
                    continue
                rows.append(row)
                labels.append(int(i in pos.get(key, ())))
                groups.append(qi)
    return np.array(rows, dtype=np.float64), np.array(labels), np.array(groups)


# L2 penalty per sentence-query pair on standardised features: the penalty grows with the data, so a fit on all
# queries and one leaving a query out are regularised alike.
L2_PER_PAIR = 1e-3


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Logistic weights (one per feature column, then the intercept) of one kind of channel."""
    return fit_logistic(x, y, l2=L2_PER_PAIR * len(y))


def _loqo(x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Leave-one-query-out scores: each query's rows scored by weights fitted on the other queries."""
    held = np.zeros(len(y))
    for q in np.unique(g):
        held[g == q] = predict_logistic(x[g == q], fit(x[g != q], y[g != q]))
    return held


def main() -> None:
    """Fit each kind of channel on all queries, report leave-one-query-out P/R per threshold, print the weights;
    with `--write`, write them to the file `xling find` loads."""
    from eval.results import write_result
    from xling.pipeline.find import CALIBRATED, CALIBRATED_COLUMNS, CALIBRATION_FILE

    parser = argparse.ArgumentParser(prog="python -m xling.runs.calibrate_find", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="seeds")
    parser.add_argument("--write", nargs="?", const=str(CALIBRATION_FILE), default=None, metavar="PATH",
                        help="write the fitted weights to PATH [xling/pipeline/data/find_calibration.json]")
    args = parser.parse_args()
    x, y, g = dataset(args.seeds)
    consts, curves = {}, {}
    # Column 2 of the features says whether the channel is in the claim's language; each kind gets its own fit.
    for kind, rows in (("cross-lingual", x[:, 2] == 0), ("same-language", x[:, 2] > 0)):
        xs, ys, gs = x[rows][:, CALIBRATED_COLUMNS], y[rows], g[rows]
        w = fit(xs, ys)
        held = _loqo(xs, ys, gs)
        print(f"{kind}: {len(ys)} sentence-query pairs, {int(ys.sum())} positive")
        print("threshold  precision  recall   (leave one query out)")
        curves[kind] = {}
        for t in (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5):
            m = prf_at(held, ys, t)
            curves[kind][str(t)] = {"precision": m["precision"], "recall": m["recall"]}
            print(f"{t:9.2f}  {m['precision']:9.2f}  {m['recall']:6.2f}")
        consts[kind] = {**{name: round(float(v), 3) for name, v in zip(CALIBRATED, w[:-1])},
                        "intercept": round(float(w[-1]), 3)}
    print("CALIBRATION =", consts)
    if args.write:
        training = (f"{len(LABELS)} hand-labelled claims (xling/runs/calibrate_find.py LABELS) over every sentence of "
                    f"{args.seeds}/ and over the human reference translations (eval/data/refs) of its non-English "
                    f"articles; {len(y)} sentence-query pairs, {int(y.sum())} positive")
        print(f"wrote {write_calibration(args.write, consts, 'python -m xling.runs.calibrate_find --write', training)}")
    write_result("calibrate-find", {"loqo": curves, "n": int(len(y)), "positives": int(y.sum())},
                 {"calibration": consts, "queries": len(LABELS)})


if __name__ == "__main__":
    main()
