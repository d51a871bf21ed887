"""Per-head flags: ways a head can score on a property without attending to it.

Three flags, each computed from integer counts that add across proteins:

* **column head** (:mod:`.concentration`): at least :data:`~.concentration.COLUMN_SHARE`
  (50 %) of its strong edges go to one residue per protein (that residue
  receiving 3 or more).  It looks at residue ``j``, whatever ``j`` is.
* **positional head** (:mod:`.offsets`): at least :data:`~.offsets.POSITIONAL_SHARE`
  (50 %) of its strong edges sit at one sequence offset ``d = j - i``, named
  with the flag (``positional (+1)``: the next residue).  It attends by position.
* **sink head** (:mod:`.sinks`): on average over the residues, at least
  :data:`~.sinks.SINK_SHARE` (50 %) of its attention goes to the model's
  special tokens (CLS/BOS, SEP/EOS).  Its few strong edges between residues
  are what is left over.

:func:`flag_grid` gives them as boolean ``(n_layers, n_heads)`` arrays,
:func:`flag_words` as the ``flags`` column of the head tables, and
:func:`flag_marks` as the short marks drawn on the figures' cells
(``C``, ``P+1``, ``S``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["flag_grid", "flag_words", "flag_marks", "flag_definitions", "FLAG_MARKS_LEGEND"]

#: What the figures' cell marks mean.
FLAG_MARKS_LEGEND = "flagged: C column, P±d positional (offset d), S sink"


def flag_grid(accumulator) -> dict[str, np.ndarray]:
    """The flags an accumulator can tell, each bool ``(n_layers, n_heads)``.

    Keys ``"column"`` (with a concentration), ``"positional"`` and
    ``"positional_offset"`` (int; with offset counts), ``"sink"`` (with sink
    masses).  A flag that was not measured is absent, not False.
    """
    grid: dict[str, np.ndarray] = {}
    if getattr(accumulator, "concentration", None) is not None:
        grid["column"] = accumulator.concentration.column_head
    if getattr(accumulator, "offsets", None) is not None:
        grid["positional"] = accumulator.offsets.positional_head
        grid["positional_offset"] = accumulator.offsets.positional_offset
    if getattr(accumulator, "sinks", None) is not None:
        grid["sink"] = accumulator.sinks.sink_head
    return grid


def _offset(d) -> str:
    return f"{int(d):+d}" if int(d) else "0"


def flag_words(table) -> list[str]:
    """Each row's flags in words, ``"column; positional (+1); sink"`` (``""`` for none).

    Reads the columns ``column_head``, ``positional_head`` (with
    ``positional_offset``) and ``sink_head`` where ``table`` has them.
    """
    words = [[] for _ in range(len(table))]
    if "column_head" in table:
        for row, flagged in zip(words, table["column_head"]):
            if flagged:
                row.append("column")
    if "positional_head" in table:
        for row, flagged, d in zip(words, table["positional_head"], table["positional_offset"]):
            if flagged:
                row.append(f"positional ({_offset(d)})")
    if "sink_head" in table:
        for row, flagged in zip(words, table["sink_head"]):
            if flagged:
                row.append("sink")
    return ["; ".join(row) for row in words]


def flag_marks(accumulator) -> np.ndarray:
    """Short marks per head for figures, str (object) ``(n_layers, n_heads)``: ``"C"``, ``"P+1"``, ``"S"``,
    joined by spaces; ``""`` where no flag is raised."""
    grid = flag_grid(accumulator)
    marks = np.full((accumulator.n_layers, accumulator.n_heads), "", dtype=object)
    for (layer, head), _ in np.ndenumerate(marks):
        parts = []
        if "column" in grid and grid["column"][layer, head]:
            parts.append("C")
        if "positional" in grid and grid["positional"][layer, head]:
            parts.append(f"P{_offset(grid['positional_offset'][layer, head])}")
        if "sink" in grid and grid["sink"][layer, head]:
            parts.append("S")
        marks[layer, head] = " ".join(parts)
    return marks


def flag_definitions() -> list[str]:
    """The three flags' definitions in words (markdown), from the thresholds in force: the README and the
    finding print these."""
    from .concentration import COLUMN_MIN_EDGES, COLUMN_SHARE
    from .offsets import POSITIONAL_SHARE
    from .sinks import SINK_SHARE

    return [
        f"**Column head** (`column_head`, mark C): at least {100 * COLUMN_SHARE:.0f} % of its strong edges go to "
        f"one residue per protein (that residue receiving {COLUMN_MIN_EDGES} or more), a column of its attention "
        "matrix. It scores on a property when that one residue happens to have it: read its share as \"looks at "
        "residue j\". Columns `top_target`, `top_target_share`, `column_share`.",
        f"**Positional head** (`positional_head`, mark P±d): at least {100 * POSITIONAL_SHARE:.0f} % of its strong "
        "edges sit at one sequence offset d = j − i (+1: the next residue, −1: the previous one, 0: itself), "
        "counted over all strong edges between residues. It attends by position; the flag names the offset "
        "(`positional (+1)`). Columns `positional_offset`, `positional_share`.",
        f"**Sink head** (`sink_head`, mark S): on average over the residues, at least {100 * SINK_SHARE:.0f} % of "
        "its attention goes to the model's special tokens (CLS/BOS, SEP/EOS), so its strong edges between "
        "residues are what is left over. Column `special_token_mass` (the mean); measured where the model "
        "reports `Attention.special_token_mass`.",
    ]
