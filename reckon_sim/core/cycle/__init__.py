"""Cycle-level model of the srnn.v core for the modes the tick model cannot express (cut PROP scans)."""
