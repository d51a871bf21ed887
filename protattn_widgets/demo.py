"""The offline demo: which heads of a model attend to 3D contacts in a bundled antibody.

:func:`run_demo` is what ``protattn demo`` (and ``make demo``) runs: AntiBERTy on
the antibody D1.3 (PDB 1VFB, heavy chain B and light chain A), the paper's
contact statistic pooled over both chains, figures, and a summary.
"""

from __future__ import annotations

import functools
import json
import operator
import sys
from pathlib import Path

from .definitions import DEFAULT_THRESHOLD, MIN_STRONG_EDGES, ranked_head_rule
from .errors import DemoError
from .structures import load_structure
from .jsonable import finite_or_none

__all__ = ["run_demo", "DemoError", "DEFAULT_DEMO_STRUCTURE", "DEFAULT_DEMO_CHAINS"]

DEFAULT_DEMO_STRUCTURE = "1vfb_complex"
#: The antibody chains of the bundled 1vfb complex (chain C is lysozyme, the antigen).
DEFAULT_DEMO_CHAINS: dict[str, str] = {"B": "heavy", "A": "light"}
TOP_HEADS = 10


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="protattn demo", unit="step", file=sys.stderr, disable=not enabled,
                bar_format="{desc:<42} {n_fmt}/{total_fmt} |{bar:20}| {elapsed}")


# --------------------------------------------------------------------------- demo


def run_demo(outdir: str | Path = "protattn-demo", *, model: str = "antiberty",
             structure: str | Path | None = None, chains: list[str] | None = None,
             threshold: float = DEFAULT_THRESHOLD, min_total: int = MIN_STRONG_EDGES, progress: bool = True,
             overwrite: bool = False) -> dict:
    """Find the heads that attend to 3D contacts, and write figures and a summary.

    Parameters
    ----------
    outdir : path
        Created if missing; becomes ``contact_heads.png``/``.svg``,
        ``top_head_attention.png``, ``top_head_structure.png``,
        ``summary.txt`` and ``summary.json`` (swapped in whole at the end: an
        interrupted demo leaves the folder as it was).  Checked first, by the
        folder policy of :mod:`protattn_widgets.outputs`: an ``OutputPathError``
        when it is a file, under a file, not writable, or a non-empty folder
        that protattn did not write (unless ``overwrite``).
    model : str
        Anything :func:`protattn_widgets.load_model` accepts.
    structure : path, example name or PDB id, optional
        Default the bundled ``1vfb_complex``.
    chains : list of str, optional
        Chains pooled into the statistic; the first is drawn.  Default the
        antibody chains (B heavy, A light) for the bundled structure, every
        protein chain otherwise.
    threshold : float
        Attention at or above which a pair is a strong edge.
    min_total : int
        Heads with fewer strong edges (over the chains pooled) are not ranked;
        default :data:`~protattn_widgets.definitions.MIN_STRONG_EDGES`, the
        ranked-head rule of the explorer and ``analyze`` too.
    progress : bool
        Show a progress bar on stderr.
    overwrite : bool
        Replace ``outdir`` even when it is a non-empty folder that protattn did
        not write (everything in it is removed).

    Returns
    -------
    dict
        What ``summary.json`` holds.
    """
    from .analysis import contact_accumulator
    from .analysis.flags import FLAG_MARKS_LEGEND, flag_marks
    from .figures import attention_matrix, head_statistic_heatmap, model_display_name, save_figure, \
        structure_edges_3d
    from .models import load_model

    from .outputs import check_output_folder, replace_folder

    outdir = check_output_folder(outdir, "output folder", overwrite=overwrite)  # before any work
    default = structure is None
    source = DEFAULT_DEMO_STRUCTURE if default else structure
    if chains is None and default:
        chains = list(DEFAULT_DEMO_CHAINS)
    # model, structure, one attention per chain (all chains when not named: counted once loaded),
    # statistics, three figures, summary
    steps = 2 + (len(chains) if chains is not None else 1) + 1 + 3 + 1
    # Files are written to a temporary folder swapped in at the end: an interrupted demo
    # leaves no half-written set of files, and a new demo never mixes with an old one.
    with replace_folder(outdir, overwrite=overwrite, what="output folder", written_by="protattn demo") as tmp, \
            _progress(steps, progress) as bar:
        def step(what: str) -> None:
            bar.set_description_str(f"protattn demo: {what}")

        step("loading model")
        lm = load_model(model)
        bar.update()

        step("loading structure")
        struct = load_structure(source)
        if chains is None:
            chains = list(struct.chain_ids)
            bar.total += len(chains) - 1
        chain_objects = [struct[c] for c in chains]
        bar.update()

        attentions = []
        for chain in chain_objects:
            step(f"attention of chain {chain.chain_id}")
            attentions.append(lm.attention(chain))
            bar.update()

        step("contact statistics")
        pooled = functools.reduce(operator.add, (
            contact_accumulator(attention, chain, threshold, min_total)
            for attention, chain in zip(attentions, chain_objects)
        ))
        top = pooled.top_heads(TOP_HEADS)
        if top.empty:
            raise DemoError(
                f"no head has {min_total} or more attention weights >= {threshold} on these chains; "
                "lower --threshold or --min-total"
            )
        bar.update()

        name = model_display_name(lm.name)
        chain_names = "+".join(chains)
        best_layer, best_head = int(top["layer_index"].iloc[0]), int(top["head_index"].iloc[0])
        files = {
            "heatmap": "contact_heads.png",
            "heatmap_svg": "contact_heads.svg",
            "top_head_attention": "top_head_attention.png",
            "top_head_structure": "top_head_structure.png",
            "summary_text": "summary.txt",
            "summary_json": "summary.json",
        }
        step("figures")
        heatmap = head_statistic_heatmap(
            pooled.share, background=pooled.background, totals=pooled.total, min_total=min_total,
            label="share of strong edges in contact", marks=flag_marks(pooled), marks_label=FLAG_MARKS_LEGEND,
            title=f"{name}: share of strong attention (≥ {threshold:g}) on 3D contacts · "
                  f"{struct.name} chains {chain_names}",
        )
        save_figure(heatmap, tmp / files["heatmap"])
        save_figure(heatmap, tmp / files["heatmap_svg"])
        bar.update()
        drawn, drawn_attention = chain_objects[0], attentions[0]
        save_figure(attention_matrix(drawn_attention, best_layer, best_head, contacts=drawn.contact_map()),
                    tmp / files["top_head_attention"])
        bar.update()
        save_figure(structure_edges_3d(drawn_attention, drawn, best_layer, best_head, top_k=30),
                    tmp / files["top_head_structure"])
        bar.update()

        step("summary")
        summary = _demo_summary(lm, name, struct, source, chain_objects, default, pooled, top, files)
        (tmp / files["summary_json"]).write_text(
            json.dumps(summary, indent=2, allow_nan=False, ensure_ascii=False) + "\n", encoding="utf-8")
        (tmp / files["summary_text"]).write_text(_summary_text(summary), encoding="utf-8")
        bar.update()
    return summary


def _demo_summary(lm, display_name, struct, source, chains, default, pooled, top, files) -> dict:
    from .analysis.concentration import COLUMN_MIN_EDGES, COLUMN_SHARE, format_evidence

    background = finite_or_none(pooled.background)
    rows = []
    for rank, row in enumerate(top.itertuples(index=False), start=1):
        share, total = float(row.share), int(row.total)
        rows.append({
            "rank": rank,
            "label": row.label,
            "layer": int(row.layer),
            "head": int(row.head),
            "layer_index": int(row.layer_index),
            "head_index": int(row.head_index),
            "share": share,
            "contact_edges": int(row.hits),
            "strong_edges": total,
            "ci_low": float(row.ci_low),
            "ci_high": float(row.ci_high),
            "enrichment": share / background if background else None,
            "p_value": finite_or_none(float(row.p_value)),
            "targets": int(row.targets),
            "top_target": row.top_target,
            "top_target_edges": int(row.top_target_edges),
            "top_target_share": float(row.top_target_share),
            "column_share": float(row.column_share),
            "column_head": bool(row.column_head),
            "evidence": format_evidence(row.hits, total, what="contacts", top_edges=int(row.top_target_edges),
                                        top_target=row.top_target, column_share=float(row.column_share)),
        })
    best = rows[0]
    plain = next((r for r in rows if not r["column_head"]), None)
    sentence = _sentence(display_name, pooled.threshold, background, best, plain)
    share = pooled.share
    return {
        "model": {"name": lm.name, "display_name": display_name,
                  "n_layers": lm.n_layers, "n_heads": lm.n_heads},
        "structure": {"name": struct.name, "source": str(source)},
        "chains": [
            {"id": c.chain_id, "length": len(c),
             **({"role": DEFAULT_DEMO_CHAINS[c.chain_id]} if default and c.chain_id in DEFAULT_DEMO_CHAINS else {})}
            for c in chains
        ],
        "drawn_chain": chains[0].chain_id,
        "statistic": "share of strong attention edges (a_ij >= threshold) that are 3D contacts",
        "contact_definition": "CB-CB distance < 8 Å and |i - j| >= 6 (virtual CB for glycine)",
        "label_convention": "labels are 1-based 'layer-head'; layer_index/head_index are 0-based",
        "column_head_rule": f"column_share >= {COLUMN_SHARE:g}: at least that share of the head's strong edges "
                            f"goes to one residue per chain (one receiving >= {COLUMN_MIN_EDGES} of them); "
                            "top_target_share: the share on the single most-attended residue",
        "threshold": pooled.threshold,
        "min_total": pooled.min_total,
        "background_contact_rate": background,
        "strong_edges": int(pooled.total.sum()),
        "ranked_heads": int((pooled.total >= max(pooled.min_total, 1)).sum()),
        "ranked_head_rule": ranked_head_rule(
            f"chain{'s' if len(chains) > 1 else ''} {'+'.join(c.chain_id for c in chains)} of {struct.name}, pooled",
            pooled.min_total, pooled.threshold),
        "top_head": best["label"],
        "top_head_is_column_head": best["column_head"],
        "top_head_not_column": plain["label"] if plain else None,
        "top_heads": rows,
        "share_by_layer_head": [[None if m else float(v) for v, m in zip(vals, mask)]
                                for vals, mask in zip(share.data.tolist(), share.mask.tolist())],
        "sentence": sentence,
        "files": files,
    }


def _sentence(display_name: str, threshold: float, background, best: dict, plain: dict | None) -> str:
    """The demo's headline: the top head with its evidence, and what to make of a column head."""
    times = f", {best['enrichment']:.1f}x the {background:.1%} expected by chance" if best["enrichment"] else ""
    sentence = (
        f"Head {best['label']} (layer {best['layer']}, head {best['head']}) of {display_name} has the highest "
        f"share of strong attention (>= {threshold:g}) on residue pairs whose CB atoms are closer than 8 Å: "
        f"{best['contact_edges']} of {best['strong_edges']} strong edges ({best['share']:.1%}, 95% CI "
        f"{best['ci_low']:.1%}-{best['ci_high']:.1%}){times}."
    )
    if best["column_head"]:
        sentence += (
            f" It is a column head: {best['column_share']:.0%} of its strong edges go to one residue per "
            f"chain ({best['top_target_edges']} to {best['top_target']}), so it mostly looks at one residue, "
            "not at contacts.")
        if plain is not None:
            sentence += (f" The best head that is not a column head is {plain['label']}: {plain['contact_edges']} "
                         f"of {plain['strong_edges']} ({plain['share']:.1%}, 95% CI {plain['ci_low']:.1%}-"
                         f"{plain['ci_high']:.1%}).")
    return sentence


def _summary_text(summary: dict) -> str:
    model = summary["model"]
    chains = ", ".join(
        f"{c['id']} ({c['role']}, {c['length']} residues)" if "role" in c else f"{c['id']} ({c['length']} residues)"
        for c in summary["chains"]
    )
    background = summary["background_contact_rate"]
    lines = [
        "protattn demo: which attention heads point at 3D contacts?",
        "",
        f"model:       {model['display_name']} ({model['n_layers']} layers x {model['n_heads']} heads)",
        f"structure:   {summary['structure']['name']}",
        f"chains:      {chains}",
        f"threshold:   attention >= {summary['threshold']:g} is a strong edge",
        f"ranking:     {summary['ranked_head_rule']} ({summary['ranked_heads']} of "
        f"{model['n_layers'] * model['n_heads']} heads ranked)",
        f"contacts:    {summary['contact_definition']}",
        f"background:  {background:.2%} of residue pairs are contacts" if background is not None
        else "background:  n/a",
        f"column head: {summary['column_head_rule']}",
        "",
        f"Top {len(summary['top_heads'])} heads (labels are 1-based layer-head, as in the paper):",
        "",
        f"{'rank':>4}  {'head':>5}  {'share':>6}  {'95% CI':>13}  {'contacts / strong':>17}  {'enrichment':>10}  "
        f"{'targets':>7}  {'to top residue':>28}  {'per chain':>9}  column",
    ]
    for row in summary["top_heads"]:
        enrichment = f"{row['enrichment']:.2f}x" if row["enrichment"] is not None else "n/a"
        interval = f"{row['ci_low']:.1%}-{row['ci_high']:.1%}"
        top = f"{row['top_target_share']:.0%} ({row['top_target']})"
        lines.append(f"{row['rank']:>4}  {row['label']:>5}  {row['share']:>6.1%}  {interval:>13}  "
                     f"{row['contact_edges']:>8} / {row['strong_edges']:<6}  {enrichment:>10}  {row['targets']:>7}  "
                     f"{top:>28}  {row['column_share']:>9.0%}  {'yes' if row['column_head'] else 'no'}")
    lines += ["", summary["sentence"], ""]
    return "\n".join(lines)
