"""setup.cfg holds the metadata; this adds what declarative config cannot: beside every package under
reckon_sim/, the top-level presets folder models/ is installed as the package reckon_sim.models."""
from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["reckon_sim", "reckon_sim.*"]), "reckon_sim.models"],
      package_dir={"reckon_sim.models": "models"},
      package_data={"reckon_sim.models": ["*.toml"]})
