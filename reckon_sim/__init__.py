"""reckon-sim: a bit-exact, cycle-level simulator of the ReckOn spiking-RNN processor.

The public API (README "Python API")::

    from reckon_sim import Chip, load_task, train
    inputs = load_task("cue-accumulation", preset="reckon-tbench", seed=1, n_train=20, n_test=20)
    chip = Chip.from_config(inputs.config, **inputs.weights)
    run = train(chip, inputs.train, inputs.test, epochs=2)
    print(run.accuracy("test"))

Names are imported on first use, so `import reckon_sim` stays cheap for the command line.
"""
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

from ._numba_cache import install as _install_numba_cache

_install_numba_cache()      # before any kernel module is imported (its decorators pick the cache locator)

try:
    __version__ = version("reckon-sim")
except PackageNotFoundError:       # a source checkout run from PYTHONPATH, not installed
    __version__ = "0+unknown"

# public name -> module that defines it
_API = {
    "Chip": ".core.chip", "ChipState": ".core.state", "ChipBatch": ".core.multichip", "run_many": ".core.multichip",
    "ChipConfig": ".config", "InputError": ".errors",
    "BitWidths": ".hw.widths", "RECKON": ".hw.widths",
    "Sample": ".backend", "SampleResult": ".backend", "Backend": ".backend",
    "ChipFloat": ".reference.chip_float", "EpropNetwork": ".reference.eprop", "EpropParams": ".reference.eprop",
    "BACKENDS": ".backends", "make_backend": ".backends",
    "RunInputs": ".experiments.data", "load_task": ".experiments.data",
    "train": ".experiments.train", "TrainRun": ".experiments.train",
    "read_dataset": ".io.reckon_files", "read_weights": ".io.reckon_files",
}
__all__ = sorted(_API) + ["__version__"]


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'reckon_sim' has no attribute {name!r}")
    value = getattr(import_module(_API[name], __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
