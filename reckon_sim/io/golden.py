"""Golden-case I/O (FORMAT.md): load a case's inputs, run its protocol, write and compare its outputs."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.records import AT_EPROP, AT_PROP, AT_SDONE, AT_STEP, NF, TK
from ..backend import Sample
from ..config import ChipConfig
from ..errors import InputError
from .data_folder import DATA_FILES
from .reckon_files import open_regular, read_dataset, read_targets, read_weights, sample_targets
from .validate import check_run_data, dataset_limits


@dataclass
class Case:
    """The inputs of a golden case (or of a user's own file set) plus its run parameters."""

    name: str
    config: ChipConfig
    train: list[Sample]
    test: list[Sample]
    winp: np.ndarray
    wrec: np.ndarray
    wout: np.ndarray
    targets: np.ndarray | None = None   # regression: int16 [n_lines, NOUT]
    epochs: int = 1
    ntrain: int = -1
    ntest: int = -1
    dump_level: int = 1
    files: dict | None = None

    def phase_samples(self, phase: str) -> list[Sample]:
        samples, n = (self.train, self.ntrain) if phase == "train" else (self.test, self.ntest)
        return samples if n < 0 else samples[:n]

    def sample_targets(self, index: int, n_ticks: int) -> np.ndarray | None:
        """Regression targets of training sample `index` (None without a targets file)."""
        if self.targets is None:
            return None
        return sample_targets(self.targets, index, n_ticks, self.config.target_tick)


def _find(folder: Path, name: str) -> Path:
    """Case folder first, then ../../reckon-data/ (FORMAT §1), then a sibling reckon-data folder."""
    for cand in (folder / name, folder.parent.parent / "reckon-data" / name, folder.parent / "reckon-data" / name):
        if cand.exists():
            return cand
    raise InputError(str(folder / name), "file not found (also looked in ../../reckon-data/)")


def _read_meta(path: Path) -> dict:
    """meta_run.json as a dict with well-typed run fields (InputError naming the file otherwise)."""
    with open_regular(path, "JSON file") as f:
        raw = f.read()
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise InputError(str(path), f"malformed JSON ({str(e)[:120]})") from None
    if not isinstance(meta, dict):
        raise InputError(str(path), "expected a JSON object")
    for key, lo in (("epochs", 1), ("ntrain", -1), ("ntest", -1), ("dump_level", 0)):
        v = meta.get(key, lo)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= (1 if key == "dump_level" else 10**6):
            raise InputError(str(path), f"field '{key}' = {str(v)[:40]!r} out of range "
                                        f"{lo}..{1 if key == 'dump_level' else 10**6}")
    files = meta.get("files") or {}
    if not isinstance(files, dict) or not all(isinstance(v, str) and k in (*DATA_FILES, "targets")
                                              for k, v in files.items()):
        raise InputError(str(path), f"field 'files' must map {', '.join(DATA_FILES)}, targets to file names")
    if not isinstance(meta.get("name", ""), str):
        raise InputError(str(path), "field 'name' is not a string")
    return meta


def load_case(folder=None, config=None, files: dict | None = None, overrides: dict | None = None) -> Case:
    """Read a case: a folder (config.json, datasets, weights, optional meta_run.json and targets.txt) and/or
    explicit paths (`config`, and `files` keyed train/test/winp/wrec/wout/targets) that override it;
    `overrides` (epochs, ntrain, ntest; None = the case's) replace the meta values. Only the samples the run
    uses are read, and the data is checked against the configuration (io.validate) before any run."""
    given = {k: Path(v) for k, v in (files or {}).items() if v}
    if folder is None:
        missing = [k for k in DATA_FILES if k not in given] + \
            ([] if config else ["config"])
        if missing:
            raise InputError("run", f"without a CASE folder, --{missing[0]} is required")
        folder = given["train"].parent
        meta, files = {}, {}
    else:
        folder = Path(folder)
        if not folder.is_dir():
            raise InputError(str(folder), "not a case folder")
        meta_path = folder / "meta_run.json"
        meta = _read_meta(meta_path) if meta_path.exists() else {}
        files = dict(meta.get("files") or {})
        if not files:
            case_names = (folder / DATA_FILES["train"].case).exists()
            files = {k: f.case if case_names else f.stock for k, f in DATA_FILES.items()}
    cfg = ChipConfig.from_file(config) if config else ChipConfig.from_json(folder / "config.json")
    paths = {k: _find(folder, v) for k, v in files.items() if k not in given}
    for k, p in given.items():
        if not p.exists():
            raise InputError(str(p), "file not found")
        paths[k] = p
    run = {"epochs": int(meta.get("epochs", 1)), "ntrain": int(meta.get("ntrain", -1)),
           "ntest": int(meta.get("ntest", -1))}
    run.update({k: v for k, v in (overrides or {}).items() if v is not None})
    lim = dataset_limits(cfg)
    train = read_dataset(paths["train"], limit=None if run["ntrain"] < 0 else run["ntrain"], **lim)
    test = read_dataset(paths["test"], limit=None if run["ntest"] < 0 else run["ntest"], **lim)
    case = Case(name=meta.get("name", folder.name), config=cfg, train=train, test=test,
                winp=read_weights(paths["winp"], cfg.n_inp, cfg.n_rec),
                wrec=read_weights(paths["wrec"], cfg.n_rec, cfg.n_rec),
                wout=read_weights(paths["wout"], cfg.n_rec, cfg.n_out),
                dump_level=int(meta.get("dump_level", 1)), files={k: str(v) for k, v in paths.items()}, **run)
    if "targets" in paths:
        case.targets = read_targets(paths["targets"], cfg.n_out)
    check_run_data(cfg, case.phase_samples("train"), case.phase_samples("test"), case.targets,
                   {"train": str(paths["train"]), "test": str(paths["test"]),
                    "targets": str(paths.get("targets", "targets"))},
                   need_train=run["ntrain"] != 0, need_test=run["ntest"] != 0)
    return case


# ------------------------------------------------------------------------------------------ run outputs
def write_inferences(path: Path, rows: list[dict]) -> None:
    """inferences.txt (FORMAT §5.1): a header line, then one line per sample of the run summary rows."""
    with open(path, "w") as f:
        f.write("# gidx epoch phase sample inference label correct sample_cycles wall_s cpu_s\n")
        for r in rows:
            f.write(f"{r['gidx']} {r['epoch']} {r['phase']} {r['sample']} {r['inference']} {r['label']} "
                    f"{r['correct']} {r['sample_cycles']} {r['wall_s']:.2f} {r['cpu_s']:.2f}\n")


def write_summary(path: Path, meta: dict, rows: list[dict], tick_cycles_all: dict) -> None:
    """summary.json (FORMAT §5.2): the run's meta data, one row per sample and the tick-cycle distribution of the whole run."""
    path.write_text(json.dumps({"meta": meta, "samples": rows, "tick_cycles_all": tick_cycles_all}, indent=1))


# ------------------------------------------------------------------------------------------ sample records
def tick_arrays(result, cfg: ChipConfig) -> dict[str, np.ndarray]:
    """Per-tick keys of FORMAT §5.4 from a dumped SampleResult."""
    from ..core.snapshot import lfsr_outputs
    rec = result.records
    tk = result.tick_table
    T = tk.shape[0]
    nout = cfg.n_out
    has_step = (tk[:, TK.k] >= 2).astype(np.uint8)
    has_prop = (tk[:, TK.k] <= T - 1).astype(np.uint8)
    out = {f"tick_{name}_cycles": tk[:, getattr(TK, name)].astype(np.int32)
           for name in ("step", "sdone", "eprop", "gettar", "config", "prop")}
    out.update({
        "tick_cycles": tk[:, TK.cycles].astype(np.int32), "tick_end_state": tk[:, TK.end].astype(np.int8),
        "inp_events": rec.inp.copy(), "has_step": has_step, "has_prop": has_prop, "step_z": rec.z.copy(),
    })
    for prefix, arr in (("step", rec.step), ("prop", rec.prop)):
        out[f"{prefix}_u"] = arr[:, NF.membrane].astype(np.int16)
        for f, name in ((NF.trace_inp, "tinp"), (NF.trace_rec, "trec"), (NF.trace_out, "tout")):
            out[f"{prefix}_{name}"] = arr[:, f].astype(np.uint16)
    out["step_oneur_u"] = rec.oneur[:, AT_STEP, :nout].astype(np.int16)
    out["prop_oneur_u"] = rec.oneur[:, AT_PROP, :nout].astype(np.int16)
    out["step_oneur_err"] = rec.err[:, AT_SDONE, :nout].astype(np.int16)
    step_l = lfsr_outputs(rec.lfsr[:, AT_STEP])
    prop_l = lfsr_outputs(rec.lfsr[:, AT_PROP])
    out["step_lfsr"] = step_l["lfsr_small"] * has_step[:, None]
    out["prop_wchk"] = rec.wchk.copy()
    for name in ("winp", "wrec", "wout"):
        out[f"prop_lfsr_{name}"] = prop_l[f"lfsr_{name}"] * has_prop[:, None]
    out["prop_lfsr_noise"] = prop_l["lfsr_noise"] * has_prop
    out["tk_table"] = tk.astype(np.int64)
    if cfg["SPI_REGRESSION"]:
        out["eprop_oneur_err"] = rec.err[:, AT_EPROP, :nout].astype(np.int16)
    return out
