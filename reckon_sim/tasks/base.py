"""What every task generator and dataset adapter hands the registry: its shape and its samples."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..backend import Sample


@dataclass(frozen=True)
class TaskShape:
    """What a task asks of the chip, each as (value, the task field it comes from)."""

    channels: tuple[int, str]
    classes: tuple[int, str]          # classification: classes; regression: output neurons
    n_ticks: tuple[int, str]
    target_tick: tuple[int, str]


@dataclass
class TaskData:
    """A task's samples; regression: targets[label] = int16 [T - 1 - TARGET_TICK, n_out] of that pattern."""

    train: list[Sample]
    test: list[Sample]
    targets: dict[int, np.ndarray] | None = None
    source: str = ""


@dataclass(frozen=True)
class Maker:
    """A generator or adapter: shape(params) -> TaskShape (no work); make(params, seed, n_train, n_test, data)."""

    shape: Callable[[dict], TaskShape]
    make: Callable[..., TaskData]
    needs_data: bool = False          # an adapter: reads the user's local copy (--data)
    summary: str = ""
