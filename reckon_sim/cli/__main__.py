"""`python -m reckon_sim.cli ...`: the same program as the `reckon-sim` script, under the same name."""
from .group import main

main(prog_name="reckon-sim")
