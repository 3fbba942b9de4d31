"""The `reckon-sim` command line: thin shells around the functional core, one module per command."""
from .group import main

__all__ = ["main"]
