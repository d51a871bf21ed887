"""How big the standalone dataset browser (``protattn analyze --browse``) gets, and what it costs.

On the bundled antibody set (``antibody_dataset()``: 36 chains, AntiBERTy 8 x 8; contact and
paratope), it writes the page with every head (``heads="all"``, the default) and with the top
heads of each feature (``heads="top"``, ``top_k=10``), and reports each page's size, what it
holds and the seconds it took.  The first page runs the model on each whole chain (the analysis
read variable domains only); the second reads the same chains from the cache.

Run ``python bench/bench_browser_page.py`` (a few minutes on 2 cores).  Writes
``bench/results_browser_page.md``; the README's numbers come from it.
"""

from __future__ import annotations

import platform
import time
import warnings
from pathlib import Path

HERE = Path(__file__).parent


def main() -> None:
    from protattn_widgets import analysis

    warnings.simplefilter("ignore")
    start = time.perf_counter()
    records = analysis.antibody_dataset()
    result = analysis.analyze("antiberty", records, ["contact", "paratope"], progress=False)
    analyse_s = time.perf_counter() - start
    browser = result.browse("contact")
    rows = []
    for heads in ("all", "top"):
        start = time.perf_counter()
        page = browser.page(heads=heads, top_k=10)
        rows.append((heads, page, time.perf_counter() - start))
    lengths = sorted(len(browser.records[p].structure[browser.records[p].chain.chain_id].sequence)
                     for p in browser.records)
    lines = [
        "# Standalone dataset browser: size and time (bench/bench_browser_page.py)",
        "",
        f"Machine: {platform.machine()}, {platform.python_version()}; {len(records)} antibody chains, AntiBERTy, "
        f"contact + paratope; analyze {analyse_s:.0f} s. Explorer chains (whole chains): "
        f"{lengths[0]}-{lengths[-1]} residues, mean {sum(lengths) / len(lengths):.0f}.",
        "",
        "| heads | page | contents | seconds |",
        "|---|---|---|---|",
    ]
    lines += [f"| {heads} | {page.megabytes:.1f} MB | {page.describe()} | {seconds:.0f} |" for heads, page, seconds in rows]
    lines += ["", "The first page runs the model on each whole chain; the second reads them from the cache.", ""]
    text = "\n".join(lines)
    (HERE / "results_browser_page.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
