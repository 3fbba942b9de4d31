"""The task registry: task presets (models/*.toml with a `generator` or an `adapter` key) -> samples for a chip.

A task preset names its generator (seeded synthetic task) or dataset adapter (the user's local copy of an
event dataset, converted once and cached), its parameters ([task]), the chip preset it fits and its run
protocol ([run]: chip_preset, epochs, n_train, n_test, seed; `kind` = classification | regression). Before any
work, :func:`check_fits` refuses a task that does not fit the chip, naming the task field and the limit.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .. import presets
from ..errors import InputError
from .adapters import ADAPTERS
from .base import Maker, TaskShape
from .generators import GENERATORS

KINDS = ("classification", "regression")


@dataclass(frozen=True)
class TaskSpec:
    name: str
    kind: str
    maker: str                        # generator or adapter name (GENERATORS / ADAPTERS)
    is_adapter: bool
    params: dict = field(default_factory=dict)
    run: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)     # initial-weight gains (tasks.init_weights)
    description: str = ""
    path: str = ""

    @property
    def chip_preset(self) -> str:
        return str(self.run.get("chip_preset", "reckon-tbench"))

    @property
    def entry(self) -> Maker:
        return (ADAPTERS if self.is_adapter else GENERATORS)[self.maker]

    def to_dict(self) -> dict:
        """The preset as a TOML-shaped dict (what a sweep point stores; `spec_from_dict` reads it back)."""
        return {"name": self.name, "kind": self.kind, ("adapter" if self.is_adapter else "generator"): self.maker,
                "description": self.description, "task": dict(self.params), "run": dict(self.run),
                "weights": dict(self.weights)}


MAX_SEED = 2**32 - 1          # seeds of the generated data and weights (the CLI's --seed range)
MAX_SAMPLES = 1_000_000       # samples per phase and epochs a task preset may ask for


TASK_KEYS = {"name", "description", "task", "run", "generator", "adapter", "kind", "weights"}   # as in models/*.toml
RUN_KEYS = {"chip_preset": str, "epochs": int, "n_train": int, "n_test": int, "seed": int}


def check_task_preset(task: dict, where: str) -> None:
    """InputError for a chip preset given as a task, unknown keys and wrong-typed or out-of-range [run] values."""
    if "task" not in task and "run" not in task:
        raise InputError(where, "not a task preset (no [task] or [run] table; a chip preset goes to --preset)")
    unknown = sorted(set(task) - TASK_KEYS)
    if unknown:
        raise InputError(where, f"unknown key '{unknown[0]}' (allowed: {', '.join(sorted(TASK_KEYS))})")
    for table in ("task", "run"):
        if not isinstance(task.get(table, {}), dict):
            raise InputError(where, f"'{table}' is not a table")
    for key, value in task.get("run", {}).items():
        if key not in RUN_KEYS:
            raise InputError(where, f"unknown key 'run.{key}' (allowed: {', '.join(RUN_KEYS)})")
        if RUN_KEYS[key] is str:
            if not isinstance(value, str):
                raise InputError(where, f"field 'run.{key}' = {str(value)[:40]!r} is not a string")
            continue
        lo, hi = (0, MAX_SEED) if key == "seed" else (1, MAX_SAMPLES)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise InputError(where, f"field 'run.{key}' = {str(value)[:40]!r} out of range {lo}..{hi} (an integer)")


def spec_from_dict(data: dict, where: str) -> TaskSpec:
    """A TaskSpec from a task preset's TOML tables (InputError naming the field if malformed)."""
    check_task_preset(data, where)
    gen, ad = data.get("generator"), data.get("adapter")
    if (gen is None) == (ad is None):
        raise InputError(where, "a task preset names exactly one of 'generator' "
                                f"({', '.join(GENERATORS)}) or 'adapter' ({', '.join(ADAPTERS)})")
    table = ADAPTERS if ad is not None else GENERATORS
    if (gen or ad) not in table:
        raise InputError(f"{where}: {'adapter' if ad is not None else 'generator'}",
                         f"'{gen or ad}' unknown (allowed: {', '.join(table)})")
    kind = data.get("kind", "classification")
    if kind not in KINDS:
        raise InputError(f"{where}: kind", f"'{kind}' unknown (allowed: {', '.join(KINDS)})")
    for key in ("task", "run", "weights"):
        if not isinstance(data.get(key, {}), dict):
            raise InputError(f"{where}: {key}", "must be a table")
    return TaskSpec(str(data.get("name", Path(where).stem)), kind, gen or ad, ad is not None,
                    dict(data.get("task", {})), dict(data.get("run", {})), dict(data.get("weights", {})),
                    str(data.get("description", "")), where)


def load_spec(name: str | dict | TaskSpec) -> TaskSpec:
    """A task preset by shipped name or TOML path (or an already parsed dict / TaskSpec)."""
    if isinstance(name, TaskSpec):
        return name
    if isinstance(name, dict):
        return spec_from_dict(name, str(name.get("name", "task")))
    path = presets.find(str(name), "task preset")
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise InputError(str(path), f"malformed TOML ({str(e)[:120]})") from None
    except OSError as e:
        raise InputError(str(path), f"cannot read file ({e.strerror or e})") from None
    check_task_preset(data, str(path))
    if "generator" not in data and "adapter" not in data:
        raise InputError(f"task preset '{name}'", "is not a task preset (no 'generator' or 'adapter' key; "
                                                  f"task presets: {', '.join(s.name for s in shipped_specs())})")
    return spec_from_dict(data, str(name))


def shipped_specs() -> list[TaskSpec]:
    """Every shipped task preset, by name."""
    out = []
    for p in sorted(presets.shipped_dir().glob("*.toml")):
        data = tomllib.loads(p.read_text())
        if "generator" in data or "adapter" in data:
            out.append(spec_from_dict(data, p.stem))
    return out


def check_fits(spec: TaskSpec, cfg) -> TaskShape:
    """Refuse (InputError) a task that does not fit the chip `cfg` before any work: more input channels than
    NUM_INP, more classes (outputs) than NUM_OUT, a target window other than the chip's TARGET_TICK, T too short
    for it, or a regression task on a chip in classification mode (and the reverse)."""
    shape = spec.entry.shape(spec.params)
    (ch, ch_f), (cl, cl_f), (T, T_f), (tt, tt_f) = shape.channels, shape.classes, shape.n_ticks, shape.target_tick
    what = "output neurons" if spec.kind == "regression" else "classes"
    if ch > cfg.n_inp:
        raise InputError(f"task '{spec.name}': {ch_f}", f"{ch} input channels exceed the chip's "
                                                        f"NUM_INP + 1 = {cfg.n_inp} (allowed: 1..{cfg.n_inp})")
    if cl > cfg.n_out:
        raise InputError(f"task '{spec.name}': {cl_f}", f"{cl} {what} exceed the chip's NUM_OUT + 1 = "
                                                        f"{cfg.n_out} (allowed: 1..{cfg.n_out})")
    if tt != cfg.target_tick:
        raise InputError(f"task '{spec.name}': {tt_f}", f"= {tt} differs from the chip's TARGET_TICK "
                                                        f"{cfg.target_tick} (allowed: {cfg.target_tick})")
    if T < cfg.target_tick + 2:
        raise InputError(f"task '{spec.name}': {T_f}", f"= {T} is below TARGET_TICK + 2 = {cfg.target_tick + 2} "
                                                       f"(allowed: >= {cfg.target_tick + 2})")
    regression = spec.kind == "regression"
    if bool(cfg["SPI_REGRESSION"]) != regression:
        raise InputError("SPI_REGRESSION", f"= {cfg['SPI_REGRESSION']} but task '{spec.name}' is a {spec.kind} "
                                           f"task (allowed: {int(regression)})")
    return shape
