"""Pattern generation read as a host reads it: the OUT_DATA items of the SEND after every tick 2..T-1
(SPI_SEND_PER_TIMESTEP = 1 in reckon-patterngen) equal the output-membrane records after STEP, and the per-tick
SENDs change the cycle counts only: NMSE, outputs and weights are those of the records path without them."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from reckon_sim.backends import task_backend
from reckon_sim.core.records import AT_STEP
from reckon_sim.experiments.data import run_inputs
from reckon_sim.tasks.regression import send_outputs


def _inputs(send_per_timestep: int):
    inp = run_inputs(None, "pattern-generation", None, 1, 2, 1, 1)
    return replace(inp, config=inp.config.with_registers(SPI_SEND_PER_TIMESTEP=send_per_timestep))


def test_decoded_out_data_equals_the_output_membrane_records_every_tick():
    inp = _inputs(1)
    chip = task_backend("chip", inp).backend
    sample, n_out = inp.train[0], inp.config.n_out
    tgt = inp.pattern_targets[int(sample.label)]
    res = chip.run_sample(sample, True, dump=True, targets=tgt)
    T = sample.n_ticks
    assert res.tick_send["n"].tolist() == [0] + [2 * n_out] * (T - 2) + [0]   # ticks 2..T-1; tick T: final SEND
    rec = np.asarray(res.records.oneur)[:, AT_STEP, :n_out]
    sent = send_outputs(res.tick_send, n_out)
    assert np.array_equal(sent[1:T - 1], rec[1:T - 1])                       # tick k's SEND = its AT_STEP record
    assert np.array_equal(sent[[0, T - 1]], np.zeros((2, n_out), np.int64))
    assert rec[1:T - 1].min() < 0 < rec[1:T - 1].max()                       # both signs decoded
    final = res.out_bytes.astype(np.int64)
    final = final[0::2] | (final[1::2] << 8)
    assert np.array_equal(np.where(final >= 0x8000, final - 0x10000, final), rec[T - 1])   # tick T ends in SEND
    assert np.all(res.tick_send["cycles"][1:T - 1] > 0)


def test_nmse_outputs_and_weights_equal_with_and_without_per_tick_send():
    runs = []
    for spt in (1, 0):
        inp = _inputs(spt)
        net = task_backend("chip", inp)
        assert net.chip_send == bool(spt)                                    # 0: read from the records
        losses, cycles = [], []
        for sample, learn in ((inp.train[0], True), (inp.train[1], True), (inp.test[0], False)):
            res = net.run_sample(sample, learn)
            losses.append(res.loss)
            cycles.append(int(res.tick_cycles.sum()))
        runs.append((losses, net.last_outputs, net.weights(), cycles))
    (l1, y1, w1, c1), (l0, y0, w0, c0) = runs
    assert l1 == l0 and np.array_equal(y1, y0)
    assert all(np.array_equal(w1[k], w0[k]) for k in w0)
    assert all(a > b for a, b in zip(c1, c0))                                # the SENDs cost cycles only
