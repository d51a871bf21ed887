"""The README lists every error and warning class of protattn_widgets.errors, generated from the code."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets import errors

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
_spec = importlib.util.spec_from_file_location("readme_errors", ROOT / "tools" / "readme_errors.py")
readme_errors = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(readme_errors)


def test_readme_block_is_what_the_generator_writes():
    assert readme_errors.readme_block(README) == readme_errors.render(), (
        "the README's errors list differs from protattn_widgets.errors: run python tools/readme_errors.py --write")


def test_every_class_is_listed_once_and_exported():
    listed = re.findall(r"^- `(\w+)`", readme_errors.readme_block(README), re.MULTILINE)
    expected = [n for n in errors.__all__ if n not in ("ProtAttnError", "ProtAttnWarning")]
    assert sorted(listed) == sorted(expected)
    assert all(getattr(paw, name) is getattr(errors, name) for name in errors.__all__)
    assert f"All {len(errors.__all__)} classes" in README


def test_every_error_and_warning_is_in_the_errors_module():
    """No exception or warning class a user can see defined anywhere else in the package (private
    control flow, caught where it is raised, is named with ``_`` or documented "(internal)")."""
    import ast

    for path in (ROOT / "protattn_widgets").rglob("*.py"):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_") \
                    and "(internal)" not in (ast.get_docstring(node) or ""):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                assert not any(b.endswith(("Error", "Warning", "Exception")) for b in bases), (
                    f"{path.relative_to(ROOT)}: class {node.name} is an exception outside errors.py")


def test_contact_prediction_raises_the_package_s_classes(antiberty):
    from protattn_widgets.analysis.contact_prediction import ContactPredictor, precision_at

    structure = paw.load_structure(paw.example_path("1vfb_complex"))
    heavy, light = structure["B"], structure["A"]
    with pytest.raises(errors.PredictorNotFittedError):
        ContactPredictor().predict_proba(antiberty.attention(heavy))
    with pytest.raises(errors.AttentionMismatchError):  # attention of one chain, structure of another
        ContactPredictor().fit([antiberty.attention(heavy).values], [light])
    with pytest.raises(errors.AttentionMismatchError):
        ContactPredictor().fit([antiberty.attention(heavy)], [])
    with pytest.raises(errors.AttentionMismatchError):
        precision_at(np.zeros((4, 4)), np.zeros((5, 5), dtype=bool))
    with pytest.raises(errors.InvalidOptionError):
        ContactPredictor(penalty="l3")
    with pytest.raises(errors.AnalysisInputError):
        ContactPredictor.from_dict({"format": "something else"})
