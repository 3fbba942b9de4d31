"""One sample of any backend as one backend-neutral table in real units (what `reckon-sim inspect` draws).

Real units (the same for the chip and its float twin, so their panels are comparable):
* membranes, thresholds, output membranes, targets and errors: 1.0 = 2048 LSB of the chip's 16-bit membrane
  frame (the hard sigmoid's 1.0); a b-bit membrane LSB is 2^(16-b) of those LSBs;
* weights: their contribution to the membrane, w · 2^(8-b) · 2^FP_LOC_W / 2048 (b = weight width);
* presynaptic traces: 1.0 = one event (the increment 8 << FP_LOC_TINP/TREC, 2 << FP_LOC_TOUT);
* pseudo-derivative: the STE look-up value (chip, chip_float) or gamma·max(0, 1-|v-thr|/thr) (eprop);
* learning signal L_p = Σ_k err_k · w_out[p, k] with the sample's starting w_out, in real units.
Vanilla e-prop is in its own float units (threshold 0.6, softmax outputs); its traces also count events.
"""
from __future__ import annotations

import csv
import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..io.npz import save_npz
from ..backend import Sample

MEMBRANE_ONE = 2048.0          # LSBs of the 16-bit membrane frame that make 1.0
MATRICES = ("winp", "wrec", "wout")


@dataclass
class InspectTable:
    """Per-tick arrays (row k-1 = tick k) of one sample in real units, plus the weights before/after it."""

    backend: str
    title: str
    label: int
    inference: int
    regression: bool
    inp: np.ndarray                 # uint8 [T, n_in] input events entering the tick
    z: np.ndarray                   # uint8 [T, n_rec] recurrent spikes of the tick's STEP
    u: np.ndarray                   # [T, n_rec] membranes after integration (PROP)
    thr: np.ndarray                 # [n_rec] thresholds
    vo: np.ndarray                  # [T, n_out] output membranes after STEP (what votes)
    y: np.ndarray                   # [T, n_out] output activations (hard sigmoid / softmax / raw)
    target: np.ndarray              # [T, n_out] targets on the window ticks, nan elsewhere
    vote: np.ndarray                # int [T] per-tick vote (-1: no vote)
    learning: np.ndarray            # bool [T] ticks that learned
    err: np.ndarray                 # [T, n_out] target - activation on learning ticks (0 elsewhere)
    h: np.ndarray                   # [T, n_rec] pseudo-derivatives on learning ticks
    signal: np.ndarray              # [T, n_rec] learning signals on learning ticks
    tinp: np.ndarray                # [T, n_in] input traces (events)
    trec: np.ndarray                # [T, n_rec] recurrent traces (events)
    before: dict = field(default_factory=dict)   # weights at the sample's start (real units)
    after: dict = field(default_factory=dict)    # weights at its end
    units: dict = field(default_factory=dict)    # axis-label units per quantity
    saturations: dict | None = None

    @property
    def n_ticks(self) -> int:
        return int(self.u.shape[0])


# ------------------------------------------------------------------------------- scales
def chip_scales(config, widths) -> dict[str, float]:
    """Real value of one LSB of each chip field (see module doc); powers of two, so the scaling is exact."""
    r = config.registers
    m = 2.0 ** (16 - widths.membrane) / MEMBRANE_ONE
    w8 = 2.0 ** (8 - widths.weight)
    return {"membrane": m, "output": m, "error": 1.0 / MEMBRANE_ONE, "target": 1.0 / MEMBRANE_ONE,
            "threshold": m,
            "winp": w8 * 2.0 ** r["SPI_FP_LOC_WINP"] / MEMBRANE_ONE,
            "wrec": w8 * 2.0 ** r["SPI_FP_LOC_WREC"] / MEMBRANE_ONE,
            "wout": w8 * 2.0 ** r["SPI_FP_LOC_WOUT"] / MEMBRANE_ONE,
            "tinp": 2.0 ** (12 - widths.trace_inp) / (8 << r["SPI_FP_LOC_TINP"]),
            "trec": 2.0 ** (12 - widths.trace_rec) / (8 << r["SPI_FP_LOC_TREC"])}


CHIP_UNITS = {"membrane": "1 = 2048 LSB", "output": "1 = 2048 LSB", "weight": "membrane units", "trace": "events", "h": "STE value",
              "signal": "Σ err·w_out"}
EPROP_UNITS = {"membrane": "float", "output": "softmax", "weight": "float", "trace": "events", "h": "γ·max(0,1-|v-thr|/thr)",
               "signal": "Σ err·w_out"}


# ------------------------------------------------------------------------------- the chip record adapter
def chip_record_fields(records) -> dict[str, np.ndarray]:
    """The one place that knows core.chip.TickRecords' layout: raw per-tick integer arrays by name.

    step/prop rows: field 0 u, 1 tinp, 2 trec, 3 tout (dirty-gated); oneur/err [:, 0] at STEP/SDONE,
    [:, 1] after PROP / at the first EPROP cycle."""
    return {"inp": records.inp, "z": records.z, "u_step": records.step[:, 0], "u_prop": records.prop[:, 0],
            "tinp": records.step[:, 1], "trec": records.step[:, 2], "vo_step": records.oneur[:, 0],
            "err_eprop": records.err[:, 1]}


def _ste(u: np.ndarray, thr_h, h) -> np.ndarray:
    """The 5-segment STE LUT on an array: first boundary THR_H_s with u < THR_H_s gives H_s, else H_4."""
    out = np.full(u.shape, float(h[4]))
    for s in range(3, -1, -1):               # reverse so the first matching segment wins
        out[u < thr_h[s]] = h[s]
    return out


def _vote(vo: np.ndarray, voting: np.ndarray, regression: bool) -> np.ndarray:
    vote = np.where(voting, 0 if regression else np.argmax(vo, axis=1), -1)
    return vote.astype(np.int64)


def _classification_target(T: int, window: np.ndarray, label: int, n_out: int) -> np.ndarray:
    tgt = np.full((T, n_out), np.nan)
    tgt[window] = 0.0
    tgt[window, label] = 1.0
    return tgt


# ------------------------------------------------------------------------------- per backend
def _chip_table(chip, sample: Sample, learn: bool, targets) -> dict:
    from ..core.records import TK
    cfg, wid = chip.config, chip.widths
    sc = chip_scales(cfg, wid)
    n_in, n_rec, n_out = cfg.n_inp, cfg.n_rec, cfg.n_out
    before = chip.weights()
    res = chip.run_sample(sample, learn, dump=True, targets=targets)
    f = chip_record_fields(res.records)
    T = sample.n_ticks
    regression = bool(cfg["SPI_REGRESSION"])
    learning = res.tick_table[:, TK.eprop] > 0
    voting = np.arange(1, T + 1) > cfg.target_tick
    vo = f["vo_step"][:, :n_out] * sc["output"]
    if cfg["SPI_NO_OUT_ACT"]:
        y = vo.copy()
    else:
        vo16 = f["vo_step"][:, :n_out] * 2 ** (16 - wid.membrane)
        y = np.where(vo16 > 2047, 2048, np.where(vo16 < -2048, 0, (vo16 + 2048) >> 1)) / MEMBRANE_ONE
    err = f["err_eprop"][:, :n_out] * sc["error"]
    if regression:
        target = np.full((T, n_out), np.nan)
        if targets is not None:
            tg = np.asarray(targets, np.int64)[:, :n_out]
            target[cfg.target_tick: cfg.target_tick + len(tg)] = tg * sc["target"]
    else:
        target = _classification_target(T, voting, int(sample.label), n_out)
    reg = chip._params.reg               # the decoded (signed, width-adjusted) registers the kernels read
    h = np.where(learning[:, None], _ste(f["u_step"][:, :n_rec], np.array(reg.thr_h), np.array(reg.h)), 0.0)
    wout0 = before["wout"].astype(np.float64) * sc["wout"]
    return dict(res=res, inp=f["inp"][:, :n_in], z=f["z"][:, :n_rec], u=f["u_prop"][:, :n_rec] * sc["membrane"],
                thr=np.repeat(chip.state.thr, 2)[:n_rec] * sc["threshold"], vo=vo, y=y, target=target,   # 2 / word
                vote=_vote(vo, voting, regression), learning=learning, err=err, h=h,
                signal=np.where(learning[:, None], err @ wout0.T, 0.0),
                tinp=_pad(f["tinp"][:, :n_in], n_in) * sc["tinp"], trec=f["trec"][:, :n_rec] * sc["trec"],
                before={k: v.astype(np.float64) * sc[k] for k, v in before.items()},
                after={k: v.astype(np.float64) * sc[k] for k, v in chip.weights().items()},
                units=CHIP_UNITS, regression=regression, saturations=res.saturations)


def _pad(a: np.ndarray, n: int) -> np.ndarray:
    """Columns 0..n-1 of a, zero-filled where a has fewer (the chip stores tinp in the neuron words)."""
    if a.shape[1] >= n:
        return a[:, :n]
    return np.concatenate([a, np.zeros((a.shape[0], n - a.shape[1]), a.dtype)], axis=1)


def _chip_float_table(net, sample: Sample, learn: bool, targets) -> dict:
    p = net.params
    rule = p.rule
    one = MEMBRANE_ONE
    before = net.weights()
    res = _run_recording(net, sample, learn, targets)
    rec = res.records
    T = sample.n_ticks
    ticks = np.arange(1, T + 1)
    voting = ticks > p.target_tick
    do_eprop = p.do_eprop_train if learn else p.do_eprop_test
    learning = voting & (ticks < T) & (do_eprop != 0)
    vo = rec["step_oneur_u"] / one
    y = vo.copy() if rule.no_out_act else np.clip((rec["step_oneur_u"] + one) / 2.0, 0.0, one) / one
    err = np.where(learning[:, None], rec["step_oneur_err"] / one, 0.0)
    scale = {k: 2.0 ** getattr(rule, f"fp_{k}") / one for k in MATRICES}
    h = np.where(learning[:, None], _ste(rec["step_u"], rule.thr_h, rule.h), 0.0)
    wout0 = before["wout"] * scale["wout"]
    n_in = p.n_in
    if rule.regression:                  # the targets sent (chip units), NaN where none
        target = np.full((T, p.n_out), np.nan)
        if targets is not None:
            tg = np.asarray(targets, np.float64)[:, :p.n_out]
            target[p.target_tick: p.target_tick + len(tg)] = tg / one
    else:
        target = _classification_target(T, voting, int(sample.label), p.n_out)
    return dict(res=res, inp=sample.event_matrix(256)[:, :n_in], z=rec["step_z"].astype(np.uint8),
                u=rec["prop_u"] / one, thr=rule.thr / one, vo=vo, y=y, target=target,
                vote=_vote(vo, voting, rule.regression), learning=learning, err=err, h=h,
                signal=np.where(learning[:, None], err @ wout0.T, 0.0),
                tinp=rec["step_tinp"][:, :n_in] / (8 * 2.0 ** rule.fp_tinp),
                trec=rec["step_trec"] / (8 * 2.0 ** rule.fp_trec),
                before={k: v * scale[k] for k, v in before.items()},
                after={k: v * scale[k] for k, v in net.weights().items()},
                units=CHIP_UNITS, regression=rule.regression, saturations=None)


def _run_recording(net, sample: Sample, learn: bool, targets=None):
    """run_sample with the backend's per-tick records switched on for this one sample (targets: regression)."""
    old = net.record
    net.record = True
    try:
        return net.run_sample(sample, learn) if targets is None else net.run_sample(sample, learn, targets=targets)
    finally:
        net.record = old


def _event_traces(x: np.ndarray, alpha: float, delay: int) -> np.ndarray:
    """eps[t] = alpha·eps[t-1] + x[t-delay] (vanilla e-prop's presynaptic traces: one event = 1)."""
    from scipy.signal import lfilter
    src = np.zeros_like(x, dtype=np.float64)
    src[delay:] = x[: x.shape[0] - delay]
    return lfilter([1.0], [1.0, -alpha], src, axis=0)


def _eprop_table(net, sample: Sample, learn: bool) -> dict:
    from ..reference._common import input_matrix
    p = net.params
    before = net.weights()
    res = _run_recording(net, sample, learn)
    if learn:
        net.flush()                            # apply this sample's gradient so its weight change shows
    rec = res.records
    T = sample.n_ticks
    voting = np.arange(T) >= p.target_tick
    learning = voting & bool(learn)
    vo = rec["out_membrane"]
    ex = np.exp(vo - vo.max(axis=1, keepdims=True))
    y = ex / ex.sum(axis=1, keepdims=True)
    target = _classification_target(T, voting, int(sample.label), p.n_out)
    err = np.where(learning[:, None], np.nan_to_num(target) - y, 0.0)
    v = rec["membrane"]
    h = np.where(learning[:, None], p.gamma * np.maximum(0.0, 1.0 - np.abs((v - p.thr) / p.thr)), 0.0)
    fb = before["wout"] if net.feedback is None else net.feedback
    x = input_matrix(sample, p.n_in)
    return dict(res=res, inp=x.astype(np.uint8), z=rec["spikes"].astype(np.uint8), u=v,
                thr=np.full(p.n_rec, p.thr), vo=vo, y=y, target=target, vote=_vote(vo, voting, False),
                learning=learning, err=err, h=h, signal=np.where(learning[:, None], err @ fb.T, 0.0),
                tinp=_event_traces(x, p.alpha, 1), trec=_event_traces(rec["spikes"], p.alpha, 1),
                before=before, after=net.weights(), units=EPROP_UNITS, regression=False, saturations=None)


def gather(backend_name: str, backend, sample: Sample, learn: bool, title: str = "", targets=None) -> InspectTable:
    """Run `sample` once on `backend` (state advances as in training) and collect its table in real units."""
    from ..core.chip import Chip
    from ..reference.chip_float import ChipFloat
    if isinstance(backend, Chip):
        d = _chip_table(backend, sample, learn, targets)
    elif isinstance(backend, ChipFloat):
        d = _chip_float_table(backend, sample, learn, targets)
    else:
        d = _eprop_table(backend, sample, learn)
    res = d.pop("res")
    return InspectTable(backend=backend_name, title=title, label=int(sample.label), inference=int(res.inference),
                        **d)


def regression_nmse(table: InspectTable, targets, target_tick: int) -> float:
    """The sample's NMSE as tasks.regression reports it: the outputs after STEP on ticks TARGET_TICK+1..T-1 against
    the targets of those ticks (16-bit LSBs; the table's unit is 2048 LSBs, and NMSE ignores a common scale)."""
    from ..tasks.regression import nmse
    tg = np.asarray(targets, np.float64)[:, :table.vo.shape[1]] / MEMBRANE_ONE
    return nmse(table.vo[target_tick:target_tick + len(tg)], tg)


def task_channel_groups(task: dict, n_in: int) -> list[tuple[str, int, int]]:
    """The cue-accumulation input groups (name, first channel, end) of a task preset, cut to n_in channels;
    none for the other generators (their channels form no groups)."""
    if task.get("generator", "cue-accumulation") != "cue-accumulation":
        return []
    cpg = int(task.get("task", {}).get("channels_per_group", 10))
    groups = [(name, g * cpg, min(n_in, (g + 1) * cpg)) for g, name in enumerate(("left", "right", "recall", "noise"))]
    return [g for g in groups if g[1] < g[2]]


def inspect_last_test_sample(backend_name: str, backend, inputs, run_name: str) -> InspectTable:
    """The last test sample, run with learning on a copy of the trained backend (the run's weights stay)."""
    import copy
    k = len(inputs.test) - 1
    sample = inputs.test[k]
    targets = (inputs.pattern_targets or {}).get(int(sample.label)) if inputs.regression else None  # as in training
    return gather(backend_name, copy.deepcopy(backend), sample, True,
                  f"{run_name}: test sample {k} after training (learning on, on a copy of the final weights)", targets)


# ------------------------------------------------------------------------------- the numbers behind the figure
def chosen_neurons(table: InspectTable, neurons=None, n: int = 4) -> list[int]:
    """The neurons to draw: the given ones, else the n that spiked most (ties: lowest index)."""
    n_rec = table.u.shape[1]
    if neurons:
        return [j for j in neurons if 0 <= j < n_rec]
    order = np.argsort(-table.z.sum(axis=0).astype(np.int64), kind="stable")
    return sorted(int(j) for j in order[:min(n, n_rec)])


def eligibility_pairs(table: InspectTable, neurons: list[int], n: int = 3) -> list[tuple[int, int]]:
    """(input q, neuron p) pairs drawn as eligibility traces h_p·tinp_q: the first chosen neuron and the n inputs
    with the largest trace over the learning ticks (all ticks if none learned)."""
    rows = table.learning if table.learning.any() else slice(None)
    order = np.argsort(-table.tinp[rows].sum(axis=0), kind="stable")[:n]
    return [(int(q), neurons[0]) for q in sorted(order)] if neurons else []


def csv_columns(table: InspectTable, neurons: list[int]) -> dict[str, np.ndarray]:
    """Per-tick columns of the CSV beside the figure (chosen neurons, eligibility pairs, every output)."""
    cols = {"tick": np.arange(1, table.n_ticks + 1), "input_events": table.inp.sum(axis=1).astype(np.int64),
            "spikes": table.z.sum(axis=1).astype(np.int64), "vote": table.vote,
            "learning": table.learning.astype(np.int64)}
    for j in neurons:
        cols[f"u_{j}"], cols[f"z_{j}"] = table.u[:, j], table.z[:, j].astype(np.int64)
        cols[f"h_{j}"], cols[f"L_{j}"], cols[f"trec_{j}"] = table.h[:, j], table.signal[:, j], table.trec[:, j]
    for q, p in eligibility_pairs(table, neurons):
        cols[f"elig_{q}_{p}"] = table.h[:, p] * table.tinp[:, q]
    for k in range(table.vo.shape[1]):
        cols[f"vo_{k}"], cols[f"y_{k}"] = table.vo[:, k], table.y[:, k]
        cols[f"target_{k}"], cols[f"err_{k}"] = table.target[:, k], table.err[:, k]
    return cols


def write_table(table: InspectTable, neurons: list[int], stem) -> None:
    """stem.csv (per-tick columns, floats written with repr: exact) and stem.npz (every array, weights too)."""
    cols = csv_columns(table, neurons)
    with open(f"{stem}.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        for row in zip(*cols.values()):
            w.writerow([repr(float(v)) if isinstance(v, np.floating) else int(v) for v in row])
    arrays = {f.name: getattr(table, f.name) for f in dataclasses.fields(table)
              if isinstance(getattr(table, f.name), np.ndarray)}
    for when in ("before", "after"):
        arrays.update({f"{when}_{k}": v for k, v in getattr(table, when).items()})
    save_npz(f"{stem}.npz", arrays, compress=True)
