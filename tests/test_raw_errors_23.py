"""Leftover raw errors (issue 23 item 11): ``min_total='a'`` and over-long output names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import protattn_widgets as paw
from protattn_widgets.errors import InvalidOptionError, OutputPathError
from protattn_widgets.outputs import check_output_file, check_output_folder, write_file_atomic
from protattn_widgets.widgets import AttentionExplorer


@pytest.mark.parametrize("bad", ["a", "10", -1, True, 2.5, None, float("nan")])
def test_explorer_min_total_must_be_a_whole_number(bad):
    with pytest.raises(InvalidOptionError, match="min_total must be a whole number"):
        AttentionExplorer(paw.example_path("1vfb_complex"), model="antiberty", chain="B", min_total=bad)


def test_a_300_character_page_name_is_a_clean_error_before_any_work(antiberty, tmp_path):
    ex = AttentionExplorer(paw.example_path("1vfb_complex"), model=antiberty, chain="B")
    with pytest.raises(OutputPathError, match="at most"):
        ex.to_html(tmp_path / ("p" * 295 + ".html"))
    assert list(tmp_path.iterdir()) == []
    assert ex.to_html(tmp_path / ("p" * 200 + ".html")).is_file()


_NAME = st.builds(lambda char, size, ext: char * size + ext, st.sampled_from(["a", "é", "-", " "]),
                  st.integers(min_value=1, max_value=320), st.sampled_from(["", ".html", ".png"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(_NAME, min_size=1, max_size=3))
def test_any_output_path_is_written_or_refused_cleanly(tmp_path_factory, names):
    base = tmp_path_factory.mktemp("out")
    path = base.joinpath(*names)
    for check in (check_output_file, check_output_folder):
        try:
            check(path)
        except OutputPathError:
            pass
    try:
        written = write_file_atomic(path, lambda handle: handle.write(b"page"))
    except OutputPathError as error:
        assert "cannot write" in str(error)
        assert not any(p.name.endswith(".partial") for p in base.rglob("*"))
        return
    assert Path(written).read_bytes() == b"page"
    assert all(len(os.fsencode(name)) <= 255 for name in names)
