"""The shipped presets (*.toml). Installed as the package reckon_sim.models; read via reckon_sim.presets."""
