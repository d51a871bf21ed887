"""Findings of a hands-on pass as a new user (JupyterLab, CLI), each fixed with a test."""

from __future__ import annotations

import pytest

import protattn_widgets as paw
from protattn_widgets.errors import StructureError


def test_bundled_example_name_loads_like_in_the_cli():
    # `protattn figure 1vfb_complex ...` works; the same name in Python raised StructureError.
    by_name = paw.load_structure("1vfb_complex")
    by_path = paw.load_structure(paw.example_path("1vfb_complex"))
    assert by_name.name == by_path.name == "1vfb_complex"
    assert by_name.chain_ids == by_path.chain_ids
    assert by_name["B"].sequence == by_path["B"].sequence


def test_unknown_name_is_still_a_clean_error():
    with pytest.raises(StructureError, match="not an existing file"):
        paw.load_structure("1vfb_complexx")
