"""The README's register, memory and width tables are generated from the hardware tables (tools/gen_docs.py)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_tables_are_up_to_date():
    sys.path.insert(0, str(ROOT / "tools"))
    from gen_docs import render
    text = (ROOT / "README.md").read_text()
    assert render(text) == text, "README.md is stale: run python tools/gen_docs.py"
    for marker in ("registers", "memories", "widths"):
        assert f"<!-- {marker}:begin -->" in text
