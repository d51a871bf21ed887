"""outputs.py: one folder policy for every folder we write; files replaced only when they are files.

The commands' side of the policy (demo, analyze) is in test_cli_outputs.py; here
are the building blocks and the API calls that write folders or files.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

import protattn_widgets as paw
from protattn_widgets.errors import OutputPathError
from protattn_widgets.outputs import MARKER, check_output_file, check_output_folder, replace_folder, \
    write_file_atomic, written_by_protattn


def _write(text: str):
    return lambda handle: handle.write(text.encode())


# --------------------------------------------------------------------------- files (issue 23 item 7)


def test_a_fifo_is_refused_never_replaced(tmp_path):
    fifo = tmp_path / "page.html"
    os.mkfifo(fifo)
    for attempt in (lambda: write_file_atomic(fifo, _write("<html>"), "page"),
                    lambda: check_output_file(fifo, "page")):
        with pytest.raises(OutputPathError, match="FIFO"):
            attempt()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"], "a temporary file was left"


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root (CI runs as root)")
def test_a_device_node_is_refused_never_replaced(tmp_path):
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is
    with pytest.raises(OutputPathError, match="character device"):
        write_file_atomic(node, _write("x"), "figure")
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_a_file_keeps_its_mode_when_rewritten(tmp_path):
    private = tmp_path / "private.html"
    private.write_text("old")
    private.chmod(0o600)
    write_file_atomic(private, _write("new"))
    assert private.read_text() == "new"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_a_new_file_gets_the_usual_mode(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    written = write_file_atomic(tmp_path / "new.txt", _write("x"))
    assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~umask


def test_a_symbolic_link_is_followed_and_kept(tmp_path):
    target = tmp_path / "real.html"
    target.write_text("old")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    write_file_atomic(link, _write("new"))
    assert link.is_symlink() and target.read_text() == "new"


@pytest.mark.filterwarnings("ignore::protattn_widgets.errors.OutOfDomainWarning")
def test_explorer_to_html_refuses_a_fifo(tmp_path, antiberty):
    fifo = tmp_path / "page.html"
    os.mkfifo(fifo)
    structure = paw.load_structure(paw.example_path("1crn"))
    explorer = paw.AttentionExplorer(structure, model=antiberty)
    with pytest.raises(OutputPathError, match="FIFO"):
        explorer.to_html(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_save_figure_refuses_a_fifo(tmp_path):
    import matplotlib.pyplot as plt
    from protattn_widgets.figures import save_figure

    fifo = tmp_path / "figure.png"
    os.mkfifo(fifo)
    fig = plt.figure()
    try:
        with pytest.raises(OutputPathError, match="FIFO"):
            save_figure(fig, fifo)
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- folders (issue 20 item 3)


def test_missing_and_empty_folders_are_written(tmp_path):
    (tmp_path / "empty").mkdir()
    for name in ("missing", "empty"):
        with replace_folder(tmp_path / name) as tmp:
            (tmp / "a.txt").write_text("ours")
        assert (tmp_path / name / "a.txt").read_text() == "ours"
        assert written_by_protattn(tmp_path / name)


def test_a_foreign_folder_is_refused_and_untouched(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "a.txt").write_text("precious")  # the very name we would write
    with pytest.raises(OutputPathError, match="not empty and was not written by protattn.*--overwrite"):
        with replace_folder(mine) as tmp:
            (tmp / "a.txt").write_text("ours")
    assert (mine / "a.txt").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"], "no temporary folder left behind"


def test_overwrite_replaces_a_foreign_folder_whole(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("precious")
    with replace_folder(mine, overwrite=True) as tmp:
        (tmp / "a.txt").write_text("ours")
    assert sorted(p.name for p in mine.iterdir()) == sorted(["a.txt", MARKER])


def test_a_folder_we_wrote_is_replaced_whole_not_mixed(tmp_path):
    out = tmp_path / "out"
    with replace_folder(out, written_by="test") as tmp:
        (tmp / "old.txt").write_text("run 1")
    assert json.loads((out / MARKER).read_text())["written_by"] == "test"
    with replace_folder(out) as tmp:
        (tmp / "new.txt").write_text("run 2")
    assert sorted(p.name for p in out.iterdir()) == sorted(["new.txt", MARKER])


def test_a_folder_written_before_the_marker_is_recognised_by_its_summary(tmp_path):
    old = tmp_path / "protattn-demo"
    old.mkdir()
    (old / "summary.json").write_text(json.dumps({"files": {"heatmap": "contact_heads.png",
                                                            "summary_json": "summary.json"}}))
    (old / "contact_heads.png").write_bytes(b"png")
    assert written_by_protattn(old)
    (old / "thesis.tex").write_text("not listed in the summary")
    assert not written_by_protattn(old)
    with pytest.raises(OutputPathError, match="not written by protattn"):
        check_output_folder(old)


def test_the_current_folder_is_never_replaced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for target in (".", str(tmp_path.parent)):
        with pytest.raises(OutputPathError, match="current folder"):
            check_output_folder(target, overwrite=True)


def test_analysis_result_save_follows_the_folder_policy(tmp_path, antiberty):
    from protattn_widgets.analysis import AnalysisResult, analyze

    result = analyze(antiberty, [paw.example_path("1crn")], ["contact"],
                     min_total=1, progress=False)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "result.json").write_text("my own file of that name")
    with pytest.raises(OutputPathError, match="--overwrite"):
        result.save(mine)
    assert (mine / "result.json").read_text() == "my own file of that name"
    result.save(mine, overwrite=True)
    assert AnalysisResult.load(mine).proteins == result.proteins
    result.save(mine)  # ours now: replaced without overwrite
    assert AnalysisResult.load(mine).proteins == result.proteins
