"""ChipConfig: register values + neuron-SRAM initialisation + protocol constants, validated from one table.

Loads the golden `config.json` format (FORMAT §2.1) and TOML presets (`models/*.toml`, same keys, the
registers optionally grouped under a `[registers]` table). Every error is an `InputError` naming the field,
its width and the allowed range.
"""
from __future__ import annotations

import json
import os
import stat
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import presets
from .errors import InputError
from .hw.registers import BY_NAME, CONFIG_REGISTERS, PARAM_INDEX, Register
from .physical import check_sizes, physical_registers

N_WORDS = 128   # neuron-SRAM words (pairs)
EXTRA_KEYS = ("NEUR_THR", "NEUR_ALPHA_LSB", "NEUR_INIT_WORDS", "DO_EPROP_TRAIN", "DO_EPROP_TEST", "TARGET_TICK")


def _check_int(where: str, key: str, value, lo: int, hi: int, what: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(where, f"field '{key}' = {value!r} is not an integer{what}")
    value = int(value)
    if not lo <= value <= hi:
        raise InputError(where, f"field '{key}' = {value} out of range {lo}..{hi}{what}")
    return value


def _check_register(where: str, reg: Register, value) -> int:
    """Validated datapath value of a register (decoded: signed registers come back signed)."""
    lo = reg.lo
    hi = reg.hi if reg.signed is False else (1 << reg.width) - 1   # signed ones may also be given as bit patterns
    v = _check_int(where, reg.name, value, lo, hi, f" ({reg.width}-bit {'signed' if reg.signed else 'unsigned'})")
    return reg.decode(reg.encode(v))


@dataclass(frozen=True)
class ChipConfig:
    """A complete chip configuration. `registers` holds decoded values of every configurable register."""

    registers: dict[str, int]
    neur_thr: np.ndarray = field(repr=False)         # int64 [128] threshold of each word (signed 16)
    neur_alpha_lsb: np.ndarray = field(repr=False)   # int64 [128] 12 alpha LSBs of each word
    neur_init_words: int = 100
    do_eprop_train: int = 7
    do_eprop_test: int = 0
    target_tick: int = 2100
    # physical description ([physical] + [float] tables, reckon_sim.physical): what the float references read
    physical: dict = field(default_factory=dict, repr=False, compare=False)

    # ---- derived sizes (spec §0) ----
    def __getitem__(self, name: str) -> int:
        return self.registers[name]

    @property
    def n_inp(self) -> int:
        return self.registers["SPI_NUM_INP_NEUR"] + 1

    @property
    def n_rec(self) -> int:
        return self.registers["SPI_NUM_REC_NEUR"] + 1

    @property
    def n_out(self) -> int:
        return self.registers["SPI_NUM_OUT_NEUR"] + 1

    @property
    def num_neur(self) -> int:
        return max(self.registers["SPI_NUM_INP_NEUR"], self.registers["SPI_NUM_REC_NEUR"])

    @property
    def num_recout(self) -> int:
        return max(self.num_neur, self.registers["SPI_NUM_OUT_NEUR"])

    def param_vector(self) -> np.ndarray:
        """Flat int64 register vector for the kernels (index = PARAM_INDEX); SPI_ALPHA_CONF is expanded separately."""
        vec = np.zeros(len(PARAM_INDEX), dtype=np.int64)
        for name, i in PARAM_INDEX.items():
            if name != "SPI_ALPHA_CONF":
                vec[i] = self.registers[name]
        return vec

    def alpha_words(self) -> np.ndarray:
        """int64 [128] alpha of each neuron pair: (ALPHA_CONF bit ? 0x8 : 0x7) << 12 | alpha_lsb (spec §3.1)."""
        conf = self.registers["SPI_ALPHA_CONF"]
        msb = np.array([0x8 if (conf >> w) & 1 else 0x7 for w in range(N_WORDS)], dtype=np.int64)
        return (msb << 12) | self.neur_alpha_lsb

    def to_dict(self) -> dict:
        """The golden config.json form (FORMAT §2.1)."""
        d = {r.name: self.registers[r.name] for r in CONFIG_REGISTERS if r.name in self.registers}
        thr = [int(x) for x in self.neur_thr[: self.neur_init_words]]
        alpha = [int(x) for x in self.neur_alpha_lsb[: self.neur_init_words]]
        d["NEUR_THR"] = thr[0] if len(set(thr)) == 1 else thr
        d["NEUR_ALPHA_LSB"] = alpha[0] if len(set(alpha)) == 1 else alpha
        d.update(NEUR_INIT_WORDS=self.neur_init_words, DO_EPROP_TRAIN=self.do_eprop_train,
                 DO_EPROP_TEST=self.do_eprop_test, TARGET_TICK=self.target_tick)
        return d

    def with_registers(self, **regs) -> "ChipConfig":
        return replace(ChipConfig.from_dict({**self.to_dict(), **regs}, where="override"), physical=self.physical)

    # ---- factories ----
    @classmethod
    def from_dict(cls, data: dict, where: str = "config") -> "ChipConfig":
        data = dict(data)
        if isinstance(data.get("registers"), dict):      # TOML presets may group the registers
            data = {**data.pop("registers"), **data}
        elif "registers" in data:
            raise InputError(where, "field 'registers' is not a table of register values")
        physical, float_opts = data.pop("physical", None), data.pop("float", None)
        description = {}
        if physical is not None or float_opts is not None:     # physical units -> words; raw words win
            for name, table in (("physical", physical), ("float", float_opts)):
                if table is not None and not isinstance(table, dict):
                    raise InputError(where, f"field '{name}' must be a table of key = value")
            words, description, _ = physical_registers(physical or {}, float_opts or {}, where)
            data = {**words, **data}
        unknown = sorted(k for k in data if k not in BY_NAME and k not in EXTRA_KEYS and k != "name"
                         and k != "description")
        if unknown:
            raise InputError(where, f"unknown field '{unknown[0]}' (not a ReckOn register or config key)")
        regs: dict[str, int] = {}
        for reg in CONFIG_REGISTERS:
            if reg.name in data:
                regs[reg.name] = _check_register(where, reg, data[reg.name])
            elif reg.reset is not None:
                regs[reg.name] = reg.decode(reg.reset)
            elif reg.name in ("SPI_RO_STAGE_SEL", "SPI_CYCLES_PER_TICK"):
                regs[reg.name] = 0                       # unused by the core datapath
            else:
                raise InputError(where, f"field '{reg.name}' missing: it has no reset value and must be set "
                                        f"({reg.width}-bit, range {reg.lo}..{reg.hi})")
        words = _check_int(where, "NEUR_INIT_WORDS", data.get("NEUR_INIT_WORDS", 100), 0, N_WORDS)
        thr = _word_values(where, "NEUR_THR", data.get("NEUR_THR", 0), words, -32768, 65535)
        thr = np.where(thr >= 32768, thr - 65536, thr)
        alpha = _word_values(where, "NEUR_ALPHA_LSB", data.get("NEUR_ALPHA_LSB", 0), words, 0, 4095)
        cfg = cls(regs, thr, alpha, words,
                  _check_int(where, "DO_EPROP_TRAIN", data.get("DO_EPROP_TRAIN", 7), 0, 7),
                  _check_int(where, "DO_EPROP_TEST", data.get("DO_EPROP_TEST", 0), 0, 7),
                  _check_int(where, "TARGET_TICK", data.get("TARGET_TICK", 2100), 1, 1 << 31), description)
        check_sizes(description, cfg.n_rec, where)
        return cfg

    @classmethod
    def from_json(cls, path) -> "ChipConfig":
        data = _read_file(path, json.loads, json.JSONDecodeError, "JSON")
        if not isinstance(data, dict):
            raise InputError(str(path), "expected a JSON object of register values")
        return cls.from_dict(data, where=str(path))

    @classmethod
    def from_toml(cls, path) -> "ChipConfig":
        data = _read_file(path, tomllib.loads, tomllib.TOMLDecodeError, "TOML")
        chip = data.get("chip", data)
        if not isinstance(chip, dict):
            raise InputError(str(path), "field 'chip' is not a table of register values")
        extra = {k: data[k] for k in ("physical", "float") if k in data and "chip" in data}
        return cls.from_dict({**chip, **extra}, where=str(path))

    @classmethod
    def from_file(cls, path) -> "ChipConfig":
        return cls.from_toml(path) if str(path).endswith(".toml") else cls.from_json(path)

    @classmethod
    def from_preset(cls, name: str = "reckon-tbench") -> "ChipConfig":
        """A shipped preset by name (e.g. 'reckon-tbench', 'reckon-reset') or a path to a TOML/JSON file."""
        return cls.from_file(presets.find(name))

    def replace(self, **kw) -> "ChipConfig":
        return replace(self, **kw)


def _read_file(path, parse, error, kind: str):
    """Parse a config file; a missing, non-regular, non-text or malformed file is one InputError naming it (and
    its line if known). `kind` names the format the parser expects (JSON, TOML)."""
    path = Path(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise InputError(str(path), f"cannot read: not a regular file; expected a {kind} preset file")
        return parse(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except UnicodeDecodeError as e:
        raise InputError(str(path), f"not UTF-8 text (byte {e.start}); expected a {kind} preset file") from None
    except OSError as e:
        raise InputError(str(path), f"cannot read file ({e.strerror or e})") from None
    except RecursionError:
        raise InputError(str(path), f"malformed {kind} (nested too deeply)") from None
    except error as e:
        line = getattr(e, "lineno", None)
        msg = str(getattr(e, "msg", e))[:120]
        raise InputError(f"{path}:{line}" if line else str(path), f"malformed {kind} ({msg})") from None


def _word_values(where, key, value, words, lo, hi) -> np.ndarray:
    """Int-or-list per-word neuron field (FORMAT §2.1); unprogrammed words are 0."""
    out = np.zeros(N_WORDS, dtype=np.int64)
    if isinstance(value, list):
        if len(value) < words:
            raise InputError(where, f"field '{key}' has {len(value)} entries, needs >= NEUR_INIT_WORDS = {words}")
        for w, v in enumerate(value[:N_WORDS]):
            out[w] = _check_int(where, f"{key}[{w}]", v, lo, hi)
    else:
        out[:words] = _check_int(where, key, value, lo, hi)
    out[words:] = 0
    return out
