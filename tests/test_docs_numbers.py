"""Doc pages whose numbers are generated: the page on disk is exactly what its script renders from
the script's saved results (no model run here; the scripts themselves run the model)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(f"docs_{name}", DOCS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def contact_page():
    script = _script("analysis_contact_prediction")
    results = json.loads(script.RESULTS.read_text(encoding="utf-8"))
    return script, results


def test_contact_prediction_page_is_rendered_from_its_saved_results(contact_page):
    script, results = contact_page
    page = script.PAGE.read_text(encoding="utf-8")
    assert page == script.render(results), (
        "docs/analysis_contact_prediction.md differs from what docs/analysis_contact_prediction.py renders "
        "from docs/analysis_contact_prediction.json: rerun the script instead of editing the page")
    assert "stale" not in page and "measured before" not in page
    assert script.FIGURE.is_file()


def test_contact_prediction_results_are_self_consistent(contact_page):
    _, results = contact_page
    for key in ("held_out", "leave_one_structure_out", "long_only_held_out", "long_only_leave_one_structure_out"):
        table = results[key]
        # ESM's metric is the long-range row of the same table
        assert table["long_range"] == {"L": table["long"]["L"], "L/5": table["long"]["L/5"]}
    assert results["held_out"]["n_proteins"] == len(results["test"])
    assert results["leave_one_structure_out"]["n_proteins"] == results["dataset"]["n_chains"]
    assert results["train"]["n_chains"] + len(results["test"]) == results["dataset"]["n_chains"]


def test_a_changed_result_changes_the_rendered_page(contact_page):
    script, results = contact_page
    changed = json.loads(json.dumps(results))
    changed["held_out"]["short"]["L/5"] += 0.1
    assert script.render(changed) != script.render(results)
