"""The explorer's diagnostic menus in a real JupyterLab 4 in Chromium, used as a person uses them.

Issue 22 gave the explorer a heatmap menu ("attention" or "APC": the symmetrised, APC-corrected map
ESM's contact regression reads), a grid-colour menu (contact share, attention to the selected
residue, special-token mass, mean |i - j| of strong pairs, entropy) and per-head flags in the grid's
tooltip.  Here each menu option is chosen in the page (click the menu, pick the option) and the kernel's
state and what the page draws are both checked; a column-flagged tile is hovered and its tooltip read.
"""

from __future__ import annotations

import pytest

from browser_harness import LabPage, changed_fraction, distinct_colors, wait_for_pixels

SETUP_CELLS = [
    "import protattn_widgets as paw\nfrom protattn_widgets.widgets.explorer import AttentionExplorer",
    "ex = AttentionExplorer(paw.example_path('1vfb_complex'), model='antiberty', chain='B', layer=3, head=5)\nex",
]
VIEW = """(kind) => [...document.querySelectorAll('.protattn-heatmap, .protattn-grid, .protattn-track')]
                     .map(e => e.parentElement).find(e => e.protattnView && e.protattnView.kind === kind)"""
HEATMAP_CANVAS = "[data-testid=view-heatmap] canvas"
GRID_CANVAS = "[data-testid=view-grid] canvas"
#: What each grid menu option must say in the grid's caption (head_statistics.GRID_STATISTICS).
CAPTION_WORDS = {"contact_share": "on contacts", "attention_to_residue": "attention to the selected residue",
                 "special_token_mass": "special tokens", "mean_separation": "|i \u2212 j|", "entropy": "entropy"}


@pytest.fixture(scope="module")
def lab(jupyter_server, browser):
    page = LabPage(jupyter_server, browser, "explorer_menus.ipynb", SETUP_CELLS)
    try:
        page.run_all(timeout_s=300)
        for kind in ("heatmap", "head_grid"):
            page.page.wait_for_function(f"() => {{ const e = ({VIEW})('{kind}'); return e && e.protattnView.draws > 0; }}",
                                        timeout=120_000)
        yield page
    finally:
        page.close()


def draws(lab: LabPage, kind: str) -> int:
    return lab.page.evaluate(f"() => ({VIEW})('{kind}').protattnView.draws")


def choose(lab: LabPage, testid: str, value: str) -> None:
    """Click the menu, then pick the option (what a person does with a <select>)."""
    menu = lab.page.locator(f"[data-testid={testid}]").first
    menu.scroll_into_view_if_needed()
    menu.click()
    menu.select_option(value)


def test_heatmap_menu_apc_draws_the_corrected_map_and_back(lab):
    lab.page.locator(HEATMAP_CANVAS).first.scroll_into_view_if_needed()
    raw = lab.canvas_pixels(HEATMAP_CANVAS)
    assert distinct_colors(raw) > 20
    options = lab.page.locator("[data-testid=control-heatmap-kind] option").all_text_contents()
    assert options == ["attention", "APC"]
    raw_sent = lab.run_python("import hashlib\nprint(hashlib.sha1(ex._heatmap__matrix).hexdigest())").strip()
    choose(lab, "control-heatmap-kind", "apc")
    lab.wait_for_python("print(ex.heatmap_kind)", "apc")
    # the kernel sent another matrix (the clipped APC map of 4-6: heatmap_matrix(..., "apc"))
    assert lab.run_python("print(hashlib.sha1(ex._heatmap__matrix).hexdigest())").strip() != raw_sent
    caption = lab.page.locator("[data-testid=view-heatmap] .pa-caption").first
    caption.filter(has_text="APC-corrected").wait_for()
    expected = lab.run_python("print(ex.heatmap.caption)").strip()
    assert caption.text_content() == expected and "4-6" in expected
    # most cells are pale in both maps: a colour step of 4 levels tells them apart (about 38 % of the pixels,
    # 0.7 % at the default 24)
    apc = wait_for_pixels(lambda: lab.canvas_pixels(HEATMAP_CANVAS), raw, 0.1, tolerance=4, what="the APC heatmap")
    assert distinct_colors(apc) > 20
    choose(lab, "control-heatmap-kind", "raw")
    lab.wait_for_python("print(ex.heatmap_kind)", "raw")
    caption.filter(has_text="attention weights").wait_for()
    back = wait_for_pixels(lambda: lab.canvas_pixels(HEATMAP_CANVAS), apc, 0.1, tolerance=4,
                           what="the raw heatmap again")
    assert changed_fraction(raw, back, tolerance=4) < 0.002  # the same picture as before APC


def test_grid_menu_each_statistic_colours_and_captions_the_grid(lab):
    lab.run_python("ex.selected_residue = 30")  # attention to the selected residue needs one
    lab.page.locator(GRID_CANVAS).first.scroll_into_view_if_needed()
    options = lab.page.locator("[data-testid=control-grid-statistic] option").evaluate_all(
        "(os) => os.map(o => o.value)")
    assert options == list(CAPTION_WORDS)
    before = lab.canvas_pixels(GRID_CANVAS)
    for value in ["entropy", "special_token_mass", "mean_separation", "attention_to_residue", "contact_share"]:
        n = draws(lab, "head_grid")
        choose(lab, "control-grid-statistic", value)
        lab.wait_for_python("print(ex.grid_statistic, ex.busy)", f"{value} False", timeout_s=120)
        lab.page.wait_for_function(f"() => ({VIEW})('head_grid').protattnView.draws > {n}")
        caption = lab.page.locator("[data-testid=view-grid] .pa-caption").first
        caption.filter(has_text=CAPTION_WORDS[value]).wait_for()
        assert caption.text_content() == lab.run_python("print(ex.grid.caption)").strip()
        assert lab.page.locator("[data-testid=control-grid-statistic]").first.input_value() == value
        now = wait_for_pixels(lambda: lab.canvas_pixels(GRID_CANVAS), before, 0.02, what=f"the grid coloured by {value}")
        assert distinct_colors(now) > 8, value
        before = now
    # the tiles' values are the kernel's statistic (the entropy colouring, computed once per chain)
    lab.run_python("ex.grid_statistic = 'entropy'")
    lab.page.locator("[data-testid=view-grid] .pa-caption").first.filter(has_text="entropy").wait_for()
    tile = lab.page.evaluate(f"() => ({VIEW})('head_grid').protattnView.tileCenter(0, 0)")
    lab.page.mouse.move(tile["x"] - 3, tile["y"] - 3)
    lab.page.mouse.move(tile["x"], tile["y"], steps=2)
    tip = lab.page.locator("[data-testid=view-grid] .protattn-tooltip").first
    tip.wait_for(state="visible")
    value = float(lab.run_python("import numpy as np\nfrom protattn_widgets.head_statistics import attention_entropy\n"
                                 "print(float(np.float32(attention_entropy(ex.attention)[0, 0])))"))  # sent as float32
    assert f"{value:.3g}" in tip.text_content(), (tip.text_content(), value)
    lab.run_python("ex.grid_statistic = 'contact_share'")


def test_a_column_flagged_tile_says_so_in_its_tooltip(lab):
    lab.wait_for_python("print(ex.grid_statistic)", "contact_share")
    flagged = lab.run_python("k = next(k for k, f in enumerate(ex.grid._flags) if 'column' in f)\n"
                             "print(k // ex.n_heads, k % ex.n_heads, ex.grid._flags[k])").split(maxsplit=2)
    layer, head, words = int(flagged[0]), int(flagged[1]), flagged[2].strip()
    lab.page.locator(GRID_CANVAS).first.scroll_into_view_if_needed()
    tile = lab.page.evaluate(f"() => ({VIEW})('head_grid').protattnView.tileCenter({layer}, {head})")
    lab.page.mouse.move(tile["x"] - 3, tile["y"] - 3)
    lab.page.mouse.move(tile["x"], tile["y"], steps=2)
    tip = lab.page.locator("[data-testid=view-grid] .protattn-tooltip").first
    tip.filter(has_text=f"{layer + 1}-{head + 1}").wait_for(state="visible")
    text = tip.text_content()
    assert f"flagged: {words}" in text and "column" in text, text
    # a tile without a flag says none
    plain = lab.run_python("print(next(k for k, f in enumerate(ex.grid._flags) if not f))")
    layer, head = divmod(int(plain), 8)
    tile = lab.page.evaluate(f"() => ({VIEW})('head_grid').protattnView.tileCenter({layer}, {head})")
    lab.page.mouse.move(tile["x"], tile["y"], steps=2)
    tip.filter(has_text=f"{layer + 1}-{head + 1}").wait_for(state="visible")
    assert "flagged" not in tip.text_content()


def test_no_errors_in_the_browser_console(lab):
    assert lab.errors() == [], "\n".join(lab.errors())
