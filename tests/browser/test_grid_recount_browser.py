"""The head grid says on screen when its counts are approximate, and recounts only when asked
(issue 23 item 2, issue 19's rule: never the model on a slider change), in a real JupyterLab.

The issue's setup: a random 12 x 20 ESM-shaped model on 1HZH H (L = 457, attention stored as
float16).  Below the 0.05 strong-pair floor the grid counts the float16 copy: its caption says
"approximate" and offers "recount exactly"; typing another threshold runs no model; the
button runs ONE float32 forward pass, after which the counts are ``analysis.analyze``'s.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_harness import LabPage, screenshot_path

TESTS = Path(__file__).resolve().parents[1]
CAPTION = ".protattn-grid .pa-caption"
BUTTON = "[data-testid=grid-recount]"


@pytest.fixture(scope="module")
def lab(jupyter_server, browser, tmp_path_factory):
    folder = tmp_path_factory.mktemp("esm12x20")
    cells = [
        f"import sys\nsys.path.insert(0, {str(TESTS)!r})\nimport numpy as np\nimport tiny_models\n"
        "import protattn_widgets as paw\nfrom protattn_widgets.cache import AttentionCache\n"
        "from protattn_widgets.widgets.explorer import AttentionExplorer\n"
        f"model = paw.load_model(str(tiny_models.save_shaped(__import__('pathlib').Path({str(folder)!r}), "
        "'esm', 12, 20, hidden_size=320)), cache=AttentionCache())",
        "hzh = paw.load_structure(__import__('pathlib').Path(paw.__file__).parent / 'data' / 'antibodies' / "
        "'1hzh.pdb.gz')\n"
        "ex = AttentionExplorer(hzh, model=model, chain='H', threshold=0.003)\nex",
    ]
    page = LabPage(jupyter_server, browser, "grid_recount.ipynb", cells)
    try:
        page.run_all(timeout_s=400)
        page.page.locator(CAPTION).first.wait_for(state="visible", timeout=120_000)
        yield page
    finally:
        page.close()


def caption(lab: LabPage) -> str:
    return lab.page.locator(CAPTION).first.inner_text()


def test_grid_says_approximate_and_recounts_only_when_asked(lab):
    assert lab.run_python("print(ex.attention.values.dtype, ex.grid.pair_index.exact)").split() == ["float16", "False"]
    assert "approximate" in caption(lab)
    button = lab.page.locator(BUTTON).first
    assert button.is_visible() and button.inner_text() == "recount exactly"
    runs = lab.run_python("print(model.forward_count)").strip()
    lab.page.locator(CAPTION).first.scroll_into_view_if_needed()
    lab.page.locator(".protattn-grid").first.screenshot(path=str(screenshot_path("grid_approximate.png")))

    # A person types another threshold below the floor: the grid recounts the float16 copy, no model run.
    box = lab.page.locator("[data-testid=control-threshold-value]").first
    box.fill("0.0025")
    box.press("Enter")
    lab.wait_for_python("print(ex.threshold, ex.grid.threshold)", "0.0025 0.0025")
    lab.page.wait_for_function(f"() => document.querySelector('{CAPTION}').textContent.includes('\u2265 0.0025')")
    assert "approximate" in caption(lab) and lab.page.locator(BUTTON).first.is_visible()
    assert lab.run_python("print(model.forward_count)").strip() == runs

    # "recount exactly": one float32 forward pass; the caption loses "approximate" and the button goes.
    lab.page.locator(BUTTON).first.click()
    lab.page.wait_for_function(f"() => !document.querySelector('{CAPTION}').textContent.includes('approximate')",
                               timeout=120_000)
    assert lab.page.locator(BUTTON).count() == 0
    assert int(lab.run_python("print(model.forward_count)")) == int(runs) + 1
    same = lab.run_python(
        "from protattn_widgets.analysis import analyze, records_from_structure\n"
        "truth = analyze(model, records_from_structure(hzh, ['H']), ['contact'], threshold=0.0025, min_total=1, "
        "progress=False)['contact']\nacc = ex.grid.contact_accumulator()\n"
        "print(ex.grid.pair_index.exact_at(0.0025), np.array_equal(acc.total, truth.total), "
        "np.array_equal(acc.hits, truth.hits))")
    assert same.split() == ["True", "True", "True"]
    lab.page.locator(".protattn-grid").first.screenshot(path=str(screenshot_path("grid_recounted.png")))
