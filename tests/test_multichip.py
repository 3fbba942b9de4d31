"""ChipBatch / run_many: chips advanced together on threads give the results of separate runs, bit for bit."""
from __future__ import annotations

import numpy as np
import pytest

from reckon_sim import RECKON, Chip, ChipBatch, load_task, run_many
from reckon_sim.core.multichip import run_sample_nogil


def _cases():
    """Four different chips: two seeds of the stock task, other datapath widths, the full-size 256/256/16."""
    stock = [load_task("cue-accumulation", seed=s, n_train=3, n_test=2) for s in (1, 2)]
    full = load_task("cue-accumulation", preset="reckon-full", seed=3, n_train=2, n_test=1)
    return [(stock[0], RECKON), (stock[1], RECKON), (stock[0], RECKON.with_(weight=6, membrane=12)),
            (full, RECKON)]


def _chips(cases):
    return [Chip.from_config(inp.config, **inp.weights, widths=w) for inp, w in cases]


def _same(a, b):
    assert a.inference == b.inference and a.n_spikes == b.n_spikes and a.n_updates == b.n_updates
    assert a.n_sops == b.n_sops and a.saturations == b.saturations and a.eprop_ticks == b.eprop_ticks
    np.testing.assert_array_equal(a.tick_table, b.tick_table)
    np.testing.assert_array_equal(a.votes, b.votes)
    np.testing.assert_array_equal(a.out_bytes, b.out_bytes)
    assert a.loss == b.loss or (np.isnan(a.loss) and np.isnan(b.loss))


def _weights_equal(chips_a, chips_b):
    for ca, cb in zip(chips_a, chips_b):
        for name, w in ca.weights().items():
            np.testing.assert_array_equal(w, cb.weights()[name], err_msg=name)


def test_batch_equals_separate_runs():
    cases = _cases()
    single = _chips(cases)
    alone = [[c.run_sample(s, True) for s in inp.train] + [c.run_sample(s, False) for s in inp.test]
             for c, (inp, _) in zip(single, cases)]
    batch = ChipBatch(_chips(cases), threads=2)
    trained = batch.run_streams([inp.train for inp, _ in cases], True)
    tested = batch.run_streams([inp.test for inp, _ in cases], False)
    for want, got in zip(alone, [a + b for a, b in zip(trained, tested)]):
        assert len(want) == len(got)
        for a, b in zip(want, got):
            _same(a, b)
    _weights_equal(single, batch.chips)
    # the chips really differ (one shared chip or swapped results would not pass the comparisons above)
    assert any(r.n_updates for r in trained[0])
    assert len({int(r[0].tick_table[:, 1].sum()) for r in trained}) == len(cases)


def test_run_samples_one_per_chip_with_dumps():
    cases = _cases()
    single = _chips(cases)
    want = [c.run_sample(inp.train[0], True, dump=True) for c, (inp, _) in zip(single, cases)]
    got = ChipBatch(_chips(cases), threads=3).run_samples([inp.train[0] for inp, _ in cases], True, dump=True)
    for a, b in zip(want, got):
        _same(a, b)
        for field in a.records._fields:
            np.testing.assert_array_equal(getattr(a.records, field), getattr(b.records, field), err_msg=field)
        assert a.end_state.keys() == b.end_state.keys()
        for key in a.end_state:
            np.testing.assert_array_equal(a.end_state[key], b.end_state[key], err_msg=key)


def test_batch_train_equals_train():
    from reckon_sim import train
    cases = _cases()[:3]
    want = [train(c, inp.train, inp.test, 2) for c, (inp, _) in zip(_chips(cases), cases)]
    got = ChipBatch(_chips(cases), threads=2).train([i.train for i, _ in cases], [i.test for i, _ in cases], 2)
    for a, b in zip(want, got):
        assert a.rows == b.rows
        for x, y in zip(a.tick_cycles, b.tick_cycles):
            np.testing.assert_array_equal(x, y)


def test_run_many_keeps_order_and_raises_the_first_error():
    assert run_many([lambda i=i: i * i for i in range(7)], threads=3) == [0, 1, 4, 9, 16, 25, 36]

    def boom():
        raise KeyError("chip 2")
    with pytest.raises(KeyError, match="chip 2"):
        run_many([lambda: 1, boom, lambda: 3], threads=2)
    with pytest.raises(ValueError, match="threads must be >= 1, got 0"):
        run_many([lambda: 1], threads=0)


def test_batch_rejects_shared_chips_and_wrong_counts():
    inp = load_task("cue-accumulation", seed=1, n_train=1, n_test=1)
    chip = Chip.from_config(inp.config, **inp.weights)
    with pytest.raises(ValueError, match="the same chip object appears twice"):
        ChipBatch([chip, chip])
    with pytest.raises(ValueError, match="2 samples for 1 chips"):
        ChipBatch([chip]).run_samples(inp.train * 2, True)


def test_other_threads_run_while_a_chip_kernel_runs():
    """The property ChipBatch's parallelism rests on. With a huge GIL switch interval a thread gives the GIL up
    only where it blocks or releases it: this thread sees the worker inside the kernel call only if the kernel
    runs without the GIL (a kernel holding it would keep this thread waiting until the worker is done)."""
    import linecache
    import sys
    import threading
    import time
    from reckon_sim.core import chip as chip_mod
    assert chip_mod.run_sample_nogil is run_sample_nogil and run_sample_nogil.targetoptions.get("nogil") is True
    inp = load_task("cue-accumulation", preset="reckon-full", seed=1, n_train=4, n_test=1)
    chip = Chip.from_config(inp.config, **inp.weights)
    chip.run_sample(inp.train[0], True)                      # compile / load the cache first
    seen, old = 0, sys.getswitchinterval()
    worker = threading.Thread(target=lambda: [chip.run_sample(s, True) for s in inp.train[1:]])
    sys.setswitchinterval(100.0)
    try:
        worker.start()
        while worker.is_alive():
            frame = sys._current_frames().get(worker.ident)
            if frame is not None and frame.f_code.co_filename == chip_mod.__file__:
                line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
                seen += "run_sample_nogil(" in line or "self._entry(args)" in line   # Chip._kernel's two calls
            time.sleep(0.001)
    finally:
        sys.setswitchinterval(old)
    worker.join()
    assert seen > 0


def test_chip_pickles_after_a_sample_and_runs_on_identically():
    """Chip._kernel keeps the kernel's compiled entry point; a pickled chip (process pools) drops it and looks it
    up again, and an entry point found for one chip's records is not reused for another chip's."""
    import pickle
    inp = load_task("cue-accumulation", seed=1, n_train=2, n_test=1)
    chip = Chip.from_config(inp.config, **inp.weights)
    chip.run_sample(inp.train[0], True)
    copy = pickle.loads(pickle.dumps(chip))
    assert copy._entry is None and chip._entry is not None
    a, b = chip.run_sample(inp.train[1], True), copy.run_sample(inp.train[1], True)
    _same(a, b)
    _weights_equal([chip], [copy])
    assert copy._entry_key[1] is copy.state and chip._entry_key[1] is chip.state
