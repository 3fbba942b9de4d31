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


def test_sweep_scheduler_that_is_not_dask_one_line(tmp_path):
    """A TCP peer that accepts and answers garbage made distributed allocate exabytes (MemoryError traceback)."""
    import socket
    import threading
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]

    def garbage():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"\xff" * 64 + b"HTTP/1.1 400 Bad Request\r\n\r\n")
            conn.close()

    threading.Thread(target=garbage, daemon=True).start()
    try:
        res = _cli(["sweep", "--grid", "weight=7..8", "--epochs", "1", "--ntrain", "1", "--ntest", "1",
                    "--scheduler", f"tcp://127.0.0.1:{port}", "--out", tmp_path / "sw"])
    finally:
        server.close()
    assert res.exit_code == 2
    assert res.stderr.startswith(f"reckon-sim sweep: error: --scheduler 'tcp://127.0.0.1:{port}': ")
    assert res.stderr.count("\n") == 1, res.stderr
    assert not (tmp_path / "sw").exists()
