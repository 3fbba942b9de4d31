"""Gaps found by the issue-10/16 audit, through the real CLI: exact exit status and the one stderr line."""
from __future__ import annotations

from click.testing import CliRunner

from reckon_sim.cli import main


def _cli(args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in res.output and (res.exc_info is None or res.exc_info[0] is SystemExit), res.exc_info
    return res


def test_inspect_out_empty_refused_and_cwd_untouched(tmp_path, monkeypatch):
    """`inspect --out ""` used to replace the current folder as a whole (deleting everything in it)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("mine")
    res = _cli(["inspect", "--out", ""])
    assert res.exit_code == 2
    assert res.stderr == "reckon-sim inspect: error: --out: empty path (give the output folder's name)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_inspect_out_foreign_folder_refused_before_work(tmp_path):
    """An --out folder holding files that are not inspect outputs is refused, not replaced."""
    out = tmp_path / "docs"
    out.mkdir()
    (out / "precious.txt").write_text("mine")
    res = _cli(["inspect", "--out", out])
    assert res.exit_code == 2
    assert res.stderr == (f"reckon-sim inspect: error: --out: '{out}' holds 'precious.txt', not an output of this "
                          f"command; the folder is replaced as a whole: give a new or empty folder\n")
    assert [p.name for p in out.iterdir()] == ["precious.txt"]


def test_inspect_negative_seed_one_line(tmp_path):
    res = _cli(["inspect", "--seed", "-1", "--out", tmp_path / "o"])
    assert res.exit_code == 2
    assert res.stderr == "reckon-sim inspect: error: --seed: -1 is not in the range 0<=x<=4294967295.\n"
    assert not (tmp_path / "o").exists()
