"""Run the model over epochs x (train, test) samples and write the complete RTL vector folder (see FORMAT_DOC)."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..core.records import AT_PROP, AT_STEP, NF, TK
from ..config import ChipConfig
from ..core import config_regs, config_visit
from ..core.chip import Chip, ChipHang
from ..core.host import HostSpec
from ..core.state import READBACK
from ..core.tick_period import Schedule
from ..experiments.data import RunInputs
from ..io import vector_files as fmt
from ..io.reckon_files import sample_targets
from ..io.vector_files_doc import FORMAT_DOC
from . import gettar, local_pace, model_only, spi
from .stimulus import check_protocol, n_items, program_steps
from .tbench import write_dropin
from .vcd import StateVcd

IMAGE_KEYS = {"neur": "neur_sram", "winp": "winp_sram", "wrec": "wrec_sram", "wout": "wout_sram"}


def _images(snapshot: dict) -> dict[str, np.ndarray]:
    return {mem: snapshot[key] for mem, key in IMAGE_KEYS.items()}


def state_columns(res, cfg: ChipConfig) -> dict[str, np.ndarray]:
    """End-of-tick state of one sample (after PROP for ticks < T, after STEP for tick T), [T, n] per column."""
    rec = res.records                                # z / neuron fields: the records' width (core.chip)
    last = np.zeros(rec.z.shape[0], dtype=bool)
    last[-1] = True
    neur = np.where(last[:, None, None], rec.step, rec.prop)
    oneur = np.where(last[:, None], rec.oneur[:, AT_STEP, : cfg.n_out], rec.oneur[:, AT_PROP, : cfg.n_out])
    return {"z": rec.z, "inp": rec.inp[:, : cfg.n_inp], "u": neur[:, NF.membrane], "tinp": neur[:, NF.trace_inp],
            "trec": neur[:, NF.trace_rec], "tout": neur[:, NF.trace_out], "oneur_u": oneur}


def write_vectors(out: Path, inputs: RunInputs, progress=None, host: HostSpec | None = None) -> dict:
    """Write every vector file into `out` (an empty folder) and return the manifest; host: the host program
    template every sample plays (default: inputs.host, else the stock protocol)."""
    cfg = inputs.config
    host = host or inputs.host or HostSpec()
    check_protocol(cfg, host)
    out = Path(out)
    for sub in ("mem", "expect", "tbench"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    files: list[dict] = []

    def add(path: Path, kind: str, fmt_name: str, **extra) -> None:
        files.append({"path": path.relative_to(out).as_posix(), "kind": kind, "format": fmt_name,
                      "format_version": fmt.FORMAT_VERSION, **extra})

    chip = _programmed_chip(out, add, inputs, host)
    reach = config_regs.record_sizes(cfg, [host.config_txns])   # sizes the visits may grow: files sized by it

    regression = inputs.targets is not None and cfg["SPI_REGRESSION"]
    stim, outputs, samples, probes = [], [], [], []
    vcd = StateVcd(out / "model.vcd", reach.n_inp, reach.n_rec, reach.n_out)
    gidx = 0
    timing_rows: list = []
    try:
        for epoch in range(inputs.epochs):
            for phase, data in ((0, inputs.train), (1, inputs.test)):
                learn = phase == 0
                pre = spi.do_eprop_writes(cfg.do_eprop_train if learn else cfg.do_eprop_test)
                rewrite = True                    # the phase's DO_EPROP before this sample (a visit may change it)
                for index, sample in enumerate(data):
                    targets = (sample_targets(inputs.targets, index, sample.n_ticks, cfg.target_tick)
                               if learn and regression else None)
                    prog = chip.host_program(sample, learn, targets)
                    start_cfg = chip.config               # the registers the sample starts with
                    steps = program_steps(prog)
                    try:
                        res = chip.run_sample(sample, learn, dump=True, program=prog)
                    except ChipHang as hang:          # held in IDLE / hung in EPROP or GET_TAR / a free run: the last
                        if hang.state not in ("IDLE", "EPROP", "GET_TAR", "PROP") and not hang.free_run:   # it runs
                            raise
                        if hang.free_run:
                            model_only.check_free_run(start_cfg, prog, learn)
                        stim.append(_halted_sample(out, add, start_cfg, host, hang, gidx, epoch, phase, index, prog,
                                                   pre if rewrite else [], steps, probes))
                        outputs.append((gidx, []))
                        timing_rows.append(stim[-1].timing)
                        samples.append(_sample_row(gidx, epoch, phase, index, sample, halt={
                            "tick": hang.tick, "state": hang.state, "why": str(hang)}))
                        raise _Halted from None
                    _add_config_reads(steps, res.config_reads, gidx, probes)
                    end_cfg = _after_visits(chip, host, cfg)
                    steps = local_pace.extended(steps, _last_host_tick(res))       # the host stops at the end
                    if chip.local_tick:               # later phases: SPI_LOCAL_TICK := 1 again after its := 0
                        later = [(p, p.stop_tick or None) for p in chip.local_schedule.later]
                        for sched, end in ((chip.local_schedule, chip.local_end), *later):
                            _check_local(steps, res, sched, end)
                        local_pace.write(out, add, gidx, chip.local_schedule, _host_ticks(len(steps), res.lost_ticks),
                                         chip.local_end, cuts=res.cut_ticks, later=later)
                    _asked_only(steps, res.tick_table, res.lost_ticks)
                    stim.append(fmt.SampleStim(gidx, epoch, phase, index, len(steps), n_items(end_cfg),
                                               pre if rewrite else [], steps, _spt_items(res.tick_send),
                                               _timing(start_cfg, host), _bench_lost(res),
                                               _fall(prog, len(steps), False, _bench_lost(res), host.tick_period),
                                               local=chip.local_tick,
                                               gettar=_gettar(out, add, gidx, res, len(steps), start_cfg, end_cfg)))
                    rewrite = _writes_do_eprop(prog)
                    timing_rows.append(stim[-1].timing)
                    items = [int(res.inference)] if n_items(end_cfg) == 1 else [int(b) for b in res.out_bytes]
                    outputs.append((gidx, items))
                    # the bench's read-back after the sample leaves SRNN_READBACK at its last word (code-0 reads)
                    chip.state.ctl[READBACK] = _write_sample(out, add, reach, gidx, res, steps, vcd, chip.state.oneur)
                    ended = {"ticks_run": len(steps)} if len(steps) != sample.n_ticks else {}   # SAMPLE fell early
                    if res.cut_ticks:                 # (host tick, cycles after the busy tick's TIME_TICK)
                        ended["cut_ticks"] = [list(c) for c in res.cut_ticks]
                    samples.append(_sample_row(gidx, epoch, phase, index, sample, **ended, out_data=items,
                                               inference=int(res.inference),
                                               sum_tick_cycles=int(res.tick_cycles.sum())))
                    gidx += 1
                    if progress is not None:
                        progress(1)
    except _Halted:
        pass
    finally:
        vcd.close()
    add(out / "model.vcd", "vcd", "vcd")
    return _write_run_files(out, add, inputs, host, stim, outputs, timing_rows, probes, samples, files)


def _write_run_files(out: Path, add, inputs: RunInputs, host: HostSpec, stim, outputs, timing_rows, probes,
                     samples, files) -> dict:
    """The run's files (stimulus, outputs, timing, CONFIG reads, tbench drop-in, FORMAT, manifest); the manifest."""
    fmt.write_stimulus(out / "stimulus.hex", stim)
    add(out / "stimulus.hex", "stimulus", "tick-stream")
    fmt.write_outputs(out / "expect" / "outputs.hex", outputs)
    add(out / "expect" / "outputs.hex", "expected_out_data", "out-items")
    if any(t is not None for t in timing_rows):   # record 7 per sample, for tools/rtl/reckon_replay.sv
        fmt.write_timing(out / "expect" / "timing.hex", timing_rows)
        add(out / "expect" / "timing.hex", "expected_timing", "timing")
    if probes:   # the read words of every CONFIG visit, for tools/rtl/reckon_replay.sv (the bench reads stimulus)
        (out / "expect" / "config_reads.hex").write_text("\n".join(probes) + "\n", encoding="ascii")
        add(out / "expect" / "config_reads.hex", "expected_config_reads", "config-reads")
    for p in write_dropin(out / "tbench", inputs.config, inputs.train, inputs.test, inputs.weights, inputs.epochs):
        add(p, "tbench_dropin", "reckon-tbench")
    (out / "FORMAT.md").write_text(FORMAT_DOC, encoding="utf-8")
    add(out / "FORMAT.md", "doc", "markdown")
    manifest = _manifest(inputs, host, samples, files)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="ascii")
    return manifest


def _programmed_chip(out: Path, add, inputs: RunInputs, host: HostSpec) -> Chip:
    """The chip after the SPI programming, whose images and transactions are written (mem/*_init, spi_program)."""
    cfg = inputs.config
    chip = Chip.from_config(cfg, **inputs.weights)
    chip.host = host
    reach = config_regs.record_sizes(cfg, [host.config_txns])   # regions a visit's larger sizes reach too
    chip.state.dirty[: 2 * spi.program_dirty_words(reach)] = 1   # every programmed word is dirty (spec §15)
    images = _images(chip.state.snapshot(cfg))
    for mem, img in images.items():
        fmt.write_image(out / "mem" / f"{mem}_init.mem", img)
        add(out / "mem" / f"{mem}_init.mem", f"image_init_{mem}", "readmemh-128")
    fmt.write_transactions(out / "spi_program.hex", spi.program_sequence(cfg, images, reach))
    add(out / "spi_program.hex", "spi_program", "spi-transactions")
    return chip


def _manifest(inputs: RunInputs, host: HostSpec, samples: list, files: list) -> dict:
    cfg = inputs.config
    return {
        "format": "reckon-sim-rtl-vectors", "format_version": fmt.FORMAT_VERSION, "source": inputs.source,
        "run": {"epochs": inputs.epochs, "ntrain": len(inputs.train), "ntest": len(inputs.test),
                "samples": len(samples)},
        "config": cfg.to_dict(), "regions": {m: len(w) for m, w in spi.regions(cfg).items()},
        "bench": {"edges_to_ready": fmt.EDGES_TO_READY, "edges_to_out_req": fmt.EDGES_TO_OUT_REQ,
                  "protocol": "golden FORMAT.md section 3 (stock testbench order)" if host.stock
                  else "host program (README Operating modes)", "host": host.to_dict()},
        "samples": samples, "files": files}


def _sample_row(gidx: int, epoch: int, phase: int, index: int, sample, **extra) -> dict:
    """A sample's entry in manifest.json."""
    return {"gidx": gidx, "epoch": epoch, "phase": "test" if phase else "train", "sample": index,
            "label": int(sample.label), "ticks": sample.n_ticks, **extra}


class _Halted(Exception):
    """The chip is held in IDLE (ChipHang): no later sample runs until a reset."""


def _writes_do_eprop(prog) -> bool:
    """The program's CONFIG visits write SPI_DO_EPROP (the model runs each sample with its phase's value)."""
    addr = spi.BY_NAME["SPI_DO_EPROP"].addr
    return any(config_visit.writes(txns, config_visit.CODE_REG, addr) for txns in prog.config.values())


def _after_visits(chip: Chip, host: HostSpec, cfg: ChipConfig) -> ChipConfig:
    """The registers a sample's CONFIG visits left (they stay for the next samples, as on the chip); InputError
    when the bench cannot follow them."""
    now = chip.config          # a visit's SPI_TIMING_MODE the bench follows (it counts the ticks' cycles in mode 1)
    check_protocol(replace(now, registers={**now.registers, "SPI_TIMING_MODE": cfg["SPI_TIMING_MODE"]}), host)
    return now


def _spt_items(tick_send) -> int:
    """Record 5's n: the most OUT_DATA items of a per-tick SEND (0: no per-tick SEND; the bench reads every tick
    2..T-1's line, n = 0 where SEND_PER_TIMESTEP was 0)."""
    return 0 if tick_send is None else max(1, int(np.max(tick_send["n"], initial=0)))


def _fall(prog, n_ticks: int, hang: bool = False, lost=(), period: int = 0) -> fmt.Fall | None:
    """Record 9 of a sample whose SAMPLE falls mid-tick (None: in a step, or never); a fall after a lost TIME_TICK
    is counted from the chip tick that was busy then (core.lost_ticks.merge), the one the bench raised."""
    j = prog.fall_step
    if prog.fall_cycle < 0 or j >= prog.n_ticks:
        return None
    h0 = max(h for h in range(1, j + 1) if h not in lost)
    end = fmt.FALL_HANG if hang else (fmt.FALL_ENDS if n_ticks == h0 else fmt.FALL_NEXT)
    return fmt.Fall(h0, prog.fall_cycle + (j - h0) * period, end)


def _timing(cfg: ChipConfig, host: HostSpec, halt: ChipHang | None = None) -> fmt.Timing | None:
    """Record 7 of a sample: None for the ready-paced stock timing without a halt (an EPROP hang is record 9)."""
    halt = halt if halt is not None and (halt.state == "IDLE" or halt.free_run) else None
    error = int(halt is not None and halt.timing_error) | (2 if halt is not None and halt.free_run else 0)
    t = fmt.Timing(host.tick_period, 0 if halt is None else halt.tick, error, int(cfg["SPI_TIMING_MODE"]))
    if halt is not None and cfg["SPI_LOCAL_TICK"]:
        t = replace(t, halt_tick=1, period=0)  # held before the bench's first TIME_TICK, which it ignores
    return None if t == fmt.Timing() else t


def _add_config_reads(steps: list, config_reads, gidx: int, probes: list) -> None:
    """CONFIG visits into their steps, with the words the chip returns (and the probe lines for the replay)."""
    for k, txns in config_reads or ():
        if k - 1 < len(steps):
            steps[k - 1].config = [fmt.Transaction(cmd, words) for cmd, words in txns]
            reads = [max(w, 0) for cmd, words in txns if cmd >> 31 for w in words]   # undefined: 0 (record 12)
            probes.append(f"{gidx:x} {k:x} {len(reads):x} " + " ".join(f"{w:08x}" for w in reads))


def _last_host_tick(res) -> int:
    """The host tick of the sample's last chip tick (ticks lost during it are raised within it)."""
    n, lost = len(res.tick_table), res.lost_ticks
    return int(_host_ticks(n + len(lost), lost)[n - 1])


def _host_ticks(n_steps: int, lost) -> np.ndarray:
    """The host tick number of every chip tick (the host's ticks 1..n_steps less the lost ones)."""
    return np.setdiff1d(np.arange(1, n_steps + 1), lost)


def _bench_lost(res) -> list:
    """Record 8: the host ticks the bench's tick generator raises inside a busy tick (lost ones, and cut ones:
    a tick that cuts a PROP scan starts a chip tick, but the bench's busy tick only ends at its readiness)."""
    return sorted({*res.lost_ticks, *(h for h, _ in res.cut_ticks)})


def _merge_cut_rows(rows: np.ndarray, host_ticks: np.ndarray, cuts) -> None:
    """A cut tick h's row goes into the busy tick's: its cycles count from the busy tick's TIME_TICK (h arrives
    `offset` cycles after it) to the cut tick's readiness, with both ticks' host-paced cycles; h's row is 0 0.
    Last cut first: a cut tick that is cut in turn has its row merged already (the bench's busy tick lasts to the
    readiness of the last one). With SEND_PER_TIMESTEP the bench takes the cut ticks' OUT_DATA items in the busy
    tick too (their send lines follow its own) and measures each SEND's span."""
    for h, offset in sorted(cuts, reverse=True):
        busy = int(host_ticks[int(np.searchsorted(host_ticks, h)) - 1])
        rows[0, busy - 1] = offset + rows[0, h - 1]
        rows[1, busy - 1] += rows[1, h - 1]
        rows[:, h - 1] = 0


def _asked_only(steps: list, tk: np.ndarray, lost) -> None:
    """Drop the GET_TAR answers of ticks in which the chip requests none (tick 1, the last tick, lost ticks,
    ticks without learning): the bench waits for REQ_TAR to send them, which with SPI_TIMING_MODE = 1 never ends."""
    asks = set(_host_ticks(len(steps), lost)[tk[:, TK.gettar] > 0].tolist())
    for s in steps:
        if s.req and s.j + 1 not in asks:
            s.req = []


def _check_local(steps: list, res, local, end) -> None:
    """The bench keeps up with the local ticks (vectors.local_pace)."""
    local_pace.check(steps, res.tick_table, _host_ticks(len(steps), res.lost_ticks), local, end, res.cut_ticks)


def _halted_sample(out: Path, add, cfg: ChipConfig, host: HostSpec, hang: ChipHang, gidx: int, epoch: int,
                   phase: int, index: int, prog, pre: list, steps: list, probes: list) -> fmt.SampleStim:
    """The stimulus of the sample in which the chip halts: its steps up to the halt tick and the cycles of
    those ticks (the last one cut: the bench checks only that it is still busy when the early tick comes; an
    EPROP hang's last row counts up to the cycle EPROP would have left, a GET_TAR hang's up to GET_TAR's first)."""
    in_visit = model_only.check_halt(hang)
    timing = _timing(cfg, host, hang)
    if hang.cut == ("CONFIG", -1) or in_visit:        # halted in the visit: at its EH := 1 write, or a local tick
        timing = replace(timing, timing_error=timing.timing_error | 4)
    if hang.state == "PROP" and not hang.free_run:    # the host's last tick lost: the chip waits in PROP
        timing = replace(timing or fmt.Timing(), halt_tick=hang.tick, timing_error=9)
    h = timing.halt_tick if timing is not None and timing.halt_tick else hang.tick
    # host ticks lost before a halt / up to an EPROP hang or a visit's halt (those raised in its tick too: record 8)
    keep = lambda t: t < h or hang.state in ("EPROP", "GET_TAR") or (timing and timing.timing_error & 12)  # noqa: E731
    lost, cuts = [t for t in hang.lost_ticks if keep(t)], [c for c in hang.cut_ticks if keep(c[0])]
    n = h - sum(t <= h for t in lost)                 # chip ticks up to the cut one
    tk = hang.tick_table if hang.tick_table is not None else np.zeros((n, len(TK)), np.int64)
    sends = hang.tick_send
    found = gettar.hang_rows(cfg, tk, gettar.blind(cfg), _host_ticks(h, lost)) if hang.state == "GET_TAR" else []
    host_cycles = tk[:n, TK.gettar] + tk[:n, TK.config] + (sends["cycles"][:n] if sends is not None else 0)
    if hang.state == "IDLE" and hang.cut and hang.cut[0] == "GET_TAR":   # a halt in a GET_TAR no transfer answers:
        host_cycles[n - 1] -= tk[n - 1, TK.gettar]    # chip cycles up to the tick (REQ_TAR-timed, it ends no tick)
    rows, ticks = np.zeros((2, h), np.int64), _host_ticks(h, lost)   # rows per host tick: a lost one "0 0"
    rows[:, ticks - 1] = np.stack([tk[:n, TK.cycles], host_cycles])
    _merge_cut_rows(rows, ticks, cuts)                # a cut tick is raised inside its busy tick (record 8)
    path = out / "expect" / f"cycles_{gidx:04d}.hex"
    fmt.write_cycles(path, rows[0], rows[1])
    add(path, "expected_cycles", "tick-cycles", gidx=gidx)
    if sends is not None:
        path = out / "expect" / f"send_{gidx:04d}.hex"
        fmt.write_tick_sends(path, sends["n"][:n], sends["data"][:n], ticks,   # a cut tick: last, no line
                             last=hang.state == "GET_TAR")
        add(path, "expected_tick_out_data", "tick-out-items", gidx=gidx)
    steps = steps[:h]
    if hang.local:                                    # the local ticks up to the one that halts tick h
        sched = hang.local_schedule or Schedule(hang.local[2], *hang.local[:2])
        last = max([t for t in lost if t > h], default=h + in_visit) if timing and timing.timing_error & 4 else h + 1
        later = [(p, p.stop_tick or None) for p in sched.later]
        stop = sched.ended_before(h) or None         # a resumed host's halt comes after the last := 0
        local_pace.write(out, add, gidx, sched, _host_ticks(h, lost), (sched.stop_tick or None) if later else stop,
                         None if stop else (h, last), later=later)
    _add_config_reads(steps, hang.config_reads, gidx, probes)
    _asked_only(steps[: h - 1], tk[: n - 1], lost)                # the cut tick h: as far as the chip got
    in_eprop = hang.state == "EPROP" or hang.state == "IDLE" and hang.cut is not None and hang.cut[0] == "EPROP"
    fall = _fall(prog, h, True, lost, host.tick_period) if in_eprop else None   # a halt in a fall's hang too
    return fmt.SampleStim(gidx, epoch, phase, index, prog.n_ticks, 0, pre, steps,
                          _spt_items(None if sends is None else {"n": sends["n"][:n]}), timing,
                          sorted({*lost, *(c[0] for c in cuts)}), fall,
                          local=hang.local, gettar=gettar.write(out, add, gidx, found, bool(cfg["SPI_GET_TAR_REQ_OUT"]))
                          if hang.state == "GET_TAR" else None)


def _gettar(out: Path, add, gidx: int, res, n_steps: int, cfg: ChipConfig, end_cfg: ChipConfig):
    """Record 11 of a finished sample: its GET_TARs that REQ_TAR does not show on MISO (None: none)."""
    found = gettar.rows(end_cfg, res.tick_table, _host_ticks(n_steps, res.lost_ticks), gettar.blind(cfg, end_cfg))
    return gettar.write(out, add, gidx, found, bool(end_cfg["SPI_GET_TAR_REQ_OUT"]))


def _write_sample(out: Path, add, cfg: ChipConfig, gidx: int, res, steps, vcd: StateVcd, oneur_idle) -> int:
    """Expected images, cycles, state, read-back words and the VCD section of one sample; returns the read-back's
    last word.

    oneur_idle: the output membranes back in IDLE (cleared on entry, srnn.v oneur_u), read back after SRAMs."""
    tag = f"{gidx:04d}"
    images = _images(res.end_state)
    for mem, img in images.items():
        fmt.write_image(out / "mem" / f"{mem}_{tag}.mem", img)
        add(out / "mem" / f"{mem}_{tag}.mem", f"image_{mem}", "readmemh-128", gidx=gidx)
    tk = res.tick_table
    host_cycles = tk[:, TK.gettar] + tk[:, TK.config] + (res.tick_send["cycles"] if res.tick_send is not None else 0)
    rows = np.stack([tk[:, TK.cycles], host_cycles])
    host_ticks = _host_ticks(len(steps), res.lost_ticks)
    if res.lost_ticks or res.cut_ticks:              # rows per host tick: a lost tick has "0 0"
        rows, chip = np.zeros((2, len(steps)), np.int64), rows
        rows[:, host_ticks - 1] = chip
        _merge_cut_rows(rows, host_ticks, res.cut_ticks)
    fmt.write_cycles(out / "expect" / f"cycles_{tag}.hex", rows[0], rows[1])
    add(out / "expect" / f"cycles_{tag}.hex", "expected_cycles", "tick-cycles", gidx=gidx)
    if res.tick_send is not None:                    # keyed by host tick, as the benches count them
        fmt.write_tick_sends(out / "expect" / f"send_{tag}.hex", res.tick_send["n"], res.tick_send["data"],
                             host_ticks)
        add(out / "expect" / f"send_{tag}.hex", "expected_tick_out_data", "tick-out-items", gidx=gidx)
    cols = state_columns(res, cfg)
    fmt.write_state(out / "expect" / f"state_{tag}.hex", cols)
    add(out / "expect" / f"state_{tag}.hex", "expected_state", "tick-state", gidx=gidx)
    readback = spi.readback_sequence(cfg, images, oneur_idle)
    fmt.write_transactions(out / "expect" / f"readback_{tag}.hex", readback)
    add(out / "expect" / f"readback_{tag}.hex", "expected_readback", "spi-transactions", gidx=gidx)
    vcd.add_sample(gidx, cols, tk[:, TK.cycles], [s.levels for s in steps if s.j + 1 not in res.lost_ticks])
    return readback[-1].data[-1]

