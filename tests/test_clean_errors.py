"""Every user mistake is a ProtAttnError with a clear message (issue 8), and a refused
value never leaves the explorer and its controls disagreeing."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.attention import check_threshold
from protattn_widgets.errors import (AnnotationError, ExampleNotFoundError, InvalidOptionError,
                                     LayerHeadIndexError, OutputPathError, ProtAttnError)
from protattn_widgets.widgets import AttentionExplorer, SequenceTrack


@pytest.fixture(scope="module")
def vfb():
    return paw.load_structure(paw.example_path("1vfb_complex"))


@pytest.fixture(scope="module")
def heavy(antiberty, vfb):
    return vfb["B"], antiberty.attention(vfb["B"])


@pytest.fixture()
def explorer(antiberty, vfb):
    return AttentionExplorer(vfb, model=antiberty, chain="B", layer=3, head=5, threshold=0.3, structure_view=False)


# --------------------------------------------------------------------------- thresholds and modes


@pytest.mark.parametrize("bad", [math.nan, -0.01, 1.01, math.inf, "high", None])
def test_threshold_out_of_range_or_nan_is_an_invalid_option(bad, heavy):
    _, attention = heavy
    with pytest.raises(InvalidOptionError, match="threshold"):
        check_threshold(bad)
    with pytest.raises(InvalidOptionError, match="threshold"):
        attention.edges(0, 0, threshold=bad)
    assert issubclass(InvalidOptionError, ValueError)


def test_bogus_mode_is_an_invalid_option(heavy):
    _, attention = heavy
    with pytest.raises(InvalidOptionError, match="mode must be one of"):
        attention.combined(0, 0, "sum")
    with pytest.raises(InvalidOptionError, match="mode must be one of"):
        attention.edges(0, 0, 0.1, mode="sum")


def test_explorer_rejects_bad_threshold_and_mode_at_construction_and_later(explorer, vfb, antiberty):
    with pytest.raises(InvalidOptionError, match="threshold"):
        AttentionExplorer(vfb, model=antiberty, chain="B", threshold=math.nan, structure_view=False)
    with pytest.raises(InvalidOptionError, match="mode must be one of"):
        AttentionExplorer(vfb, model=antiberty, chain="B", mode="sum", structure_view=False)
    with pytest.raises(InvalidOptionError, match="mode must be one of"):
        AttentionExplorer(vfb, model=antiberty, chain="B", mode=3, structure_view=False)
    for target in (explorer, explorer.heatmap, explorer.sequence, explorer.grid):
        with pytest.raises(InvalidOptionError, match="mode must be one of"):
            target.mode = "sum"
        with pytest.raises(InvalidOptionError, match="threshold"):
            target.threshold = math.nan
    assert explorer.mode == "max" and explorer.threshold == 0.3
    explorer.mode = "MEAN"  # any case, as before
    assert explorer.mode == explorer.heatmap.mode == explorer.grid.mode == "mean"


@pytest.mark.parametrize("name, value, error", [
    ("layer", 99, LayerHeadIndexError), ("head", 8, LayerHeadIndexError), ("layer", -9, LayerHeadIndexError),
    ("threshold", math.nan, InvalidOptionError), ("threshold", 2.0, InvalidOptionError),
    ("mode", "sum", InvalidOptionError),
])
def test_bad_value_from_python_or_the_page_changes_nothing(explorer, name, value, error):
    ex = explorer
    before = (ex.layer, ex.head, ex.threshold, ex.mode)
    state = lambda o: (o.layer, o.head, o.threshold, o.mode)  # noqa: E731
    with pytest.raises(error):
        setattr(ex, name, value)
    assert state(ex) == state(ex.heatmap) == state(ex.grid) == before
    # The same value sent by the page's controls: refused, said in the status line, nothing changes.
    ex.set_state({name: value})
    assert state(ex) == state(ex.heatmap) == state(ex.sequence) == before
    assert ex._status["kind"] == "error" and name in ex.status.lower()
    ex.set_state({"layer": 1})  # and the page's controls still work
    assert ex.layer == ex.heatmap.layer == ex.grid.layer == 1 and ex.status == ""


def test_negative_layer_means_the_same_head_everywhere(explorer):
    explorer.layer = -1
    assert explorer.layer == explorer.heatmap.layer == explorer.sequence.layer == 7


# --------------------------------------------------------------------------- examples, figures, pages


def test_example_path_any_case_and_a_clean_error_listing_examples():
    assert paw.example_path("1VFB_COMPLEX") == paw.example_path("1vfb_complex")
    with pytest.raises(ExampleNotFoundError, match="1vfb_complex") as info:
        paw.example_path("1VFB")
    message = str(info.value)
    assert "did you mean '1vfb_complex'" in message and "1crn" in message and not message.startswith('"')
    assert isinstance(info.value, (ProtAttnError, KeyError))


def test_save_figure_with_an_unknown_suffix(explorer, tmp_path):
    with pytest.raises(InvalidOptionError, match=r"\.png, \.svg, \.pdf"):
        explorer.save_figure(tmp_path / "x.jpg")
    assert not list(tmp_path.iterdir())


def test_outputs_into_a_folder_or_under_a_file(explorer, tmp_path):
    folder = tmp_path / "existing"
    folder.mkdir()
    with pytest.raises(OutputPathError, match="is a folder"):
        explorer.to_html(folder)
    with pytest.raises(OutputPathError, match="is a folder"):
        explorer.save_figure(_folder_named(tmp_path, "f.svg"))
    blocker = tmp_path / "plain.txt"
    blocker.write_text("x")
    with pytest.raises(OutputPathError, match="is a file, not a folder"):
        explorer.to_html(blocker / "page.html")
    with pytest.raises(OutputPathError, match="is a file, not a folder"):
        explorer.save_figure(blocker / "sub" / "fig.png")
    assert blocker.read_text() == "x"


def test_outputs_into_a_read_only_folder(explorer, tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    real_access = os.access
    # Permission bits do not bind root (the CI user), so the folder is also reported read-only
    # the way a read-only mount reports it: os.access says no.
    monkeypatch.setattr("protattn_widgets.outputs.os.access",
                        lambda p, mode: False if os.path.abspath(p) == str(locked) else real_access(p, mode))
    try:
        with pytest.raises(OutputPathError, match="not writable"):
            explorer.to_html(locked / "page.html")
        with pytest.raises(OutputPathError, match="not writable"):
            explorer.save_figure(locked / "deeper" / "fig.png")
        assert not list(locked.iterdir())
    finally:
        locked.chmod(0o700)


def test_an_interrupted_figure_or_page_leaves_no_half_file(explorer, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    def half_then_ctrl_c(self, handle, **kwargs):
        handle.write(b"\x89PNG half")
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", half_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        explorer.save_figure(tmp_path / "fig.png")
    assert list(tmp_path.iterdir()) == []
    page = explorer.to_html(tmp_path / "page.html")
    assert oct(page.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _folder_named(parent, name):
    path = parent / name
    path.mkdir()
    return path


# --------------------------------------------------------------------------- annotations


@pytest.mark.parametrize("annotations, message", [
    ({"bad": ["9999"]}, "not in the chain"),
    ({"idx": [0, 500]}, "0..115"),
    ({"neg": [-1]}, "0..115"),
    ({"mask": np.ones(5, dtype=bool)}, "one entry per residue"),
    ({"nested": [[1, 2], [3]]}, "flat list"),
    ({"grid": [[1, 2], [3, 4]]}, "one-dimensional"),
    ({"float": [1.5, 2.0]}, "whole numbers"),
    ({"none": None}, "residues must be"),
    ({"text": "95"}, "residues must be"),
    ({"scalar": 7}, "one-dimensional"),
    ([{"name": "no residues"}], "'name' and 'residues'"),
    (["CDR-H3"], "'name' and 'residues'"),
    ([{"name": "c", "residues": [1], "color": 5}], "CSS colour"),
    (42, "dict"),
    ("CDR-H3", "dict"),
])
def test_bad_annotations_are_annotation_errors(heavy, annotations, message):
    chain, attention = heavy
    track = SequenceTrack(attention, chain, annotations={"kept": [1, 2]})
    with pytest.raises(AnnotationError, match=message):
        track.set_annotations(annotations)
    assert list(track.annotations) == ["kept"], "a refused annotation leaves the tracks as they were"
    with pytest.raises(AnnotationError):
        SequenceTrack(attention, chain, annotations=annotations)
