"""The standalone page's 3D box keeps its size: it once shrank by its border width every frame
(the view's ResizeObserver copied the box's clientWidth onto the box itself) down to 300 x 260 px."""

from __future__ import annotations

import protattn_widgets as paw


def test_standalone_3d_box_does_not_shrink_by_itself(browser, antiberty, tmp_path):
    from protattn_widgets.widgets.explorer import AttentionExplorer

    ex = AttentionExplorer(paw.example_path("1vfb_complex"), model=antiberty, chain="B")
    path = ex.to_html(tmp_path / "explorer.html", heads="current")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_function("() => window.protattnPage && window.protattnPage.loaded", timeout=90_000)
        size = "() => { const b = document.querySelector('[data-testid=view-structure]').getBoundingClientRect(); return [b.width, b.height]; }"
        page.wait_for_timeout(1_000)
        first = page.evaluate(size)
        page.wait_for_timeout(4_000)
        later = page.evaluate(size)
        assert later == first, f"the 3D box went from {first} to {later} px by itself"
        assert first[1] >= 400, f"the 3D box is {first} px: its CSS height is 470 px"
    finally:
        context.close()
