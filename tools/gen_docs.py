"""Regenerate the README sections that come from the code: the register, memory and bit-width tables (the hardware
tables in reckon_sim/hw/) and the option table of every command (the click commands).

A section is the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->`, each marker on its own line.
Run: python tools/gen_docs.py   (tests/test_docs.py fails when README.md is out of date)
"""
from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = re.compile(r"(?P<begin><!-- (?P<name>[a-z]+):begin -->\n)(?P<body>.*?)(?P<end><!-- (?P=name):end -->)", re.S)
MARKER = re.compile(r"<!-- [a-z]+:(begin|end) -->")


def _cell(text: str) -> str:
    """One Markdown table cell: a literal | escaped, click's double spaces single."""
    return " ".join(text.split()).replace("|", "\\|")


def _memories_table() -> str:
    from reckon_sim.hw.memories import MEMORIES
    rows = ["| memory | words x bits | layout |", "|---|---|---|"]
    rows += [f"| {m.name} | {m.words} x {m.word_bits} | {m.description} |" for m in MEMORIES]
    return "\n".join(rows)


def _widths_table() -> str:
    from reckon_sim.hw.widths import SPECS
    rows = ["| field | ReckOn | supported | ReckOn rounding | other roundings | meaning |", "|---|---|---|---|---|---|"]
    rows += [f"| `{s.name}` | {s.chip} | {s.lo}..{s.hi} | {s.chip_rounding} | "
             f"{', '.join(r for r in s.roundings if r != s.chip_rounding) or '—'} | {s.meaning} |" for s in SPECS]
    return "\n".join(rows)


def _options_table() -> str:
    """One row per argument / option of every command, with click's own help text (defaults, ranges)."""
    import click

    from reckon_sim.cli import main
    rows = ["| command | argument / option | meaning |", "|---|---|---|"]
    root = click.Context(main, info_name="reckon-sim")
    for name in sorted(main.commands):
        command = main.commands[name]
        ctx = click.Context(command, info_name=name, parent=root)
        first = f"`reckon-sim {name}`"
        for param in command.get_params(ctx):
            if isinstance(param, click.Argument):
                spec, meaning = param.make_metavar(ctx), "required" if param.required else "optional"
            elif param.name != "help":
                spec, meaning = param.get_help_record(ctx)
            else:
                continue
            rows.append(f"| {first} | `{_cell(spec)}` | {_cell(meaning)} |")
            first = ""
    return "\n".join(rows)


def sections() -> dict[str, str]:
    from reckon_sim.hw.registers import markdown_table
    return {"registers": markdown_table(), "memories": _memories_table(), "widths": _widths_table(),
            "options": _options_table()}


def render(text: str) -> str:
    """TEXT with every marked section replaced by its generated body. A section that is marked but has no
    generator, generated but not marked (e.g. a marker typo) or a marker without its pair is a ValueError:
    nothing may go stale silently."""
    bodies = sections()
    marked = [m["name"] for m in SECTION.finditer(text)]
    if sorted(marked) != sorted(bodies):
        raise ValueError(f"README sections {sorted(marked)} != generated sections {sorted(bodies)}")
    if len(MARKER.findall(text)) != 2 * len(marked):
        raise ValueError("a README section marker has no begin/end pair")
    return SECTION.sub(lambda m: m["begin"] + bodies[m["name"]] + "\n" + m["end"], text)


if __name__ == "__main__":
    README.write_text(render(README.read_text()))
    print("README.md updated")
