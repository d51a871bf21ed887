"""``protattn analyze`` before counting: an unreachable Dask scheduler fails fast and cleanly
(issue 23 item 12), and loading many files shows progress from the start ("also seen")."""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time

import pytest

import protattn_widgets as paw
from protattn_widgets import cli
from protattn_widgets.analysis import load_dataset

import distributed  # noqa: E402,F401  (in the test extra: missing, this fails rather than skips)


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


def _analyze(tmp_path, scheduler):
    return _run(["analyze", "--data", "antibodies", "--property", "contact", "--scheduler", scheduler,
                 "-o", str(tmp_path / "out"), "-q"])


def test_a_refused_scheduler_is_a_clean_error_naming_it_within_seconds(tmp_path):
    start = time.monotonic()
    code, _, err = _analyze(tmp_path, "tcp://127.0.0.1:9")
    assert time.monotonic() - start < 8
    assert code == 2 and err.startswith("error: ") and "tcp://127.0.0.1:9" in err and "Traceback" not in err, err
    assert not (tmp_path / "out").exists()


def test_a_scheduler_that_never_answers_is_a_clean_error_after_the_timeout(tmp_path, monkeypatch):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never speaks
    address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
    monkeypatch.setattr(cli, "SCHEDULER_TIMEOUT_S", 1)
    try:
        start = time.monotonic()
        code, _, err = _analyze(tmp_path, address)
        assert time.monotonic() - start < 15
    finally:
        silent.close()
    assert code == 2 and err.startswith("error: ") and address in err and "Traceback" not in err, err


@pytest.mark.parametrize("address", ["tcp://[::1", "host:port"])
def test_a_malformed_scheduler_address_is_a_clean_error(tmp_path, address):
    code, _, err = _analyze(tmp_path, address)
    assert code == 2 and err.startswith("error: ") and address in err, err


def test_loading_many_files_shows_progress_before_any_protein_is_counted(tmp_path):
    for name in ("1crn", "1ubq", "7hvp"):
        (tmp_path / f"{name}.pdb").write_bytes(paw.example_path(name).read_bytes())
    (tmp_path / "zz_broken.pdb").write_text("not a structure\n")
    code, _, err = _run(["analyze", "--data", *(str(p) for p in sorted(tmp_path.glob("*.pdb"))),
                         "--property", "contact", "-o", str(tmp_path / "out")])
    assert code == 2 and "zz_broken" in err
    assert "loading" in err and "3/4" in err, err  # the bar ran while the files loaded


def test_load_dataset_progress_is_off_by_default(tmp_path, capsys):
    for name in ("1crn", "1ubq"):
        (tmp_path / f"{name}.pdb").write_bytes(paw.example_path(name).read_bytes())
    load_dataset(tmp_path)
    assert "loading" not in capsys.readouterr().err
    load_dataset(tmp_path, progress=True)
    assert "2/2" in capsys.readouterr().err
