"""Regression tasks on a backend: targets sent on every learning tick, outputs read per tick, NMSE as the loss.

The chip's outputs are read as a host reads them: from the OUT_DATA items of the SEND after every tick 2..T-1
(SPI_SEND_PER_TIMESTEP = 1, SEND_LABEL_ONLY = 0; the membranes after STEP, which the EPROP before that SEND
does not change: the AT_STEP records, the value the tick's error uses, spec §10). Without those SENDs (or for
membranes wider than the 16 bits sent), and for ChipFloat in the same units, from the per-tick records; float
e-prop's from its readout per t. NMSE of a sample =
mean over the target ticks TARGET_TICK+1..T-1 and the outputs of (y - target)^2, divided by the variance of
the targets over the same ticks and outputs; 1.0 = no better than predicting the targets' mean.
"""
from __future__ import annotations

import inspect
from dataclasses import replace

import numpy as np

from ..backend import Sample, SampleResult
from ..core.chip import Chip
from ..core.host import int16_le
from ..errors import InputError


def nmse(outputs: np.ndarray, targets: np.ndarray) -> float:
    """Normalised mean squared error of outputs [n, n_out] against targets [n, n_out]."""
    t = np.asarray(targets, dtype=np.float64)
    var = float(np.var(t))
    return float(np.mean((np.asarray(outputs, np.float64) - t) ** 2) / (var if var > 0 else 1.0))


def send_outputs(tick_send: dict, n_out: int) -> np.ndarray:
    """int64 [T, n_out]: row k-1 = the output membranes in tick k's per-tick SEND, each item pair (low byte,
    high byte) a 16-bit two's complement value; rows of ticks without a SEND (1 and T) are 0."""
    data = np.asarray(tick_send["data"], np.int64)
    return int16_le(data[:, 0:2 * n_out:2], data[:, 1:2 * n_out:2])


class RegressionReadout:
    """A backend for a regression task: run_sample sends the targets of the sample's pattern (its label) when
    learning, and returns a SampleResult whose loss is the sample's NMSE; `last_outputs` keeps the outputs
    [TPS, n_out] of the last sample, `last_targets` its targets."""

    def __init__(self, backend, targets: dict[int, np.ndarray], target_tick: int, n_out: int, name: str = ""):
        from ..reference.chip_float import ChipFloat
        if "targets" not in inspect.signature(backend.run_sample).parameters:
            raise InputError(f"backend '{name or type(backend).__name__}'", "does not learn regression targets "
                             "(allowed for regression tasks: chip, chip_float, eprop)")
        self.backend, self.targets, self.target_tick, self.n_out = backend, targets, target_tick, n_out
        self.chip_float = isinstance(backend, ChipFloat)   # the chip's records, as a dict of float arrays
        self.float_readout = hasattr(backend, "record") and not self.chip_float   # float e-prop: its per-t records
        self.chip_send = self._reads_sends(backend) and target_tick >= 1   # tick 1 has no per-tick SEND
        if hasattr(backend, "record"):
            backend.record = True
        self.last_outputs: np.ndarray | None = None
        self.last_targets: np.ndarray | None = None

    def run_sample(self, sample: Sample, learn: bool, **kw) -> SampleResult:
        tgt = self.targets.get(int(sample.label))
        if tgt is None:
            raise InputError("sample", f"label {sample.label} has no regression targets "
                                       f"(patterns: {sorted(self.targets)})")
        tps = sample.n_ticks - 1 - self.target_tick
        if len(tgt) != tps:
            raise InputError("targets", f"{len(tgt)} rows for pattern {sample.label}, T - 1 - TARGET_TICK = {tps}")
        window = slice(self.target_tick, sample.n_ticks - 1)      # learning ticks TARGET_TICK+1..T-1
        if self.float_readout:                       # its readout per t, in the targets' units
            res = self.backend.run_sample(sample, learn, targets=tgt)
            y = np.asarray(res.records["out_membrane"])[window, :self.n_out] / self.backend.params.target_scale
        elif self.chip_float:                        # as the chip's, in chip units
            res = self.backend.run_sample(sample, learn, targets=tgt if learn else None)
            y = np.asarray(res.records["step_oneur_u"])[window, :self.n_out]
        elif self.chip_send:                         # the chip: OUT_DATA of the SEND after ticks 2..T-1
            res = self.backend.run_sample(sample, learn, targets=tgt if learn else None)
            if np.any(res.tick_send["n"][window] < 2 * self.n_out):
                raise InputError("sample", f"ticks {self.target_tick + 1}..{sample.n_ticks - 1}: a tick "
                                           "without a per-tick SEND of the outputs (SEND_PER_TIMESTEP: ticks 2..T-1)")
            y = send_outputs(res.tick_send, self.n_out)[window]
        else:                                        # the chip: output membranes after STEP (spec §10)
            res = self.backend.run_sample(sample, learn, dump=True, targets=tgt if learn else None)
            y = np.asarray(res.records.oneur)[window, 0, :self.n_out]
        self.last_outputs, self.last_targets = np.rint(y).astype(np.int64), np.asarray(tgt, np.int64)
        return replace(res, inference=-1, loss=nmse(y, tgt), records=None)      # no class: accuracy 0

    @staticmethod
    def _reads_sends(backend) -> bool:
        """A chip whose per-tick SENDs carry every output membrane in full (16 bits or fewer)."""
        return (isinstance(backend, Chip) and bool(backend.config["SPI_SEND_PER_TIMESTEP"])
                and not backend.config["SPI_SEND_LABEL_ONLY"] and backend.widths.membrane <= 16)

    def weights(self):
        return self.backend.weights()

    def flush(self) -> int:
        """The wrapped backend's pending batch applied (float e-prop); 0 for backends that update per sample."""
        flush = getattr(self.backend, "flush", None)
        return 0 if flush is None else flush()
