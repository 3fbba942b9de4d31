"""The precision sweep's grid: ``--grid`` terms -> axes -> width points, and results back -> per-axis series.

Grid syntax (``reckon-sim sweep --grid``): space-separated terms ``FIELD=VALUES`` where FIELD is a
:class:`~reckon_sim.hw.widths.BitWidths` field (``weight``, ``membrane``, ``trace_inp``, ``trace_rec``,
``trace_out``, ``learn_sig``, ``ste``, ``alpha_frac``, ``kappa_frac``, ``prob``, ``prob_out``) or the alias
``trace`` (trace_inp and trace_rec together), and VALUES a comma-separated list of integers and inclusive ranges
``a..b`` (``weight=2..10``, ``ste=1,3,5``, ``membrane=8..12,16``). By default the grid is the union of
one-dimensional sweeps around the ReckOn point (each term varied alone, every other field at its ReckOn width);
``product=True`` takes the full Cartesian product of the terms instead.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from ..backends import CHIP
from ..errors import InputError
from ..hw.widths import SPEC, SPECS, BitWidths

WIDTH_FIELDS = tuple(s.name for s in SPECS)
ALIASES = {"trace": ("trace_inp", "trace_rec")}


@dataclass(frozen=True)
class GridAxis:
    """One grid term: a label (field name or alias), the BitWidths fields it sets, the widths it takes."""

    label: str
    fields: tuple[str, ...]
    values: tuple[int, ...]

    @property
    def reckon_value(self) -> int:
        return SPEC[self.fields[0]].chip


_NUMBER = re.compile(r"-?[0-9]{1,30}\Z")     # ASCII digits only (int() would take any Unicode digit)


def _parse_values(term: str, text: str, fields: tuple[str, ...]) -> list[int]:
    """The widths of one term; every bound is checked against the fields' supported range before a range
    is expanded (so 2..2000000000 is an error, not an allocation)."""
    lo = max(SPEC[f].lo for f in fields)
    hi = min(SPEC[f].hi for f in fields)
    values: list[int] = []
    for part in text.split(","):
        part = part.strip()
        bounds = part.split("..", 1)
        if not all(_NUMBER.match(b) for b in bounds):
            raise InputError(f"grid '{term[:60]}'", f"'{part[:40]}' is not an integer, a range a..b or a list "
                                                    f"a,b,c (ASCII digits)")
        numbers = [int(b) for b in bounds]
        if len(numbers) == 2 and numbers[1] < numbers[0]:
            raise InputError(f"grid '{term[:60]}'", f"empty range {part} (write a..b with a <= b)")
        for v in numbers:
            if not lo <= v <= hi:
                f = next(f for f in fields if not SPEC[f].lo <= v <= SPEC[f].hi)
                raise InputError(f"grid '{term[:60]}'", f"width {v} of '{f}' out of the supported range "
                                                        f"{SPEC[f].lo}..{SPEC[f].hi} (ReckOn: {SPEC[f].chip})")
        values.extend(range(numbers[0], numbers[-1] + 1))
    return values


def parse_grid(text: str, product: bool = False) -> list[GridAxis]:
    """Grid terms -> axes (repeated terms of one label merge); every error is an InputError naming the term."""
    terms = text.split()
    if not terms:
        raise InputError("grid", "empty (expected terms like 'weight=2..10 trace=6..12')")
    merged: dict[str, list[int]] = {}
    for term in terms:
        if term.count("=") != 1 or not term.split("=")[0] or not term.split("=")[1]:
            raise InputError(f"grid '{term}'", "expected FIELD=VALUES (e.g. weight=2..10, ste=1,3,5)")
        label, values_text = term.split("=")
        if label not in SPEC and label not in ALIASES:
            raise InputError(f"grid '{term}'", f"unknown field '{label}' (known: {', '.join(WIDTH_FIELDS)}; "
                                               f"alias trace = trace_inp + trace_rec)")
        fields = ALIASES.get(label, (label,))
        for v in _parse_values(term, values_text, fields):
            for f in fields:
                s = SPEC[f]
                if not s.lo <= v <= s.hi:
                    raise InputError(f"grid '{term}'", f"width {v} of '{f}' out of the supported range "
                                                       f"{s.lo}..{s.hi} (ReckOn: {s.chip})")
            merged.setdefault(label, [])
            if v not in merged[label]:
                merged[label].append(v)
    axes = [GridAxis(label, ALIASES.get(label, (label,)), tuple(sorted(vals))) for label, vals in merged.items()]
    if product:
        seen: dict[str, str] = {}
        for a in axes:
            for f in a.fields:
                if f in seen:
                    raise InputError(f"grid '{a.label}'", f"sets '{f}' like '{seen[f]}' does: with --product each "
                                                          f"field may be swept by one term only")
                seen[f] = a.label
    return axes


def grid_widths(axes: list[GridAxis], product: bool = False) -> list[dict[str, int]]:
    """Unique width dicts of the grid, in a stable order (the ReckOn point appears once)."""
    base = {f: SPEC[f].chip for f in WIDTH_FIELDS}
    out: list[dict[str, int]] = []
    if product:
        combos = itertools.product(*[a.values for a in axes])
        candidates = [{**base, **{f: v for a, v in zip(axes, combo) for f in a.fields}} for combo in combos]
    else:
        candidates = [{**base, **{f: v for f in a.fields}} for a in axes for v in a.values]
    for w in candidates:
        if w not in out:
            BitWidths(**w)          # same validation as the chip (InputError before any work)
            out.append(w)
    return out


def panel_series(axes: list[GridAxis], rows: list[dict], product: bool = False, max_series: int = 6,
                 values: dict[tuple, list[float]] | None = None, column: str = "final_test_accuracy") -> dict:
    """Per axis label, the plot's series: [{'name', 'points': [(width, [final test accuracies over seeds])],
    'reckon': whether the series passes through the ReckOn point (all other fields at ReckOn widths)}];
    `values` ({widths tuple in WIDTH_FIELDS order: [values]}, e.g. paired differences) replaces the accuracies;
    `column` is the row column read otherwise (final_test_nmse for regression tasks).

    Union grids: one series (other fields at ReckOn widths). Product grids: one series per combination of the
    other axes' widths, or one pooled series ("mean over other fields") when there are more than `max_series`."""
    by_widths: dict[tuple, list[float]] = {} if values is None else values
    for r in rows if values is None else ():
        if r.get("backend", CHIP) == CHIP:
            by_widths.setdefault(tuple(int(r[f]) for f in WIDTH_FIELDS), []).append(float(r[column]))
    base = {f: SPEC[f].chip for f in WIDTH_FIELDS}
    panels = {}
    for axis in axes:
        others = [a for a in axes if a is not axis] if product else []
        combos = list(itertools.product(*[a.values for a in others]))
        pooled = len(combos) > max_series
        series: dict[str, dict] = {}
        for combo in combos:
            if not others:
                name = "others at ReckOn"
            elif pooled:
                name = "mean over other fields"
            else:
                name = ", ".join(f"{a.label}={v}" for a, v in zip(others, combo))
            at_reckon = all(v == a.reckon_value for a, v in zip(others, combo))
            entry = series.setdefault(name, {"name": name, "points": {v: [] for v in axis.values},
                                             "reckon": not pooled and at_reckon})
            fixed = {f: v for a, v in zip(others, combo) for f in a.fields}
            for v in axis.values:
                widths = {**base, **fixed, **{f: v for f in axis.fields}}
                entry["points"][v].extend(by_widths.get(tuple(widths[f] for f in WIDTH_FIELDS), []))
        panels[axis.label] = [{**e, "points": sorted(e["points"].items())} for e in series.values()]
    return panels
