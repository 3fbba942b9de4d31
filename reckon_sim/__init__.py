"""reckon-sim: a bit-exact, cycle-level simulator of the ReckOn spiking-RNN processor."""

__version__ = "0.1.0"
