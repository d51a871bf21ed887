"""``protattn``'s outputs: checked before any work, one run's files per report, Ctrl-C leaves none half-written."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import protattn_widgets as paw
from protattn_widgets.cli import main

ROOT = Path(__file__).resolve().parents[1]
CRN = paw.example_path("1crn")
DNA_PDB = "\n".join(
    f"ATOM  {k + 1:>5} {name:<4} {res:>3} B{seq:>4}    {k * 1.5:8.3f}{0.0:8.3f}{0.0:8.3f}  1.00  0.00           {name.strip()[0]}"
    for k, (name, res, seq) in enumerate([(" P", "DA", 1), (" C1'", "DA", 1), (" P", "DT", 2), (" C1'", "DT", 2)])
) + "\nEND\n"


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if a command loads a model or a dataset (it must refuse first)."""
    def refuse(*args, **kwargs):
        raise AssertionError("the command started work before checking its output")

    monkeypatch.setattr("protattn_widgets.models.load_model", refuse)
    monkeypatch.setattr("protattn_widgets.analysis.load_dataset", refuse)
    monkeypatch.setattr("protattn_widgets.analysis.analyze", refuse)


def _commands(out: str) -> dict[str, list[str]]:
    return {
        "demo": ["demo", "-q", "-o", out],
        "figure": ["figure", "1crn", "--chain", "A", "--layer", "1", "--head", "1", "-o", out],
        "analyze": ["analyze", "--data", str(CRN), "-q", "-o", out],
    }


@pytest.mark.parametrize("command", ["demo", "figure", "analyze"])
def test_output_under_a_file_is_refused_before_any_work(command, tmp_path, no_work):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me")
    target = blocker / ("fig.png" if command == "figure" else "out")
    code, _, err = _run(_commands(str(target))[command])
    assert code == 2 and err.startswith("error: ") and "is a file, not a folder" in err, err
    assert blocker.read_text() == "keep me"


@pytest.mark.parametrize("command", ["demo", "analyze"])
def test_output_folder_that_is_a_file_is_refused(command, tmp_path, no_work):
    blocker = tmp_path / "report"
    blocker.write_text("keep me")
    code, _, err = _run(_commands(str(blocker))[command])
    assert code == 2 and err.startswith("error: ") and "is a file, not a folder" in err, err
    assert blocker.read_text() == "keep me"


def test_figure_output_that_is_a_folder_is_refused(tmp_path, no_work):
    (tmp_path / "fig.png").mkdir()
    code, _, err = _run(_commands(str(tmp_path / "fig.png"))["figure"])
    assert code == 2 and err.startswith("error: ") and "it is a folder" in err, err


@pytest.mark.parametrize("command", ["demo", "figure", "analyze"])
def test_unwritable_output_is_refused_before_any_work(command, tmp_path, no_work, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    # As a read-only mount answers (permission bits do not bind root, who runs CI).
    monkeypatch.setattr("protattn_widgets.outputs.os.access",
                        lambda p, mode: False if os.path.abspath(p) == str(locked) else real_access(p, mode))
    target = locked / ("fig.png" if command == "figure" else "out")
    code, _, err = _run(_commands(str(target))[command])
    assert code == 2 and err.startswith("error: ") and "not writable" in err, err
    assert not list(locked.iterdir())


def test_scheduler_without_dask_is_a_clean_error(tmp_path, no_work, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)  # what an environment without dask looks like to import
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    code, _, err = _run(["analyze", "--data", str(CRN), "--scheduler", "tcp://127.0.0.1:1", "-q",
                         "-o", str(tmp_path / "r")])
    assert code == 2 and err.startswith("error: --scheduler needs Dask") and ".[dask]" in err, err
    assert "Traceback" not in err


def test_demo_help_mentions_only_options_demo_has(capsys):
    assert main(["demo", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--layer" not in text and "--head" not in text
    assert "1-based" in text


# --------------------------------------------------------------------------- one folder policy (issue 20 item 3)


@pytest.mark.parametrize("command", ["demo", "analyze"])
def test_every_command_refuses_a_foreign_folder_before_any_work(command, tmp_path, no_work):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "summary.json").write_text("my own summary")  # a name the commands write
    code, _, err = _run(_commands(str(folder))[command])
    assert code == 2 and err.startswith("error: ") and "not written by protattn" in err and "--overwrite" in err, err
    assert (folder / "summary.json").read_text() == "my own summary"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_figure_refuses_a_fifo_before_any_work(tmp_path, no_work):
    fifo = tmp_path / "head.png"
    os.mkfifo(fifo)
    code, _, err = _run(_commands(str(fifo))["figure"])
    assert code == 2 and err.startswith("error: ") and "FIFO" in err, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("command", ["demo", "analyze"])
def test_every_command_refuses_the_current_folder(command, tmp_path, monkeypatch, no_work):
    (tmp_path / "data.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(_commands(".")[command] + ["--overwrite"])
    assert code == 2 and "current folder" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.txt"]


@pytest.mark.filterwarnings("ignore::protattn_widgets.errors.OutOfDomainWarning")
def test_demo_replaces_its_own_folder_whole_and_a_foreign_one_only_with_overwrite(tmp_path, antiberty):
    out = tmp_path / "demo"
    argv = ["demo", "-q", "--structure", str(CRN), "--min-total", "1", "-o", str(out)]
    assert _run(argv)[0] == 0
    first = {name: (out / name).read_bytes() for name in _files(out)}
    (out / "stale.png").write_bytes(b"a file of an earlier run")  # what a mixed folder would keep
    (out / ".protattn-output.json").write_text("{}")  # still ours
    code, _, err = _run(argv + ["--threshold", "0.5"])
    assert code == 0, err
    assert "stale.png" not in _files(out), "an old file was mixed into the new demo"
    assert json.loads((out / "summary.json").read_text())["threshold"] == 0.5
    assert _files(out) == set(first)

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "summary.txt").write_text("precious")
    code, _, err = _run(["demo", "-q", "--structure", str(CRN), "--min-total", "1", "-o", str(mine)])
    assert code == 2 and "--overwrite" in err
    assert (mine / "summary.txt").read_text() == "precious"
    code, _, err = _run(["demo", "-q", "--structure", str(CRN), "--min-total", "1", "--overwrite", "-o", str(mine)])
    assert code == 0, err
    assert _files(mine) == set(first)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "mine"], "no temporary folder left behind"


# --------------------------------------------------------------------------- reports never mix


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_a_second_report_replaces_the_first_whole(tmp_path, antiberty):
    report = tmp_path / "report"
    base = ["analyze", "--data", str(CRN), "--property", "contact", "--min-total", "1", "-q", "-o", str(report)]
    assert _run(base)[0] == 0
    assert "figures/contact.png" in _files(report)
    code, _, err = _run(base + ["--no-figures", "--threshold", "0.5"])
    assert code == 0, err
    assert not any(name.startswith("figures/") for name in _files(report)), "old figures mixed into the new report"
    assert json.loads((report / "summary.json").read_text())["threshold"] == 0.5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"], "no temporary folder left behind"


def test_a_non_empty_folder_that_is_not_a_report_needs_overwrite(tmp_path, antiberty):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.tex").write_text("precious")
    argv = ["analyze", "--data", str(CRN), "--min-total", "1", "--no-figures", "-q", "-o", str(folder)]
    code, _, err = _run(argv)
    assert code == 2 and "not empty" in err and "--overwrite" in err
    assert _files(folder) == {"thesis.tex"}
    code, _, err = _run(argv + ["--overwrite"])
    assert code == 0, err
    assert "thesis.tex" not in _files(folder) and "summary.json" in _files(folder)


def test_the_current_folder_is_never_a_report_folder(tmp_path, monkeypatch, no_work):
    (tmp_path / "data.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    for target in (".", str(tmp_path.parent)):
        code, _, err = _run(["analyze", "--data", str(CRN), "--overwrite", "-q", "-o", target])
        assert code == 2 and "current folder" in err, err
    assert (tmp_path / "data.txt").read_text() == "mine"


def test_a_dna_only_file_in_a_folder_is_skipped_with_a_note(tmp_path, antiberty):
    data = tmp_path / "structures"
    data.mkdir()
    (data / "1crn.pdb").write_bytes(CRN.read_bytes())
    (data / "dna.pdb").write_text(DNA_PDB)
    code, out, err = _run(["analyze", "--data", str(data), "--min-total", "1", "--no-figures", "-q",
                           "-o", str(tmp_path / "r")])
    assert code == 0, err
    assert "note: skipped dna.pdb" in out and "DNA/RNA" in out
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["proteins"] == 1
    assert any("dna.pdb" in note for note in summary["notes"])


def test_a_dna_only_file_named_directly_is_still_an_error(tmp_path):
    dna = tmp_path / "dna.pdb"
    dna.write_text(DNA_PDB)
    code, _, err = _run(["analyze", "--data", str(dna), "-q", "-o", str(tmp_path / "r")])
    assert code == 2 and "DNA/RNA" in err


# --------------------------------------------------------------------------- Ctrl-C

_INTERRUPTIBLE = textwrap.dedent("""
    import faulthandler, signal, sys, time
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # the test asks for the stacks if it hangs
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal: a job started with & inherits SIGINT ignored
    from pathlib import Path
    import protattn_widgets.{module} as target
    ready = Path(sys.argv[1])
    original = target.{function}

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        ready.write_text("writing")  # part of the output is written now; Ctrl-C comes next
        time.sleep(60)
        return result

    target.{function} = slow
    from protattn_widgets.cli import main
    sys.exit(main(sys.argv[2:]))
""")


def _interrupt(tmp_path: Path, module: str, function: str, argv: list[str]) -> subprocess.CompletedProcess:
    ready = tmp_path / "ready"
    script = _INTERRUPTIBLE.format(module=module, function=function)
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen([sys.executable, "-c", script, str(ready), *argv], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not ready.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the command never got to writing"
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # say where it is stuck, not just that it is
        process.send_signal(signal.SIGUSR1)
        time.sleep(2)
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"still running 60 s after Ctrl-C; its threads:\n{err}")
    ready.unlink()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_ctrl_c_during_analyze_keeps_the_previous_report(tmp_path, antiberty):
    report = tmp_path / "report"
    argv = ["analyze", "--data", str(CRN), "--min-total", "1", "-q", "-o", str(report)]
    assert _run(argv)[0] == 0
    before = {name: (report / name).read_bytes() for name in _files(report)}
    # Interrupted while the new report's figures are being written, its tables already there.
    done = _interrupt(tmp_path, "analysis.report", "_figures", argv + ["--threshold", "0.5"])
    assert done.returncode == 130, done.stderr
    lines = [line for line in done.stderr.strip().splitlines() if line and not line.startswith("warning: ")]
    assert len(lines) == 1 and lines[0].startswith("interrupted") and "Traceback" not in done.stderr
    assert {name: (report / name).read_bytes() for name in _files(report)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"], "the half-written report was not removed"


def test_ctrl_c_during_demo_writes_no_files(tmp_path):
    out = tmp_path / "demo"
    done = _interrupt(tmp_path, "figures", "save_figure", ["demo", "-q", "-o", str(out)])
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip().startswith("interrupted") and len(done.stderr.strip().splitlines()) == 1
    assert not out.exists() or not list(out.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "no temporary folder left behind"
