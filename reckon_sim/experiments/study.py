"""The precision study's statistics: per width point the mean and a bootstrap 95 % interval over seeds of the
accuracy and of the *paired* difference to the ReckOn point (and to the float reference) of the same seed,
then per field the minimum width whose paired difference stays within the tolerance δ.

Pairing: every point of a seed shares that seed's data and initial weights with the ReckOn point, so the
seed-to-seed spread (which dwarfs the width effect) cancels in the difference. Intervals are percentile
bootstraps of the mean with a fixed resampling seed (same rows -> same intervals, byte for byte).

Decision for one point, on its paired difference d to ReckOn and its 95 % interval [lo, hi], for a metric
where higher is better (accuracy): ``within`` if lo >= −δ, ``outside`` if hi < −δ, else (or with fewer than
MIN_SEEDS pairs) ``undecided``. For a metric where lower is better (NMSE of regression tasks) the same rule
runs on −d: ``within`` if hi <= +δ, ``outside`` if lo > +δ. δ is a fraction of the metric (0.01 = 1 pp of
accuracy, or +0.01 NMSE).
A field's minimum width is the smallest tested width w such that every tested width >= w (other fields at
ReckOn) is ``within``; it is decided when the next narrower tested width is ``outside`` (or there is none).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..backends import CHIP
from ..hw.memory_cost import memory_row
from ..hw.widths import SPEC
from .grid import WIDTH_FIELDS, GridAxis

LEVEL = 0.95
N_BOOT = 4000
BOOT_SEED = 20260
MIN_SEEDS = 3            # fewer pairs than this never decide a point
EPS = 1e-9               # accuracies are ratios of small integers: compare differences with this slack
WITHIN, OUTSIDE, UNDECIDED = "within", "outside", "undecided"


@dataclass(frozen=True)
class Metric:
    """What the study compares: a results-row column, whether lower is better, and how it is printed."""

    column: str
    label: str            # "final test accuracy"
    lower_is_better: bool
    scale: float          # printed value = scale * stored value
    unit: str             # unit of printed values ("%" or "NMSE")
    diff_unit: str        # unit of printed differences and of δ ("pp" or "NMSE")
    name: str             # pareto.csv column prefix: accuracy_mean, or nmse_mean
    value_key: str        # summary.json key of the value: accuracy_pct, or nmse
    diff_key: str         # summary.json suffix of differences: diff_reckon_pp, or diff_reckon_nmse
    digits: int           # decimals printed
    head: str             # column head of the printed value


ACCURACY = Metric("final_test_accuracy", "final test accuracy", False, 100.0, "%", "pp", "accuracy", "accuracy_pct",
                  "pp", 1, "accuracy %")
NMSE = Metric("final_test_nmse", "final test NMSE", True, 1.0, "NMSE", "NMSE", "nmse", "nmse", "nmse", 3, "NMSE")


def task_metric(regression: bool) -> Metric:
    """NMSE for regression tasks, accuracy for classification."""
    return NMSE if regression else ACCURACY


@dataclass(frozen=True)
class Interval:
    """Mean and percentile-bootstrap interval of the mean of `n` values."""

    mean: float
    lo: float
    hi: float
    n: int

    def as_dict(self, scale: float = 1.0, digits: int = 4) -> dict:
        return {"mean": round(scale * self.mean, digits), "lo": round(scale * self.lo, digits),
                "hi": round(scale * self.hi, digits), "n": self.n}


def bootstrap_mean(values, level: float = LEVEL, n_boot: int = N_BOOT, seed: int = BOOT_SEED) -> Interval:
    """Mean of `values` and the percentile-bootstrap `level` interval of it (n_boot resamples, fixed seed)."""
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        raise ValueError("bootstrap of no values")
    mean = float(x.mean())
    if x.size == 1 or np.all(x == x[0]):
        return Interval(mean, mean, mean, int(x.size))
    idx = np.random.default_rng(seed).integers(0, x.size, size=(n_boot, x.size))
    means = x[idx].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return Interval(mean, float(lo), float(hi), int(x.size))


def paired_differences(values: dict[int, float], baseline: dict[int, float]) -> list[float]:
    """values[seed] − baseline[seed] over the seeds both have, in seed order."""
    return [values[s] - baseline[s] for s in sorted(values) if s in baseline]


def _oriented(diff: Interval | None, lower_is_better: bool) -> Interval | None:
    """The difference with 'higher is better' orientation (negated for lower-is-better metrics)."""
    if diff is None or not lower_is_better:
        return diff
    return Interval(-diff.mean, -diff.hi, -diff.lo, diff.n)


def decide(diff: Interval | None, tolerance: float, lower_is_better: bool = False) -> str:
    """within / outside / undecided for a paired difference to ReckOn (module docstring)."""
    diff = _oriented(diff, lower_is_better)
    if diff is None or diff.n < MIN_SEEDS:
        return UNDECIDED
    if diff.lo >= -tolerance - EPS:
        return WITHIN
    if diff.hi < -tolerance - EPS:
        return OUTSIDE
    return UNDECIDED


def extra_seeds(diff: Interval | None, tolerance: float, lower_is_better: bool = False) -> int | None:
    """Estimated further seeds for an undecided point to settle (interval half-width ∝ 1/√n): the side of the
    interval facing the limit (−δ, or +δ when lower is better) must shrink to the mean's distance from it.
    None when the mean sits on the limit."""
    diff = _oriented(diff, lower_is_better)
    if diff is None:
        return MIN_SEEDS
    n = diff.n
    gap = diff.mean + tolerance
    if abs(gap) <= EPS:
        return None
    half = (diff.mean - diff.lo) if gap > 0 else (diff.hi - diff.mean)
    needed = n * (half / abs(gap)) ** 2 if half > 0 else n
    return max(1, MIN_SEEDS - n, math.ceil(needed * (1 + 1e-12)) - n)


def widths_key(row: dict) -> tuple[int, ...]:
    return tuple(int(row[f]) for f in WIDTH_FIELDS)


RECKON_KEY = tuple(SPEC[f].chip for f in WIDTH_FIELDS)


def by_point(rows: list[dict], metric: str = "final_test_accuracy") -> tuple[dict, dict]:
    """Chip rows -> {widths key: {seed: metric}}, float-reference rows -> {seed: metric}."""
    chip: dict[tuple, dict[int, float]] = {}
    ref: dict[int, float] = {}
    for r in rows:
        if r.get("backend", CHIP) == CHIP:
            chip.setdefault(widths_key(r), {})[int(r["seed"])] = float(r[metric])
        else:
            ref[int(r["seed"])] = float(r[metric])
    return chip, ref


def point_stats(rows: list[dict], tolerance: float, metric: Metric = ACCURACY) -> dict[tuple, dict]:
    """Per widths key: n, interval of the metric ('value'), paired differences to ReckOn / to the float
    reference (Interval or None), the decision and the extra-seed estimate of undecided points."""
    chip, ref = by_point(rows, metric.column)
    lower = metric.lower_is_better
    reckon = chip.get(RECKON_KEY, {})
    out = {}
    for key, values in chip.items():
        d_reckon = paired_differences(values, reckon)
        d_ref = paired_differences(values, ref)
        diff = bootstrap_mean(d_reckon) if d_reckon else None
        status = decide(diff, tolerance, lower)
        out[key] = {"widths": dict(zip(WIDTH_FIELDS, key)), "seeds": sorted(values),
                    "value": bootstrap_mean(list(values[s] for s in sorted(values))),
                    "diff_reckon": diff, "diff_reference": bootstrap_mean(d_ref) if d_ref else None,
                    "status": status,
                    "extra_seeds": extra_seeds(diff, tolerance, lower) if status == UNDECIDED else 0}
    return out


def axis_keys(axis: GridAxis) -> list[tuple[int, tuple]]:
    """(width, widths key) of every value of `axis` and of its ReckOn width (always run), the other fields at
    ReckOn."""
    base = dict(zip(WIDTH_FIELDS, RECKON_KEY))
    values = sorted(set(axis.values) | {axis.reckon_value})
    return [(v, tuple({**base, **{f: v for f in axis.fields}}[f] for f in WIDTH_FIELDS)) for v in values]


def minimum_width(axis: GridAxis, stats: dict[tuple, dict]) -> dict:
    """The axis's minimum width (module docstring) with its status and the points blocking a decision.

    status: 'decided' (the next narrower width is outside), 'grid edge' (no narrower width tested: the
    answer is at most this), 'undecided' (the next narrower width is undecided), 'none' (the widest tested
    width is not within δ) or 'missing' (a point has no results yet)."""
    line = [(w, stats.get(k)) for w, k in axis_keys(axis)]
    if any(s is None for _, s in line):
        return {"field": axis.label, "reckon": axis.reckon_value, "min_width": None, "status": "missing",
                "blocking": []}
    best, blocking, status = None, [], "grid edge"
    for w, s in reversed(line):
        if s["status"] == WITHIN:
            best = w
            continue
        if s["status"] == UNDECIDED:
            blocking = [{"width": w, "extra_seeds": s["extra_seeds"], "seeds": len(s["seeds"])}]
            status = "undecided"
        else:
            status = "decided" if best is not None else "none"
        break
    if best is None and status == "grid edge":
        status = "none"
    return {"field": axis.label, "reckon": axis.reckon_value, "min_width": best, "status": status,
            "blocking": blocking}


def seeds_to_add(axes: list[GridAxis], stats: dict[tuple, dict], max_seeds: int) -> dict[tuple, int]:
    """--until-decided: {widths key: seed count to reach} for every point blocking a field's decision (and
    the ReckOn point, which pairs with them), growing at most by doubling and capped at `max_seeds`."""
    targets: dict[tuple, int] = {}
    for axis in axes:
        for b in minimum_width(axis, stats)["blocking"]:
            n = b["seeds"]
            extra = b["extra_seeds"] if b["extra_seeds"] is not None else n
            target = min(max_seeds, n + min(max(1, extra), max(n, 1)))
            if target > n:
                key = dict(axis_keys(axis))[b["width"]]
                targets[key] = max(targets.get(key, 0), target)
    if targets:
        targets[RECKON_KEY] = max([*targets.values(), len(stats.get(RECKON_KEY, {}).get("seeds", []))])
    return targets


def pareto_front(entries: list[dict], lower_is_better: bool = False) -> list[bool]:
    """entries [{'sram_kB', 'mean'}] -> on the front: no other entry has <= memory and a better or equal
    mean (>= accuracy, or <= NMSE when lower is better) with one of them strict."""
    sign = -1.0 if lower_is_better else 1.0
    flags = []
    for e in entries:
        dominated = any(o["sram_kB"] <= e["sram_kB"] and sign * o["mean"] >= sign * e["mean"] and
                        (o["sram_kB"] < e["sram_kB"] or sign * o["mean"] > sign * e["mean"]) for o in entries)
        flags.append(not dominated)
    return flags


def point_table(stats: dict[tuple, dict], metric: Metric = ACCURACY) -> list[dict]:
    """JSON-able per-point records (accuracy_pct / diff_reckon_pp / diff_reference_pp in % and percentage
    points, or nmse / diff_reckon_nmse / diff_reference_nmse for regression), with the memory figures."""
    recs = []
    value_key, diff_key = metric.value_key, metric.diff_key
    for key, s in stats.items():
        diff, ref = s["diff_reckon"], s["diff_reference"]
        sc = metric.scale
        recs.append({"widths": {f: v for f, v in s["widths"].items() if v != SPEC[f].chip},
                     "reckon": key == RECKON_KEY, "seeds": len(s["seeds"]),
                     value_key: s["value"].as_dict(sc), f"diff_reckon_{diff_key}": diff and diff.as_dict(sc),
                     f"diff_reference_{diff_key}": ref and ref.as_dict(sc), "status": s["status"],
                     "extra_seeds": s["extra_seeds"], **memory_row(s["widths"])})
    return recs
