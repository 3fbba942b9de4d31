"""The README's register, memory, width and option tables are generated (tools/gen_docs.py): every marked section
is filled, up to date, and a stale or emptied section is detected; the "Layout" block names every module."""
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from gen_docs import SECTION, render, sections  # noqa: E402

README = (ROOT / "README.md").read_text()


def test_readme_is_what_the_generator_renders():
    assert render(README) == README, "README.md is stale: run python tools/gen_docs.py"


def test_every_generated_section_is_marked_and_filled():
    marked = {m["name"]: m["body"] for m in SECTION.finditer(README)}
    assert set(marked) == {"registers", "memories", "widths", "options"}
    for name, body in sections().items():
        rows = body.splitlines()
        assert len(rows) > 2 and all(r.startswith("|") and r.endswith("|") for r in rows), name  # header, rule, data
        assert marked[name] == body + "\n", name
    assert "`SPI_NUM_REC_NEUR`" in marked["registers"] and "`weight`" in marked["widths"]
    assert "`--epochs INTEGER RANGE`" in marked["options"]


@pytest.mark.parametrize("mutate", [
    lambda t: t.replace("| `weight` | 8 |", "| `weight` | 7 |"),                               # a stale value
    lambda t: SECTION.sub(lambda m: m["begin"] + m["end"], t, count=1),                      # an emptied section
    lambda t: t.replace("<!-- memories:end -->", "<!-- memories:end -->\n\n<!-- memories:begin -->\n"),
])
def test_a_stale_or_empty_readme_is_detected(mutate):
    text = mutate(README)
    assert text != README
    try:
        assert render(text) != text
    except ValueError:
        pass                                                                                # unmatched markers


def test_a_missing_or_unknown_marker_is_an_error():
    with pytest.raises(ValueError, match="generated sections"):
        render(README.replace("<!-- widths:begin -->", "<!-- width:begin -->"))
    with pytest.raises(ValueError, match="generated sections"):
        render(README + "\n<!-- extra:begin -->\n<!-- extra:end -->\n")


def _layout_modules() -> set[str]:
    """Modules the README "Layout" block names, as paths under reckon_sim/ (dir/ entries own their lines)."""
    text = (ROOT / "README.md").read_text()
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    named, folder = set(), None
    for line in block.splitlines():
        if not line.startswith("  "):              # reckon_sim/, models/, tools/, tests/: not package modules
            folder = None if line.strip() != "reckon_sim/" else ""
            continue
        if folder is None:
            continue
        if not line.startswith("   "):             # a new entry: "dir/" or a top-level module
            key = line.split()[0]
            folder = key if key.endswith("/") else ""
        named.update(folder + m for m in re.findall(r"[\w]+\.py", line))
    return named


def test_layout_names_every_module_and_only_real_ones():
    actual = {p.relative_to(ROOT / "reckon_sim").as_posix() for p in (ROOT / "reckon_sim").rglob("*.py")}
    named = _layout_modules()
    assert sorted(n for n in actual - named if not n.endswith("/__init__.py")) == []   # sub-package inits
    assert sorted(named - actual) == []
