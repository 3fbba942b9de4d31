"""Readers and writers for the ReckOn text file formats (spec §16.3-16.4, golden FORMAT.md §2.2, §2.3, §9).

Three formats, all plain text with one record per line:

* **Datasets** (``dataset_cueAcc_*.dat``, ``train.dat``, ``test.dat``): line 1 = number of samples S, then per
  sample lines ``a, b`` (int, comma, one space, int): ``a >= 0`` is an input event on channel ``a`` at time ``b``;
  ``-2, L`` is the supervision marker (label L); ``-1, T`` ends the sample (T ticks).
* **Weights** (``init_rand_weights_*.dat``, ``winp/wrec/wout.dat``): one signed decimal per line, row-major with
  the presynaptic index outermost; extra lines after ``n_pre * n_post`` are ignored (FORMAT.md §2.3).
* **Regression targets** (``targets.txt``): one line per learning tick, ``n_out`` whitespace-separated int16s.

Readers validate strictly and raise :class:`~reckon_sim.errors.InputError` with ``where = "file:line"`` and a message
naming the field, the bad value and the allowed range. Tolerated: trailing whitespace on a line, ``\\r\\n`` line
endings, a missing final newline and blank lines at the very end of the file. Writers reproduce the stock files
byte for byte: the stock ReckOn files use CRLF line endings with a final CRLF (the default ``newline``); the golden
cases use LF (pass ``newline="\\n"``, or ``detect_newline(path)`` to mirror an existing file).
"""
from __future__ import annotations

import itertools
import os
import re
import stat
from array import array
from os import PathLike
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from reckon_sim.backend import Sample
from reckon_sim.errors import InputError

__all__ = [
    "STOCK_NEWLINE", "MAX_LABEL", "detect_newline", "check_sample",
    "read_dataset", "write_dataset", "read_weights", "write_weights", "read_targets", "write_targets",
    "sample_targets",
]

STOCK_NEWLINE = "\r\n"      # what the stock ReckOn data files use (every line, including the last, ends with it)
MAX_LABEL = 15              # the label is a 4-bit class index on the chip (OUT_DATA[3:0])
LABEL_MARKER, END_MARKER = -2, -1

# A decimal integer exactly as the writers print it: no sign on zero, no '+', no leading zeros. Being this strict
# is what makes "read then write" reproduce the input byte for byte.
_INT = r"(?:0|-?[1-9][0-9]*)"
_INT_RE = re.compile(_INT + r"\Z")
_PAIR_RE = re.compile(rf"({_INT}), ({_INT})\Z")

PathArg = str | PathLike


# ---------------------------------------------------------------------------------------------------- helpers
MAX_LINE = 200              # characters; a longer line is an error (a CR-only or binary file is one huge "line")
MAX_TICKS = 1_000_000       # T bound: per-tick records of one sample are allocated up front
_QUOTE = 60                 # characters of a bad line or token quoted in a message


def quote(text: str) -> str:
    """repr of `text`, cut to ~60 characters so that an error stays one readable line."""
    return repr(text) if len(text) <= _QUOTE else repr(text[:_QUOTE]) + "..."


def open_regular(path: PathArg, what: str = "file"):
    """The binary file object of a regular file; InputError naming the path if it is missing, a folder, a FIFO
    or device (reading those could hang or never end) or unreadable."""
    p = Path(path)
    try:
        mode = os.stat(p).st_mode
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except OSError as err:
        raise InputError(str(path), f"cannot read file ({err.strerror or err})") from None
    if stat.S_ISDIR(mode):
        raise InputError(str(path), f"cannot read: a folder, not a {what}")
    if not stat.S_ISREG(mode):
        raise InputError(str(path), f"cannot read: not a regular file (a FIFO, device or socket), expected a {what}")
    try:
        return open(p, "rb")
    except OSError as err:
        raise InputError(str(path), f"cannot read file ({err.strerror or err})") from None


def _iter_lines(path: PathArg, expected: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of a text file, streamed: trailing whitespace (and '\r') removed, blank lines at the
    very end dropped. InputError naming the path if the file is unreadable, not ASCII text, has a line longer
    than MAX_LINE or holds no data (``expected`` says what line 1 should have been)."""
    with open_regular(path) as f:
        lineno, blanks, seen = 0, 0, False
        while True:
            raw = f.readline(MAX_LINE + 2)
            if not raw:
                break
            lineno += 1
            body = raw.rstrip(b"\r\n") if raw.endswith(b"\n") else raw
            if len(body) > MAX_LINE:
                raise InputError(f"{path}:{lineno}", f"line longer than {MAX_LINE} characters (expected {expected}; "
                                                     f"a file with CR-only line endings, or not a text file?)")
            try:
                line = body.decode("ascii").rstrip()
            except UnicodeDecodeError as err:
                raise InputError(f"{path}:{lineno}", f"not ASCII text (byte 0x{body[err.start]:02x}); "
                                                     f"expected {expected}") from None
            if "\r" in line:
                raise InputError(f"{path}:{lineno}", f"line holds a bare CR (CR-only line endings?); lines end "
                                                     f"with LF or CRLF (expected {expected})")
            if not line:
                blanks += 1
                continue
            for k in range(blanks):                      # blank lines inside the data are errors of the parser
                yield lineno - blanks + k, ""
            blanks, seen = 0, True
            yield lineno, line
    if not seen:
        raise InputError(str(path), f"file is empty; expected {expected}")


def _read_lines(path: PathArg, expected: str, limit: int | None = None) -> list[str]:
    """The first `limit` (default: all) lines of `_iter_lines`."""
    return [line for _, line in itertools.islice(_iter_lines(path, expected), limit)]


def _parse_int(token: str, where: str, field: str, allowed: str) -> int:
    """int(token) for a strictly formatted decimal, else InputError naming field and allowed values."""
    if not _INT_RE.match(token):
        raise InputError(where, f"field '{field}' = {quote(token)} is not an integer (allowed {allowed})")
    return int(token)


def _check_range(value: int, lo: int, hi: int | None, where: str, field: str, note: str = "") -> None:
    """InputError ``field 'x' = v out of range lo..hi`` unless lo <= value <= hi (hi None = unbounded)."""
    if value < lo or (hi is not None and value > hi):
        rng = f"{lo}..{hi}" if hi is not None else f">= {lo}"
        raise InputError(where, f"field '{field}' = {value} out of range {rng}{note}")


def _write_lines(path: PathArg, lines: Iterable[str], newline: str) -> None:
    """Write lines, each terminated by ``newline`` (the stock files end with a newline too), in binary mode so
    that Python never translates line endings."""
    if newline not in ("\n", "\r\n"):
        raise ValueError(f"newline must be '\\n' or '\\r\\n', got {newline!r}")
    Path(path).write_bytes("".join(f"{line}{newline}" for line in lines).encode("ascii"))


def detect_newline(path: PathArg) -> str:
    """The line ending an existing file uses ('\\r\\n' if its first line ends with it, else '\\n')."""
    first_line = Path(path).read_bytes()[:4096].split(b"\n", 1)[0]
    return "\r\n" if first_line.endswith(b"\r") else "\n"


# ---------------------------------------------------------------------------------------------------- datasets
def _pair_error(line: str, where: str, n_channels: int) -> InputError:
    """Diagnose a dataset line that is not exactly 'a, b' (which token is bad, or the separator)."""
    chan_allowed = f"0..{n_channels - 1}, {LABEL_MARKER} (label marker) or {END_MARKER} (end marker)"
    if "," not in line:
        return InputError(where, f"line {quote(line)} is not 'a, b' (int, comma, space, int)")
    first, second = (t.strip() for t in line.split(",", 1))
    if not _INT_RE.match(first):
        return InputError(where, f"field 'channel' = {quote(first)} is not an integer (allowed {chan_allowed})")
    if not _INT_RE.match(second):
        return InputError(where, f"field 'time' = {quote(second)} is not an integer (allowed 0..T-1, or a label/T)")
    return InputError(where, f"line {quote(line)} is not exactly 'a, b' (one comma then one space, no other blanks)")


def read_dataset(path: PathArg, n_channels: int = 256, limit: int | None = None, n_labels: int = MAX_LABEL + 1,
                 min_ticks: int = 2) -> list[Sample]:
    """Read a ReckOn dataset file into Samples, validating every line, streamed (memory ~ the samples kept).

    Checks: header = number of samples found; every line is exactly ``a, b``; event channel in
    0..n_channels-1 and time in 0..T-1, non-decreasing within a sample; exactly one ``-2, L`` marker per sample,
    before its ``-1, T``; label in 0..n_labels-1 (at most 0..15); T in min_ticks..MAX_TICKS (min_ticks >= 2).
    ``limit``: stop after that many samples (the rest of the file is not read, nor is the header checked
    against it). ``Sample.events`` keeps the file order (duplicates allowed, FORMAT.md §2.2) and
    ``marker_index`` the marker position, so :func:`write_dataset` reproduces the file.
    """
    if not 1 <= n_channels <= 256:
        raise ValueError(f"n_channels must be 1..256, got {n_channels}")
    lines = _iter_lines(path, "the number of samples on line 1")
    _, head = next(lines)
    n_declared = _parse_int(head, f"{path}:1", "n_samples", ">= 0")
    _check_range(n_declared, 0, None, f"{path}:1", "n_samples")
    reader = _SampleReader(str(path), n_channels, min(n_labels, MAX_LABEL + 1), max(2, min_ticks), n_declared)
    lineno = 1
    for lineno, line in lines:
        reader.feed(lineno, line)
        if limit is not None and len(reader.samples) >= limit:
            return reader.samples
    return reader.finish(lineno)


class _SampleReader:
    """The state of `read_dataset` between lines: the samples so far and the one being read."""

    def __init__(self, path: str, n_channels: int, n_labels: int, min_ticks: int, n_declared: int):
        self.path, self.n_channels, self.n_labels, self.min_ticks = path, n_channels, n_labels, min_ticks
        self.n_declared = n_declared
        self.samples: list[Sample] = []
        self._new_sample(2)

    def _new_sample(self, start_line: int) -> None:
        self.chans, self.times = array("i"), array("i")     # 8 bytes per event, not a tuple each
        self.last_line = 0                   # line of the last event, to point at the culprit once T is known
        self.marker: tuple[int, int] | None = None          # (label, line number) of this sample's '-2' marker
        self.marker_index = 0
        self.start_line = start_line         # first line of the current sample

    def _missing_end(self) -> str:
        return f"; or is the '-1, T' line of sample {len(self.samples)} (from line {self.start_line}) missing?"

    def feed(self, lineno: int, line: str) -> None:
        where = f"{self.path}:{lineno}"
        m = _PAIR_RE.match(line)
        if m is None:
            raise _pair_error(line, where, self.n_channels)
        a, b = int(m.group(1)), int(m.group(2))
        if not self.times and self.marker is None:
            self.start_line = lineno
            if len(self.samples) == self.n_declared:
                raise InputError(where, f"field 'n_samples' = {self.n_declared} (line 1) but another sample starts "
                                        f"here; the header must equal the number of samples")
        if a >= 0:
            _check_range(a, 0, self.n_channels - 1, where, "channel")
            if b < 0:
                raise InputError(where, f"field 'time' = {b} out of range 0..T-1")
            if self.times and b < self.times[-1]:
                hint = self._missing_end() if self.marker is not None else ""
                raise InputError(where, f"field 'time' = {b} out of range {self.times[-1]}..T-1 (times must be "
                                        f"non-decreasing within a sample; previous event at line "
                                        f"{self.last_line}){hint}")
            _check_range(b, 0, MAX_TICKS - 1, where, "time")
            self.chans.append(a)
            self.times.append(b)
            self.last_line = lineno
        elif a == LABEL_MARKER:
            if self.marker is not None:
                raise InputError(where, f"field 'marker' = second '-2' marker in sample {len(self.samples)} (first "
                                        f"on line {self.marker[1]}); allowed exactly 1 per sample"
                                        + self._missing_end())
            _check_range(b, 0, self.n_labels - 1, where, "label",
                         "" if self.n_labels == MAX_LABEL + 1 else " (one per output neuron)")
            self.marker, self.marker_index = (b, lineno), len(self.times)
        elif a == END_MARKER:
            self._end(lineno, b)
        else:
            _check_range(a, 0, self.n_channels - 1, where, "channel",
                         f" (or {LABEL_MARKER} = label marker, {END_MARKER} = end marker)")

    def _end(self, lineno: int, n_ticks: int) -> None:
        where = f"{self.path}:{lineno}"
        if self.marker is None:
            raise InputError(where, f"field 'marker' = missing: sample {len(self.samples)} (from line "
                                    f"{self.start_line}) ends without a '-2, L' marker; allowed exactly 1 per sample")
        note = f" (TARGET_TICK + 2 = {self.min_ticks})" if self.min_ticks > 2 else ""
        _check_range(n_ticks, self.min_ticks, MAX_TICKS, where, "n_ticks", note)
        if self.times and self.times[-1] > n_ticks - 1:
            raise InputError(f"{self.path}:{self.last_line}", f"field 'time' = {self.times[-1]} out of range "
                                                              f"0..{n_ticks - 1} (T = {n_ticks} on line {lineno})")
        ev = np.stack([np.frombuffer(self.chans, dtype=np.int32), np.frombuffer(self.times, dtype=np.int32)],
                      axis=1).reshape(-1, 2)
        self.samples.append(Sample(events=ev, label=self.marker[0], n_ticks=n_ticks,
                                   marker_index=self.marker_index))
        self._new_sample(lineno + 1)

    def finish(self, last_lineno: int) -> list[Sample]:
        if self.times or self.marker is not None:
            raise InputError(f"{self.path}:{last_lineno}", f"field 'marker' = missing: the file ends inside sample "
                                                           f"{len(self.samples)} (from line {self.start_line}) "
                                                           f"without its '-1, T' line")
        if len(self.samples) != self.n_declared:
            raise InputError(f"{self.path}:1", f"field 'n_samples' = {self.n_declared} but the file holds "
                                               f"{len(self.samples)} samples; the header must equal the number of "
                                               f"samples")
        return self.samples


def check_sample(sample: Sample, n_channels: int = 256, where: str = "sample") -> None:
    """Validate a Sample against the dataset format rules (same rules as :func:`read_dataset`)."""
    ev = np.asarray(sample.events)
    if ev.ndim != 2 or ev.shape[1] != 2:
        raise InputError(where, f"field 'events' has shape {ev.shape}; allowed (n, 2)")
    _check_range(int(sample.n_ticks), 2, None, where, "n_ticks")
    _check_range(int(sample.label), 0, MAX_LABEL, where, "label")
    _check_range(int(sample.marker_index), 0, len(ev), where, "marker_index")
    if len(ev):
        ch, t = ev[:, 0], ev[:, 1]
        for name, vals, hi in (("channel", ch, n_channels - 1), ("time", t, sample.n_ticks - 1)):
            bad = np.flatnonzero((vals < 0) | (vals > hi))
            if len(bad):
                raise InputError(f"{where} event {bad[0]}", f"field '{name}' = {vals[bad[0]]} out of range 0..{hi}")
        dec = np.flatnonzero(np.diff(t) < 0)
        if len(dec):
            i = dec[0] + 1
            raise InputError(f"{where} event {i}", f"field 'time' = {t[i]} out of range {t[i - 1]}.."
                                                   f"{sample.n_ticks - 1} (times must be non-decreasing)")


def write_dataset(path: PathArg, samples: Iterable[Sample], newline: str = STOCK_NEWLINE,
                  n_channels: int = 256) -> None:
    """Write Samples in the ReckOn dataset format (stock CRLF by default); inverse of :func:`read_dataset`.

    Each sample is validated with :func:`check_sample` first, so a written file always reads back.
    """
    samples = list(samples)
    lines = [str(len(samples))]
    for i, s in enumerate(samples):
        check_sample(s, n_channels, where=f"sample {i}")
        pairs = [f"{c}, {t}" for c, t in np.asarray(s.events).tolist()]
        lines.extend(pairs[:s.marker_index])
        lines.append(f"{LABEL_MARKER}, {s.label}")
        lines.extend(pairs[s.marker_index:])
        lines.append(f"{END_MARKER}, {s.n_ticks}")
    _write_lines(path, lines, newline)


# ---------------------------------------------------------------------------------------------------- weights
def read_weights(path: PathArg, n_pre: int, n_post: int) -> np.ndarray:
    """int8 [n_pre, n_post] from a weight file: line ``pre*n_post + post`` = W[pre][post] (1-based line
    ``pre*n_post + post + 1``). Lines beyond ``n_pre*n_post`` are ignored, unparsed (FORMAT.md §2.3)."""
    n_needed = n_pre * n_post
    lines = _read_lines(path, f"{n_needed} weight lines ({n_pre} x {n_post}), one signed integer per line",
                        n_needed)
    if len(lines) < n_needed:
        raise InputError(str(path), f"field 'n_lines' = {len(lines)} out of range >= {n_needed} "
                                    f"(expected {n_pre} x {n_post} weights, one per line)")
    values = np.empty(n_needed, dtype=np.int64)
    for i, token in enumerate(lines[:n_needed]):
        where = f"{path}:{i + 1}"
        pre, post = divmod(i, n_post)
        field = f"weight[{pre}][{post}]"
        values[i] = _parse_int(token, where, field, "-128..127")
        _check_range(int(values[i]), -128, 127, where, field)
    return values.reshape(n_pre, n_post).astype(np.int8)


def write_weights(path: PathArg, weights: np.ndarray, newline: str = STOCK_NEWLINE) -> None:
    """Write a 2-D integer weight matrix (values -128..127), one decimal per line, pre outermost."""
    w = np.asarray(weights)
    if w.ndim != 2 or not np.issubdtype(w.dtype, np.integer):
        raise ValueError(f"weights must be a 2-D integer array, got {w.dtype} {w.shape}")
    if w.size and (w.min() < -128 or w.max() > 127):
        raise ValueError(f"weights must be in -128..127, got {w.min()}..{w.max()}")
    _write_lines(path, map(str, w.ravel().tolist()), newline)


# ---------------------------------------------------------------------------------------------------- targets
def read_targets(path: PathArg, n_out: int) -> np.ndarray:
    """int16 [n_lines, n_out] from a regression targets.txt (FORMAT.md §9): each line = n_out signed ints
    separated by whitespace (column k = target of output neuron k), each in -32768..32767."""
    lines = _read_lines(path, f"{n_out} whitespace-separated integers per line")
    out = np.empty((len(lines), n_out), dtype=np.int64)
    for lineno, line in enumerate(lines, start=1):
        where = f"{path}:{lineno}"
        tokens = line.split()
        if len(tokens) != n_out:
            raise InputError(where, f"field 'n_values' = {len(tokens)} out of range {n_out}..{n_out} "
                                    f"(one target per output neuron)")
        for k, token in enumerate(tokens):
            out[lineno - 1, k] = _parse_int(token, where, f"target[{k}]", "-32768..32767")
            _check_range(int(out[lineno - 1, k]), -32768, 32767, where, f"target[{k}]")
    return out.astype(np.int16)


def sample_targets(targets: np.ndarray, index: int, n_ticks: int, target_tick: int) -> np.ndarray:
    """The rows of training sample `index` (FORMAT §9: lines s*TPS .. s*TPS+TPS-1, TPS = T - 1 - TARGET_TICK)."""
    tps = n_ticks - 1 - target_tick
    rows = targets[index * tps:(index + 1) * tps]
    if len(rows) < tps:
        raise InputError("targets", f"{len(targets)} lines, training sample {index} needs lines "
                                    f"{index * tps}..{(index + 1) * tps - 1}")
    return rows


def write_targets(path: PathArg, targets: np.ndarray, newline: str = "\n", sep: str = " ") -> None:
    """Write int16 targets [n_lines, n_out], values separated by ``sep``; LF by default, as the golden
    ``targets.txt`` (it is not a stock ReckOn file)."""
    t = np.asarray(targets)
    if t.ndim != 2 or not np.issubdtype(t.dtype, np.integer):
        raise ValueError(f"targets must be a 2-D integer array, got {t.dtype} {t.shape}")
    if t.size and (t.min() < -32768 or t.max() > 32767):
        raise ValueError(f"targets must be in -32768..32767, got {t.min()}..{t.max()}")
    _write_lines(path, (sep.join(map(str, row)) for row in t.tolist()), newline)
