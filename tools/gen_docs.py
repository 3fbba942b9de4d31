"""Regenerate the README sections that come from the hardware tables (registers, memories, bit widths).

Run: python tools/gen_docs.py   (tests/test_docs.py fails when README.md is out of date)
"""
from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def sections() -> dict[str, str]:
    from reckon_sim.hw.memories import MEMORIES
    from reckon_sim.hw.registers import markdown_table
    from reckon_sim.hw.widths import SPECS
    mem = ["| memory | words x bits | layout |", "|---|---|---|"]
    mem += [f"| {m.name} | {m.words} x {m.word_bits} | {m.description} |" for m in MEMORIES]
    wid = ["| field | ReckOn | supported | ReckOn rounding | other roundings | meaning |", "|---|---|---|---|---|---|"]
    wid += [f"| `{s.name}` | {s.chip} | {s.lo}..{s.hi} | {s.chip_rounding} | "
            f"{', '.join(r for r in s.roundings if r != s.chip_rounding) or '—'} | {s.meaning} |" for s in SPECS]
    return {"registers": markdown_table(), "memories": "\n".join(mem), "widths": "\n".join(wid)}


def render(text: str) -> str:
    for name, body in sections().items():
        text = re.sub(rf"(<!-- {name}:begin -->\n).*?(\n<!-- {name}:end -->)",
                      lambda m: m.group(1) + body + m.group(2), text, flags=re.S)
    return text


if __name__ == "__main__":
    README.write_text(render(README.read_text()))
    print("README.md updated")
