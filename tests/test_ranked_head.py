"""One definition of a ranked head (definitions.MIN_STRONG_EDGES), used and stated wherever heads are ranked."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

import protattn_widgets as paw
from protattn_widgets.analysis import accumulator, engine
from protattn_widgets.cli import build_parser
from protattn_widgets.definitions import MIN_STRONG_EDGES, ranked_head_rule
from protattn_widgets.demo import run_demo
from protattn_widgets.widgets.head_grid import HeadGrid

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("function", [
    run_demo, engine.analyze, accumulator.contact_accumulator, accumulator.PropertyAccumulator.__init__,
    paw.AttentionExplorer.__init__, HeadGrid.__init__,
])
def test_every_ranking_defaults_to_the_one_minimum(function):
    assert inspect.signature(function).parameters["min_total"].default == MIN_STRONG_EDGES


@pytest.mark.parametrize("command", ["demo", "analyze"])
def test_every_command_defaults_to_the_one_minimum(command):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    assert next(a for a in sub._actions if a.dest == "min_total").default == MIN_STRONG_EDGES


def test_the_readme_states_the_rule_with_the_code_s_number():
    stated = re.search(r"<!-- ranked -->(\d+)<!-- /ranked -->", README)
    assert stated and int(stated.group(1)) == MIN_STRONG_EDGES
    assert f"`min_total`, {MIN_STRONG_EDGES}, strong edges on this chain" in README


@pytest.mark.filterwarnings("ignore::protattn_widgets.errors.OutOfDomainWarning")
def test_demo_headline_explorer_default_head_and_readme_agree_on_1vfb(tmp_path, antiberty):
    summary = run_demo(tmp_path / "demo", progress=False)
    explorer = paw.AttentionExplorer(paw.example_path("1vfb_complex"), model=antiberty, chain="B",
                                     structure_view=False)
    default = explorer.attention.label(explorer.layer, explorer.head)
    claim = re.search(r"head (\d+-\d+) is the best ranked head on B\+A\s+\(the demo\) and on chain B alone", README)
    assert claim, "the README says which head the demo and the explorer rank first"
    assert summary["top_head"] == default == claim.group(1)
    # each states its rule and the data it counted
    assert summary["ranked_head_rule"] == ranked_head_rule("chains B+A of 1vfb_complex, pooled")
    assert summary["ranked_head_rule"] in (tmp_path / "demo" / "summary.txt").read_text()
    assert f"ranked: heads with \u2265 {MIN_STRONG_EDGES} strong edges i\u2192j on chain B" in explorer.grid.caption


def test_analyze_report_states_the_rule(tmp_path, antiberty):
    from protattn_widgets.analysis import analyze
    from protattn_widgets.analysis.report import write_report

    result = analyze(antiberty, [paw.example_path("1vfb_complex")], ["contact"], progress=False)
    write_report(result, tmp_path / "report", dataset_name="1vfb", figures=False)
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary["ranked_head_rule"] == ranked_head_rule(f"the {result.proteins} proteins of 1vfb, pooled")
    assert result.min_total == MIN_STRONG_EDGES
