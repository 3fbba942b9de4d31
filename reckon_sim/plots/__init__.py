"""Every figure of reckon-sim: headless (matplotlib's Figure API, never pyplot or a global backend switch) and
byte-for-byte reproducible (plots.save.save_figure)."""
