"""reckon-sim: a bit-exact, cycle-level simulator of the ReckOn spiking-RNN processor."""

from ._numba_cache import install as _install_numba_cache

_install_numba_cache()      # before any kernel module is imported (its decorators pick the cache locator)

__version__ = "0.1.0"
