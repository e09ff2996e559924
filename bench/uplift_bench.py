"""Benchmark of the uplift learners (issue 7) on the known-uplift synthetic experiment, next to
the oracle (ranking by the true individual uplift) and a random ranking.

Data: :func:`valuecenter.analytics.uplift.known_uplift` — ``--train`` + ``--test`` customers of
one randomised experiment (16 columns: 14 numeric, NPS 15% blank, plan and region as text;
persuadables, sleeping dogs and a majority with no effect), the first ``--train`` rows to fit,
the rest to test. Two runs: one treatment (control vs a call) and two treatments (control, a
call, an e-mail; each treatment is scored against the control on the rows of those two arms).

Each learner — ``t``, ``x``, ``dr``, ``ct`` and ``auto`` — runs in its own fresh process (so its
peak RSS is its own, data included): the encoder (``fit_encoder`` on the training rows) is timed
apart, then ``fit_uplift`` (fit time) and ``predict`` on the test rows (predict time). Quality on
the test rows: uplift in the top 10/20/30% (scikit-uplift's "overall" convention), Qini
coefficient and AUUC, and the ratio of the learner's uplift@30 to the oracle's. The comparator
of the times is the T-learner (ratio = learner ÷ T). Children run with ``OMP_WAIT_POLICY=PASSIVE``
as the CLI sets it. Writes the "Uplift models: known-uplift synthetic data" section of
docs/benchmarks.md (other sections are kept).

    .venv/bin/python bench/uplift_bench.py [--train 100000] [--test 100000] [--seed 0]
                                           [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from benchdoc import publish
from measure import measured

REPO = Path(__file__).resolve().parents[1]
HEADING = "## Uplift models: known-uplift synthetic data"
LEARNERS = ("t", "x", "dr", "ct", "auto")
TOPS = (10, 20, 30)


def _figures(score: Any, treated: Any, y: Any) -> dict[str, Any]:
    from valuecenter.analytics.uplift import auuc, qini_coefficient, uplift_at_k

    return {
        "uplift_at": {str(k): uplift_at_k(score, treated, y, k / 100) for k in TOPS},
        "qini": qini_coefficient(score, treated, y),
        "auuc": auuc(score, treated, y),
    }


def _per_treatment(uplift: Any, arm: Any, y: Any) -> list[dict[str, Any]]:
    """The figures of each treatment against the control, on the rows of those two arms."""
    out = []
    for t in range(1, uplift.shape[1] + 1):
        pair = (arm == 0) | (arm == t)
        out.append(_figures(uplift[pair, t - 1], arm[pair] == t, y[pair]))
    return out


def worker(learner: str, train: int, test: int, treatments: int, seed: int) -> dict[str, Any]:
    """Fit and score one learner in this process; the figures as a dict."""
    from valuecenter.analytics.churn import fit_encoder
    from valuecenter.analytics.uplift import fit_uplift, known_uplift

    data = known_uplift(train + test, seed, treatments=treatments)
    fit_rows, test_rows = slice(0, train), slice(train, train + test)
    arm, y = data.arm, data.y
    began = time.perf_counter()
    encoder = fit_encoder(data.frame.iloc[fit_rows])
    x_train = encoder.transform(data.frame.iloc[fit_rows])
    x_test = encoder.transform(data.frame.iloc[test_rows])
    result: dict[str, Any] = {"learner": learner, "encode_s": time.perf_counter() - began}
    began = time.perf_counter()
    model = fit_uplift(x_train, arm[fit_rows], y[fit_rows], learner, seed=seed)  # type: ignore[arg-type]
    result["fit_s"] = time.perf_counter() - began
    began = time.perf_counter()
    predicted = model.predict(x_test)
    result["predict_s"] = time.perf_counter() - began
    result["chosen"] = model.learner
    if model.auto is not None:
        result["auto"] = model.auto.as_dict()
    arm_test, y_test, true = arm[test_rows], y[test_rows], data.uplift[test_rows]
    rng = np.random.default_rng(seed + 1)
    result["per_treatment"] = _per_treatment(predicted, arm_test, y_test)
    result["oracle"] = _per_treatment(true, arm_test, y_test)
    result["random"] = _per_treatment(rng.random(true.shape), arm_test, y_test)
    result["true_ate"] = [float(v) for v in true.mean(axis=0)]
    result["corr_true"] = [
        float(np.corrcoef(predicted[:, k], true[:, k])[0, 1]) for k in range(treatments)
    ]
    if treatments > 1:
        differ = np.abs(true[:, 0] - true[:, 1]) > 0.05
        best = true[differ].argmax(axis=1)
        result["best_accuracy"] = float((predicted[differ].argmax(axis=1) == best).mean())
        result["best_majority"] = float(max(best.mean(), 1 - best.mean()))
    result["rows_per_arm"] = list(model.rows_per_arm)
    return result


def _run(learner: str, treatments: int, opts: argparse.Namespace) -> dict[str, Any]:
    """One worker in a fresh process: its figures, its wall time and peak RSS."""
    args = [sys.executable, __file__, "--worker", learner, "--treatments", str(treatments)]
    args += ["--train", str(opts.train), "--test", str(opts.test), "--seed", str(opts.seed)]
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    wall, peak, result = measured(args, env=env, what=f"{learner} (K={treatments})", cwd=REPO)
    result["peak_gb"] = peak
    result["process_s"] = wall
    return result


def _name(r: dict[str, Any]) -> str:
    return f"`auto` → {r['chosen']}" if r["learner"] == "auto" else f"`{r['learner']}`"


def _quality_rows(runs: dict[str, dict[str, Any]], k: int) -> list[str]:
    """Table rows of treatment ``k``: each learner, the oracle and the random ranking."""
    oracle = runs["t"]["oracle"][k]
    base = runs["t"]["fit_s"]
    lines = []
    for learner in LEARNERS:
        r = runs[learner]
        f = r["per_treatment"][k]
        u = f["uplift_at"]
        lines.append(
            f"| {_name(r)} | {r['fit_s']:.1f} | {r['fit_s'] / base:.2f} | {r['predict_s']:.2f} "
            f"| {r['peak_gb']:.2f} | {u['10']:.4f} | {u['20']:.4f} | {u['30']:.4f} "
            f"| {u['30'] / oracle['uplift_at']['30']:.3f} | {f['qini']:.4f} | {f['auuc']:.4f} "
            f"| {r['corr_true'][k]:.3f} |"
        )
    for label, f in (("oracle (true uplift)", oracle), ("random ranking", runs["t"]["random"][k])):
        u = f["uplift_at"]
        lines.append(
            f"| {label} | – | – | – | – | {u['10']:.4f} | {u['20']:.4f} | {u['30']:.4f} "
            f"| {u['30'] / oracle['uplift_at']['30']:.3f} | {f['qini']:.4f} | {f['auuc']:.4f} "
            "| – |"
        )
    return lines


HEADER = [
    "| learner | fit (s) | ÷ T | predict (s) | peak RSS (GB) | uplift@10 | uplift@20 "
    "| uplift@30 | ÷ oracle @30 | Qini | AUUC | corr. with true uplift |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]


def _auto_line(r: dict[str, Any]) -> str:
    auto = r["auto"]
    qini = ", ".join(f"{k} {v:.4f}" for k, v in auto["inner_qini"].items())
    wins = ", ".join(f"{k} {v:.0%}" for k, v in auto["bootstrap_win_share"].items())
    return (
        f"`auto` chose `{r['chosen']}` (inner 3-fold cross-fitted Qini on {auto['rows']:,} rows: "
        f"{qini}; bootstrap win shares: {wins})."
    )


def _section(one: dict[str, dict[str, Any]], two: dict[str, dict[str, Any]], opts: Any) -> str:
    versions = ", ".join(
        f"{p} {metadata.version(p)}" for p in ("numpy", "pandas", "scikit-learn", "lightgbm")
    )
    first = one["t"]
    lines = [
        HEADING,
        "",
        f"`bench/uplift_bench.py --train {opts.train} --test {opts.test} --seed {opts.seed}`, "
        f"run {time.strftime('%Y-%m-%d')} on {platform.machine()} with {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {versions}. `known_uplift` "
        f"(`valuecenter.analytics.uplift.synthetic`): {opts.train:,} training + {opts.test:,} "
        "test customers of one randomised experiment, 16 columns (14 numeric, NPS 15% blank; "
        "plan and region as text); the true individual uplift of every row is known. Each "
        "learner in a fresh process: fit = `fit_uplift` on the encoded training rows (encoding "
        f"apart: {first['encode_s']:.1f} s), predict = `predict` on the test rows. Quality on "
        "the test rows, each treatment against the control on the rows of those two arms: "
        "uplift in the top 10/20/30% (scikit-uplift's `overall` convention), Qini coefficient "
        "and AUUC (normalised as scikit-uplift's `qini_auc_score` / `uplift_auc_score`), the "
        "Pearson correlation of the predicted with the true uplift. Comparators: the ORACLE "
        "(ranking by the true uplift) for quality — ÷ oracle @30 is the learner's uplift@30 "
        "over the oracle's — and the T-learner for time (÷ T = fit time ÷ the T-learner's).",
        "",
        f"**One treatment** (a call; arms {first['rows_per_arm']} training rows; true average "
        f"effect {first['true_ate'][0]:+.4f}):",
        "",
        *HEADER,
        *_quality_rows(one, 0),
        "",
        _auto_line(one["auto"]),
        "",
    ]
    t2 = two["t"]
    lines += [
        f"**Two treatments** (a call and an e-mail; arms {t2['rows_per_arm']} training rows; "
        f"true average effects {t2['true_ate'][0]:+.4f} and {t2['true_ate'][1]:+.4f}). "
        "Treatment 1, the call:",
        "",
        *HEADER,
        *_quality_rows(two, 0),
        "",
        "Treatment 2, the e-mail:",
        "",
        *HEADER,
        *_quality_rows(two, 1),
        "",
        "Which treatment is better for a customer, on the test rows where the two true uplifts "
        "differ by more than 0.05 (always choosing the treatment that is best more often scores "
        f"{t2['best_majority']:.3f}): "
        + ", ".join(f"{_name(two[k])} {two[k]['best_accuracy']:.3f}" for k in LEARNERS)
        + ". "
        + _auto_line(two["auto"]),
        "",
        "Fit and predict times include LightGBM's early stopping (at most 500 trees, 20 rounds "
        "of patience on a 10% split) of every base model: T fits K + 1 outcome models, CT K "
        "classifiers and a control model, X and DR cross-fit the K + 1 outcome models over 5 "
        "folds before their K (DR) or 2K (X) pseudo-outcome regressions; X and DR predict the "
        "control outcome with the 5 fold models. 1-minute load average at the start of each "
        "run: "
        + ", ".join(f"{k} {one[k]['load']:.1f}" for k in LEARNERS)
        + " (2 cores; the 1-minute average still carries the previous run's two threads, "
        "so about 2 is this benchmark alone).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=100_000)
    parser.add_argument("--test", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--treatments", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--worker", choices=LEARNERS, help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="Print, do not edit the doc.")
    opts = parser.parse_args()
    if opts.worker:
        figures = worker(opts.worker, opts.train, opts.test, opts.treatments, opts.seed)
        print(json.dumps(figures))
        return
    runs: dict[int, dict[str, dict[str, Any]]] = {1: {}, 2: {}}
    for treatments in (1, 2):
        for learner in LEARNERS:
            load = os.getloadavg()[0]
            r = _run(learner, treatments, opts)
            r["load"] = load
            runs[treatments][learner] = r
            f = r["per_treatment"][0]
            print(
                f"K={treatments} {learner}: fit {r['fit_s']:.1f} s, "
                f"predict {r['predict_s']:.2f} s, "
                f"uplift@30 {f['uplift_at']['30']:.4f} (oracle "
                f"{r['oracle'][0]['uplift_at']['30']:.4f}), Qini {f['qini']:.4f}",
                flush=True,
            )
    publish(HEADING, _section(runs[1], runs[2], opts), no_write=opts.no_write)


if __name__ == "__main__":
    main()
