"""The ``protattn`` command line: an offline demo and single-head figures.

::

    protattn demo -o protattn-demo          # AntiBERTy on the bundled antibody 1vfb
    protattn figure 1vfb_complex --chain B --layer 3 --head 5 -o head.svg
    protattn analyze --data structures/ labels.jsonl --property contact binding_site -o report/
    protattn analyze --data antibodies --property contact paratope -o report/   # bundled antibodies
    protattn --version

Layers and heads on the command line and in everything printed are 1-based,
as the paper writes them: ``--layer 3 --head 5`` is head ``"3-5"``, which is
``layer=2, head=4`` in Python.  Errors the user can fix are printed as
``error: <message>`` with exit status 2.
"""

from __future__ import annotations

import argparse
import functools
import json
import operator
import sys
from pathlib import Path

from . import __version__
from .errors import LayerHeadIndexError, ProtAttnError
from .examples import EXAMPLES, example_path

__all__ = ["main", "run_demo", "resolve_structure", "DEFAULT_DEMO_CHAINS"]

DEFAULT_DEMO_STRUCTURE = "1vfb_complex"
#: The antibody chains of the bundled 1vfb complex (chain C is lysozyme, the antigen).
DEFAULT_DEMO_CHAINS: dict[str, str] = {"B": "heavy", "A": "light"}
TOP_HEADS = 10

_LABEL_NOTE = ("Layers and heads are numbered from 1, as in the paper's 'layer-head' labels: "
               "--layer 3 --head 5 is head 3-5.")


class _Failure(ProtAttnError):
    """A command-line mistake that the package's own errors do not cover."""


# --------------------------------------------------------------------------- helpers


def resolve_structure(source: str | Path):
    """Load a bundled example name (checked first), a file path or a PDB id."""
    from .structures import load_structure

    if str(source).lower().removesuffix(".pdb") in EXAMPLES and not Path(source).is_file():
        return load_structure(example_path(str(source)))
    return load_structure(source)


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must lie in [0, 1] (attention weights do), got {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _zero_based(number: int, size: int, what: str, model_name: str) -> int:
    """A 1-based ``--layer``/``--head`` as a 0-based index, or a clear error."""
    if not 1 <= number <= size:
        raise LayerHeadIndexError(
            f"--{what} {number} is out of range: {model_name} has {size} {what}s, "
            f"numbered 1..{size} (1-based, as in the 'layer-head' labels)"
        )
    return number - 1


def _check_figure_suffix(path: Path) -> None:
    from .figures import FIGURE_FORMATS

    if path.suffix.lower() not in FIGURE_FORMATS:
        raise _Failure(f"cannot write {str(path)!r}: the output must end in {', '.join(FIGURE_FORMATS)}")


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="protattn demo", unit="step", file=sys.stderr, disable=not enabled,
                bar_format="{desc:<42} {n_fmt}/{total_fmt} |{bar:20}| {elapsed}")


# --------------------------------------------------------------------------- demo


def run_demo(outdir: str | Path = "protattn-demo", *, model: str = "antiberty",
             structure: str | Path | None = None, chains: list[str] | None = None,
             threshold: float = 0.3, min_total: int = 20, progress: bool = True) -> dict:
    """Find the heads that attend to 3D contacts, and write figures and a summary.

    Parameters
    ----------
    outdir : path
        Created if missing; receives ``contact_heads.png``/``.svg``,
        ``top_head_attention.png``, ``top_head_structure.png``,
        ``summary.txt`` and ``summary.json``.
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
        Heads with fewer strong edges are left out of the ranking.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    dict
        What ``summary.json`` holds.
    """
    from .analysis import contact_accumulator
    from .figures import attention_matrix, head_statistic_heatmap, model_display_name, save_figure, \
        structure_edges_3d
    from .models import load_model

    outdir = Path(outdir)
    default = structure is None
    source = DEFAULT_DEMO_STRUCTURE if default else structure
    steps = 1 + 1 + 1 + 1 + 3 + 1  # model, structure, attention (resized below), stats, figures, summary
    with _progress(steps, progress) as bar:
        def step(what: str) -> None:
            bar.set_description_str(f"protattn demo: {what}")

        step("loading model")
        lm = load_model(model)
        bar.update()

        step("loading structure")
        struct = resolve_structure(source)
        if chains is None:
            chains = list(DEFAULT_DEMO_CHAINS) if default else list(struct.chain_ids)
        chain_objects = [struct[c] for c in chains]
        bar.total += len(chain_objects) - 1
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
            raise _Failure(
                f"no head has {min_total} or more attention weights >= {threshold} on these chains; "
                "lower --threshold or --min-total"
            )
        bar.update()

        name = model_display_name(lm.name)
        chain_names = "+".join(chains)
        best_layer, best_head = int(top["layer"].iloc[0]), int(top["head"].iloc[0])
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
            label="share of strong edges in contact",
            title=f"{name}: share of strong attention (≥ {threshold:g}) on 3D contacts · "
                  f"{struct.name} chains {chain_names}",
        )
        save_figure(heatmap, outdir / files["heatmap"])
        save_figure(heatmap, outdir / files["heatmap_svg"])
        bar.update()
        drawn, drawn_attention = chain_objects[0], attentions[0]
        save_figure(attention_matrix(drawn_attention, best_layer, best_head, contacts=drawn.contact_map()),
                    outdir / files["top_head_attention"])
        bar.update()
        save_figure(structure_edges_3d(drawn, drawn_attention, best_layer, best_head, top_k=30),
                    outdir / files["top_head_structure"])
        bar.update()

        step("summary")
        summary = _demo_summary(lm, name, struct, source, chain_objects, default, pooled, top, files)
        (outdir / files["summary_json"]).write_text(
            json.dumps(summary, indent=2, allow_nan=False, ensure_ascii=False) + "\n", encoding="utf-8")
        (outdir / files["summary_text"]).write_text(_summary_text(summary), encoding="utf-8")
        bar.update()
    return summary


def _finite_or_none(value: float) -> float | None:
    return None if value != value or value in (float("inf"), float("-inf")) else float(value)


def _demo_summary(lm, display_name, struct, source, chains, default, pooled, top, files) -> dict:
    background = _finite_or_none(pooled.background)
    rows = []
    for rank, row in enumerate(top.itertuples(index=False), start=1):
        label, layer, head, share, total = row.label, int(row.layer), int(row.head), float(row.share), int(row.total)
        rows.append({
            "rank": rank,
            "label": label,
            "layer": layer + 1,
            "head": head + 1,
            "layer_index": layer,
            "head_index": head,
            "share": share,
            "contact_edges": int(pooled.hits[layer, head]),
            "strong_edges": total,
            "enrichment": share / background if background else None,
        })
    best = rows[0]
    times = f", {best['enrichment']:.1f}x the {background:.1%} expected by chance" if best["enrichment"] else ""
    sentence = (
        f"Head {best['label']} (layer {best['layer']}, head {best['head']}) of {display_name} attends to "
        f"residues in 3D contact most: {best['share']:.1%} of its strong attention (>= {pooled.threshold:g}) "
        f"links residue pairs whose CB atoms are closer than 8 Å{times}."
    )
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
        "threshold": pooled.threshold,
        "min_total": pooled.min_total,
        "background_contact_rate": background,
        "strong_edges": int(pooled.total.sum()),
        "top_head": best["label"],
        "top_heads": rows,
        "share_by_layer_head": [[None if m else float(v) for v, m in zip(vals, mask)]
                                for vals, mask in zip(share.data.tolist(), share.mask.tolist())],
        "sentence": sentence,
        "files": files,
    }


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
        f"threshold:   attention >= {summary['threshold']:g} is a strong edge; heads with fewer than "
        f"{summary['min_total']} strong edges are not ranked",
        f"contacts:    {summary['contact_definition']}",
        f"background:  {background:.2%} of residue pairs are contacts" if background is not None
        else "background:  n/a",
        "",
        f"Top {len(summary['top_heads'])} heads (labels are 1-based layer-head, as in the paper):",
        "",
        f"{'rank':>4}  {'head':>5}  {'share':>7}  {'strong edges':>12}  {'in contact':>10}  {'enrichment':>10}",
    ]
    for row in summary["top_heads"]:
        enrichment = f"{row['enrichment']:.2f}x" if row["enrichment"] is not None else "n/a"
        lines.append(f"{row['rank']:>4}  {row['label']:>5}  {row['share']:>7.1%}  {row['strong_edges']:>12}  "
                     f"{row['contact_edges']:>10}  {enrichment:>10}")
    lines += ["", summary["sentence"], ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- commands


def _cmd_demo(args: argparse.Namespace) -> int:
    summary = run_demo(args.output, model=args.model, structure=args.structure, chains=args.chains,
                       threshold=args.threshold, min_total=args.min_total, progress=not args.quiet)
    print(f"wrote {len(summary['files'])} files to {Path(args.output).resolve()}")
    print(f"top heads (1-based layer-head), share of strong attention on contacts; "
          f"background {summary['background_contact_rate']:.1%}:")
    for row in summary["top_heads"][:5]:
        print(f"  {row['label']:>5}  {row['share']:6.1%}  ({row['strong_edges']} strong edges)")
    print(summary["sentence"])
    return 0


def _cmd_figure(args: argparse.Namespace) -> int:
    from .figures import head_figure, save_figure
    from .models import load_model

    output = Path(args.output)
    _check_figure_suffix(output)
    chain = resolve_structure(args.structure)[args.chain]
    model = load_model(args.model)
    layer = _zero_based(args.layer, model.n_layers, "layer", model.name)
    head = _zero_based(args.head, model.n_heads, "head", model.name)
    attention = model.attention(chain)
    figure = head_figure(chain, attention, layer, head, top_k=args.top_k, threshold=args.threshold)
    save_figure(figure, output)
    print(f"wrote {output} ({attention.label(layer, head)} on {chain.structure_name}:{chain.chain_id})")
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    from .analysis import analyze, antibody_dataset, load_dataset
    from .analysis.report import write_report

    if args.data == ["antibodies"]:
        records, dataset_name = antibody_dataset(), "antibody variable domains"
    else:
        records = load_dataset(args.data, limit=args.limit)
        dataset_name = ", ".join(Path(d).name for d in args.data)
    client = None
    if args.scheduler:
        from dask.distributed import Client

        client = Client(args.scheduler)
    try:
        result = analyze(args.model, records, args.property, threshold=args.threshold, min_total=args.min_total,
                         max_length=args.max_length, progress=not args.quiet, client=client)
    finally:
        if client is not None:
            client.close()
    files = write_report(result, args.output, top_k=args.top_k, dataset_name=dataset_name,
                         figures=not args.no_figures)
    print(f"analysed {result.proteins} proteins; wrote {len(files)} outputs to {Path(args.output).resolve()}")
    for note in result.notes:
        print(f"note: {note}")
    for feature in result:
        acc = result[feature]
        top = acc.top_heads(1)
        best = (f"top head {top['label'].iloc[0]} {top['share'].iloc[0]:.1%} "
                f"[{top['ci_low'].iloc[0]:.1%}, {top['ci_high'].iloc[0]:.1%}]") if not top.empty else "no head ranked"
        print(f"  {feature:<32} background {acc.background:6.1%}  {best}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="protattn",
        description="See what protein language models attend to, on the 3D structure. " + _LABEL_NOTE,
    )
    parser.add_argument("--version", action="version", version=f"protattn {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo", help="offline demo: heads of AntiBERTy that attend to 3D contacts in antibody 1vfb",
        description="Rank attention heads by the share of their strong attention that falls on residue "
                    "pairs in 3D contact (Vig et al. 2020), pooled over the chosen chains, and write "
                    "figures plus summary.txt/summary.json. Runs offline. " + _LABEL_NOTE,
    )
    demo.add_argument("-o", "--output", default="protattn-demo", metavar="OUTDIR",
                      help="folder to write into (default: ./protattn-demo)")
    demo.add_argument("--threshold", type=_fraction, default=0.3,
                      help="attention at or above this is a strong edge (default: 0.3)")
    demo.add_argument("--min-total", type=_positive_int, default=20,
                      help="rank only heads with at least this many strong edges (default: 20)")
    demo.add_argument("--structure", default=None, metavar="PATH",
                      help=f"structure file, PDB id or bundled example ({', '.join(EXAMPLES)}); "
                           "default: the bundled 1vfb_complex (antibody D1.3 with lysozyme)")
    demo.add_argument("--chains", nargs="+", default=None, metavar="CHAIN",
                      help="chains to pool, the first is drawn (default for 1vfb: B A, the heavy and "
                           "light chains; otherwise every protein chain)")
    demo.add_argument("--model", default="antiberty", help="model name, hub id or folder (default: antiberty)")
    demo.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(run=_cmd_demo)

    figure = commands.add_parser(
        "figure", help="one head: attention matrix with contacts + strongest edges in 3D",
        description="Draw one head's attention matrix (3D contacts circled) beside its strongest edges "
                    "on the CA trace. " + _LABEL_NOTE,
    )
    figure.add_argument("structure", metavar="STRUCTURE",
                        help=f"bundled example ({', '.join(EXAMPLES)}), structure file or PDB id")
    figure.add_argument("--chain", required=True, help="chain id (case-sensitive)")
    figure.add_argument("--layer", type=int, required=True, help="layer, 1-based (1..n_layers)")
    figure.add_argument("--head", type=int, required=True, help="head, 1-based (1..n_heads)")
    figure.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="output file: .png, .svg or .pdf")
    figure.add_argument("--model", default="antiberty", help="model name, hub id or folder (default: antiberty)")
    figure.add_argument("--threshold", type=_fraction, default=0.1,
                        help="draw only edges with attention at least this (default: 0.1)")
    figure.add_argument("--top-k", type=_positive_int, default=30,
                        help="draw at most this many of the strongest edges (default: 30)")
    figure.set_defaults(run=_cmd_figure)

    from .analysis.properties import PROPERTIES

    analyze = commands.add_parser(
        "analyze", help="per-head share of strong attention to contacts, binding sites, ... over a dataset",
        description="For every head, the share of its strong attention edges (a_ij >= threshold) whose pair or "
                    "target residue has each property (Vig et al. 2020), with the background rate, Clopper-Pearson "
                    "intervals and a Bonferroni-corrected binomial test. Writes top_heads.csv, heads.csv, "
                    "summary.json, result/ (reload with AnalysisResult.load) and figures/. " + _LABEL_NOTE,
    )
    analyze.add_argument("--data", nargs="+", required=True, metavar="PATH",
                         help="structure files (.pdb/.cif[.gz]), folders of them, provis label files (.jsonl), "
                              "or the word 'antibodies' for the bundled antibody variable domains")
    analyze.add_argument("--property", nargs="+", default=["contact"], metavar="NAME",
                         help=f"one or more of: {', '.join(PROPERTIES)} (default: contact)")
    analyze.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="folder to write into")
    analyze.add_argument("--model", default="antiberty", help="model name, hub id or folder (default: antiberty)")
    analyze.add_argument("--threshold", type=_fraction, default=0.3,
                         help="attention at or above this is a strong edge (default: 0.3)")
    analyze.add_argument("--min-total", type=_positive_int, default=100,
                         help="rank only heads with at least this many strong edges (default: 100)")
    analyze.add_argument("--max-length", type=_positive_int, default=512,
                         help="truncate proteins to this many residues, or the model's limit if smaller "
                              "(default: 512)")
    analyze.add_argument("--limit", type=_positive_int, default=None,
                         help="read at most this many records from each label file")
    analyze.add_argument("--top-k", type=_positive_int, default=10, help="rows per feature in top_heads.csv")
    analyze.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="run on a Dask cluster, e.g. tcp://host:8786 (each worker loads the model itself)")
    analyze.add_argument("--no-figures", action="store_true", help="tables and summary only")
    analyze.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    analyze.set_defaults(run=_cmd_analyze)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``protattn``; returns the exit status (2 for user errors)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, bad arguments: argparse has printed already
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    try:
        return args.run(args)
    except ProtAttnError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
