"""Writing an :class:`AnalysisResult` to a folder: tables, JSON summary, figures.

Layout of ``outdir``::

    result/result.json, result/counts.npz   the counts (AnalysisResult.load reads them)
    summary.json                            AnalysisResult.summary(): backgrounds, top heads, layers
    top_heads.csv                           the top k heads of every feature (column "feature")
    heads.csv                               every unmasked head of every feature
    per_protein.csv                         each protein's strong edges per head and feature
                                            (rows with strong edges; all rows are in result/counts.npz)

The CSV files count in the unit every view uses, strong edges i -> j
(:data:`~protattn_widgets.definitions.STRONG_EDGES`): column ``strong_edges``
(a head's strong edges; ``total`` in the Python tables) and
``strong_edges_with_property`` (those whose pair or target has the property;
``hits`` in the Python tables), see :data:`CSV_COLUMNS`.
    figures/<feature>.png                   layers x heads heatmap with the per-layer maximum
    figures/blosum62.png, figures/center_of_gravity.png   when analysis_figures provides them
    browser.html                            with ``analyze --browse``: the standalone dataset browser
                                            (:mod:`protattn_widgets.widgets.browser_page`)

A report folder always holds one run's files: the report is written into a
temporary sibling folder and swapped in when complete
(:func:`~protattn_widgets.outputs.replace_folder`), so an interrupted run leaves
the previous report (or nothing) and a new one never mixes with an old one.
The folder policy is the one of every command (:mod:`protattn_widgets.outputs`):
an existing folder is replaced when it is empty or protattn wrote it (a previous
report); any other non-empty folder is refused, unless ``overwrite=True``
(``--overwrite``), which replaces all of it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..definitions import SEPARATION_RANGES, ranked_head_rule
from ..outputs import check_output_folder, replace_folder
from .results import AnalysisResult

__all__ = ["write_report", "check_report_folder", "is_report_folder", "feature_title", "top_heads_markdown",
           "CSV_COLUMNS"]

#: Python table column -> CSV column: counts named in the unit every view and table uses (strong edges i -> j).
CSV_COLUMNS = {"hits": "strong_edges_with_property", "total": "strong_edges"}


def is_report_folder(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds a report written by :func:`write_report`."""
    path = Path(path)
    return (path / "summary.json").is_file() and (path / "result" / "result.json").is_file()


def check_report_folder(outdir: str | os.PathLike, overwrite: bool = False) -> Path:
    """Return ``outdir`` if a report may be written there (the folder policy of
    :func:`~protattn_widgets.outputs.check_output_folder`, which a previous report
    passes), else raise :class:`~protattn_widgets.errors.OutputPathError`.  Nothing is written."""
    return check_output_folder(outdir, "report folder", overwrite=overwrite or is_report_folder(outdir))


def feature_title(feature: str) -> str:
    """What a feature's share measures, for figure labels."""
    prop, _, value = feature.partition(":")
    if prop == "contact":
        return "3D contacts"
    if prop.startswith("contact_") and prop[len("contact_"):] in SEPARATION_RANGES:
        low, high = SEPARATION_RANGES[prop[len("contact_"):]]
        return f"contacts at |i-j| {low}-{high}" if high is not None else f"contacts at |i-j| ≥ {low}"
    if prop == "amino_acid":
        return f"amino acid {value}"
    if prop == "secondary_structure":
        return {"turn_bend": "turn/bend", "none": "no secondary structure"}.get(value, value)
    return {"binding_site": "binding sites", "ptm": "modified residues", "paratope": "paratope residues",
            "cdr": "CDR residues", "paratope_in_cdr": "paratope residues among CDR targets"}.get(
        prop, feature)


def write_report(result: AnalysisResult, outdir: str | os.PathLike, *, top_k: int = 10,
                 dataset_name: str = "dataset", figures: bool = True, overwrite: bool = False,
                 extra_files: dict[str, str] | None = None) -> dict[str, str]:
    """Write tables, ``summary.json`` and figures of ``result`` as the folder ``outdir``.

    The folder is replaced as a whole (never mixed with an earlier report); a
    non-empty folder that is not a report is refused unless ``overwrite``.

    Raises
    ------
    OutputPathError
        ``outdir`` is a file, under a file, not writable, or a non-empty
        folder that is not a report (without ``overwrite``).

    Returns
    -------
    dict
        What was written: name -> path relative to ``outdir``.
    """
    outdir = check_report_folder(outdir, overwrite)
    with replace_folder(outdir, overwrite=True, what="report folder", written_by="protattn analyze") as tmp:
        return _write(result, tmp, top_k, dataset_name, figures, extra_files or {})


def _write(result: AnalysisResult, outdir: Path, top_k: int, dataset_name: str, figures: bool,
           extra_files: dict[str, str]) -> dict[str, str]:
    import pandas as pd

    files = {"result": "result"}
    for name, text in extra_files.items():  # e.g. browser.html (analyze --browse)
        (outdir / name).write_text(text, encoding="utf-8")
        files[Path(name).stem] = name
    result.save(outdir / "result")
    top = [result[f].top_heads(top_k).assign(feature=f, background=result[f].background) for f in result]
    every = [result[f].top_heads(None).assign(feature=f, background=result[f].background) for f in result]
    csv = lambda frames, name: (pd.concat(frames, ignore_index=True).pipe(_feature_first)  # noqa: E731
                                .rename(columns=CSV_COLUMNS).to_csv(outdir / name, index=False))
    csv(top, "top_heads.csv")
    csv(every, "heads.csv")
    csv([result[f].per_protein.query("total > 0").assign(feature=f) for f in result], "per_protein.csv")
    files.update(top_heads="top_heads.csv", heads="heads.csv", per_protein="per_protein.csv")
    summary = result.summary(top_k)
    summary["dataset"] = dataset_name
    summary["ranked_head_rule"] = ranked_head_rule(f"the {result.proteins} proteins of {dataset_name}, pooled",
                                                   result.min_total, result.threshold)
    if figures:
        files.update(_figures(result, outdir, dataset_name))
    summary["files"] = files
    (outdir / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    files["summary"] = "summary.json"
    return files


def top_heads_markdown(result: AnalysisResult, feature: str, k: int = 10) -> str:
    """The top ``k`` heads of ``feature`` as a markdown table (shares and intervals in %).

    With a concentration (every analysis has one), two more columns: the
    share of the head's strong edges on its single most-attended residue
    (and which), and the head's flags (:mod:`.flags`) with their numbers:
    ``column (68 %)``, ``positional (+1, 62 %)``, ``sink (71 %)``.
    """
    acc = result[feature]
    concentrated = acc.concentration is not None
    lines = [f"Background: {acc.background:.1%} ({acc.background_hits} of {acc.background_total}); "
             f"{acc.proteins} proteins; heads with < {result.min_total} strong edges not ranked.", "",
             "| head | share | 95% CI | hits / strong edges | enrichment | p (one-sided) | Bonferroni 5% |"
             + (" top residue | flags |" if concentrated else ""),
             "|---|---|---|---|---|---|---|" + ("---|---|" if concentrated else "")]
    for row in acc.top_heads(k).itertuples(index=False):
        line = (f"| {row.label} | {row.share:.1%} | {row.ci_low:.1%} – {row.ci_high:.1%} | "
                f"{row.hits} / {row.total} | {row.enrichment:.1f}x | {row.p_value:.1e} | "
                f"{'yes' if row.significant else 'no'} |")
        if concentrated:
            line += f" {row.top_target_share:.0%} ({row.top_target}) | {_flags_with_numbers(row) or '–'} |"
        lines.append(line)
    return "\n".join(lines)


def _flags_with_numbers(row) -> str:
    """A table row's flags with the share behind each: ``column (68 %); positional (+1, 62 %)``."""
    parts = []
    if getattr(row, "column_head", False):
        parts.append(f"column ({row.column_share:.0%})")
    if getattr(row, "positional_head", False):
        offset = f"{int(row.positional_offset):+d}" if row.positional_offset else "0"
        parts.append(f"positional ({offset}, {row.positional_share:.0%})")
    if getattr(row, "sink_head", False):
        parts.append(f"sink ({row.special_token_mass:.0%})")
    return "; ".join(parts)


def _feature_first(table):
    return table[["feature", *[c for c in table.columns if c != "feature"]]]


def _figures(result: AnalysisResult, outdir: Path, dataset_name: str) -> dict[str, str]:
    from ..figures import head_statistic_heatmap, model_display_name, save_figure
    from ..analysis_figures import blosum_correlation_figure, center_of_gravity_figure
    from .flags import FLAG_MARKS_LEGEND, flag_marks

    name = model_display_name(result.model_name)
    (outdir / "figures").mkdir(exist_ok=True)
    files = {}
    for feature in result:
        acc = result[feature]
        if acc.proteins == 0:
            continue
        figure = head_statistic_heatmap(
            acc.share, background=acc.background, totals=acc.total, min_total=result.min_total,
            marks=flag_marks(acc), marks_label=FLAG_MARKS_LEGEND,
            label=f"share of strong edges to {feature_title(feature)}",
            title=f"{name}: attention ≥ {result.threshold:g} to {feature_title(feature)} · {acc.proteins} proteins",
        )
        path = f"figures/{feature.replace(':', '_')}.png"
        save_figure(figure, outdir / path)
        files[f"figure:{feature}"] = path
    if "amino_acid" in result.properties:
        blosum = result.blosum_correlation()
        figure = blosum_correlation_figure(
            blosum.profile_similarity, blosum.blosum, blosum.amino_acids, blosum.correlation,
            title=f"{name}: attention profiles of amino acids vs BLOSUM62")
        save_figure(figure, outdir / "figures/blosum62.png")
        files["figure:blosum62"] = "figures/blosum62.png"
    centers = {f: c for f, c in result.center_of_gravity().items() if c == c}
    if centers:
        figure = center_of_gravity_figure(centers, result.n_layers, title=f"{name}: centre of gravity over layers",
                                          proteins={f: result[f].proteins for f in centers})
        save_figure(figure, outdir / "figures/center_of_gravity.png")
        files["figure:center_of_gravity"] = "figures/center_of_gravity.png"
    return files
