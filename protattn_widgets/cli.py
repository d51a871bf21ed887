"""The ``protattn`` command line: an offline demo and single-head figures.

::

    protattn demo -o protattn-demo          # AntiBERTy on the bundled antibody 1vfb
    protattn figure 1vfb_complex --chain B --layer 3 --head 5 -o head.svg
    protattn analyze --data structures/ labels.jsonl --property contact binding_site -o report/
    protattn analyze --data antibodies --property contact paratope -o report/   # bundled antibodies
    protattn analyze --data antibodies --property contact paratope -o report/ --browse   # + browser.html
    protattn --version

Layers and heads on the command line and in everything printed are 1-based,
as the paper writes them: ``--layer 3 --head 5`` is head ``"3-5"``, which is
``layer=2, head=4`` in Python.  Errors the user can fix are printed as
``error: <message>`` with exit status 2; output locations are checked before
any work.  Ctrl-C prints one line and exits with status 130, leaving no half
report (``analyze`` swaps its folder in whole; see :mod:`.analysis.report`).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from .definitions import DEFAULT_THRESHOLD, MIN_STRONG_EDGES, ranked_head_rule
from . import __version__
from .demo import run_demo
from .errors import InvalidOptionError, LayerHeadIndexError, ProtAttnError, ProtAttnWarning, \
    SchedulerUnreachableError
from .examples import EXAMPLES
from .structures import load_structure
from .outputs import check_output_file, check_output_folder

__all__ = ["main", "build_parser"]

_LABEL_NOTE = ("Layers and heads are numbered from 1, as in the paper's 'layer-head' labels: "
               "--layer 3 --head 5 is head 3-5.")


_OVERWRITE_HELP = ("replace OUTDIR even if it is a non-empty folder that protattn did not write, removing "
                   "everything in it (a folder protattn wrote is always replaced whole, never mixed)")


# --------------------------------------------------------------------------- helpers


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
        raise InvalidOptionError(f"cannot write {str(path)!r}: the output must end in {', '.join(FIGURE_FORMATS)}")


# --------------------------------------------------------------------------- commands


def _cmd_demo(args: argparse.Namespace) -> int:
    check_output_folder(args.output, "output folder", overwrite=args.overwrite)
    summary = run_demo(args.output, model=args.model, structure=args.structure, chains=args.chains,
                       threshold=args.threshold, min_total=args.min_total, progress=not args.quiet,
                       overwrite=args.overwrite)
    print(f"wrote {len(summary['files'])} files to {Path(args.output).resolve()}")
    print(f"top heads (1-based layer-head), share of strong attention on contacts; "
          f"background {summary['background_contact_rate']:.1%}; {summary['ranked_head_rule']}:")
    for row in summary["top_heads"][:5]:
        column = "  column head" if row.get("column_head") else ""
        print(f"  {row['label']:>5}  {row['share']:6.1%}  ({row['contact_edges']} of {row['strong_edges']} strong "
              f"edges, 95% CI {row['ci_low']:.1%}-{row['ci_high']:.1%}){column}")
    print(summary["sentence"])
    return 0


def _cmd_figure(args: argparse.Namespace) -> int:
    from .figures import head_figure, save_figure
    from .models import load_model, warn_out_of_domain

    output = Path(args.output)
    _check_figure_suffix(output)
    check_output_file(output, "figure")
    chain = load_structure(args.structure)[args.chain]
    model = load_model(args.model)
    layer = _zero_based(args.layer, model.n_layers, "layer", model.name)
    head = _zero_based(args.head, model.n_heads, "head", model.name)
    warn_out_of_domain(model, [chain])
    attention = model.attention(chain)
    figure = head_figure(attention, chain, layer, head, top_k=args.top_k, threshold=args.threshold)
    save_figure(figure, output)
    print(f"wrote {output} ({attention.label(layer, head)} on {chain.structure_name}:{chain.chain_id})")
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    from .analysis import analyze, antibody_dataset, load_dataset
    from .analysis.report import check_report_folder, write_report

    check_report_folder(args.output, args.overwrite)  # before any work
    if args.browse_heads is not None and not args.browse:
        raise InvalidOptionError("--browse-heads chooses the heads of the --browse page: add --browse")
    client = _dask_client(args.scheduler) if args.scheduler else None  # an unreachable scheduler fails now
    if args.data == ["antibodies"]:
        records, dataset_name = antibody_dataset(), "antibody variable domains"
    else:
        records = load_dataset(args.data, limit=args.limit, progress=not args.quiet)
        dataset_name = ", ".join(Path(d).name for d in args.data)
    try:
        result = analyze(args.model, records, args.property, threshold=args.threshold, min_total=args.min_total,
                         max_length=args.max_length, progress=not args.quiet, client=client,
                         batch_size=args.batch_size)
    finally:
        if client is not None:
            client.close()
    page = _browser_page(result, records, args) if args.browse else None
    files = write_report(result, args.output, top_k=args.top_k, dataset_name=dataset_name,
                         figures=not args.no_figures, overwrite=args.overwrite,
                         extra_files={BROWSER_PAGE: page.text} if page is not None else None)
    print(f"analysed {result.proteins} proteins; wrote {len(files)} outputs to {Path(args.output).resolve()}")
    if page is not None:
        print(f"dataset browser: {Path(args.output).resolve() / BROWSER_PAGE} ({page.describe()}); "
              "open it in a browser, no Python needed")
    print(ranked_head_rule(f"the {result.proteins} proteins, pooled", result.min_total, result.threshold))
    for note in result.notes:
        print(f"note: {note}")
    for feature in result:
        acc = result[feature]
        top = acc.top_heads(1)
        best = (f"top head {top['label'].iloc[0]} {top['share'].iloc[0]:.1%} "
                f"[{top['ci_low'].iloc[0]:.1%}, {top['ci_high'].iloc[0]:.1%}]") if not top.empty else "no head ranked"
        print(f"  {feature:<32} background {acc.background:6.1%}  {best}")
    return 0


#: The standalone dataset browser ``analyze --browse`` writes into the report folder.
BROWSER_PAGE = "browser.html"


def _browser_page(result, records, args: argparse.Namespace):
    """The dataset browser page of ``result`` (:mod:`.widgets.browser_page`), built before the report
    is written so that the report folder is swapped in whole, page included."""
    from .errors import warn as warn_user
    from .widgets.dataset_browser import DatasetBrowser

    browser = DatasetBrowser(result, model=result.model, dataset=records)
    if not browser.records:
        warn_user(f"--browse: none of the {result.proteins} proteins has a structure (label files carry sequences "
                  "only): the page lists the proteins behind each head but cannot open their explorers")
    if not args.quiet:
        print(f"writing the dataset browser ({len(browser.records)} protein explorers, heads: "
              f"{args.browse_heads or 'all'}) ...", file=sys.stderr)
    page = browser.page(heads=args.browse_heads or "all", top_k=args.top_k, progress=not args.quiet)
    browser.close()
    return page


#: Seconds to wait for a Dask scheduler that accepts the connection but does not answer.
SCHEDULER_TIMEOUT_S = 10


def _dask_client(address: str):
    """A Dask client of the scheduler at ``address``, or an error naming it (within seconds)."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise InvalidOptionError("--scheduler needs Dask, which is not installed: pip install 'dask>=2024.1' "
                                 "'distributed>=2024.1' (or, from a clone, pip install -e \".[dask]\")") from None
    import socket
    from urllib.parse import urlsplit

    try:
        where = urlsplit(address if "://" in address else f"tcp://{address}")
        host, port = where.hostname, where.port
    except ValueError as error:
        raise InvalidOptionError(f"--scheduler {address!r} is not a scheduler address ({error}); e.g. tcp://host:8786") from None
    if where.scheme in ("tcp", "tls") and host and port:  # refused or unknown hosts fail at once, not after 30 s
        try:
            socket.create_connection((host, port), timeout=SCHEDULER_TIMEOUT_S).close()
        except OSError as error:
            raise SchedulerUnreachableError(
                f"cannot reach the Dask scheduler at {address}: {error.strerror or error}; is it "
                "running (dask scheduler) and is the address right?") from None
    # In a thread with a deadline: Client waits forever on a server that accepts but never answers.
    outcome: dict = {}

    def connect() -> None:
        try:
            outcome["client"] = Client(address, timeout=f"{SCHEDULER_TIMEOUT_S}s")
        except Exception as error:  # noqa: BLE001 - reported below, naming the address
            outcome["error"] = error

    import threading

    thread = threading.Thread(target=connect, name="protattn-dask-connect", daemon=True)
    thread.start()
    thread.join(SCHEDULER_TIMEOUT_S + 5)
    if "client" in outcome:
        return outcome["client"]
    why = outcome.get("error", f"no answer within {SCHEDULER_TIMEOUT_S} s")
    raise SchedulerUnreachableError(f"cannot connect to the Dask scheduler at {address}: {why}")


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
                    "figures plus summary.txt/summary.json. Runs offline. Heads are reported with the "
                    "paper's 1-based 'layer-head' labels (head 3-5 is the fifth head of the third layer).",
    )
    demo.add_argument("-o", "--output", default="protattn-demo", metavar="OUTDIR",
                      help="folder to write into (default: ./protattn-demo)")
    demo.add_argument("--threshold", type=_fraction, default=DEFAULT_THRESHOLD,
                      help="attention at or above this is a strong edge (default: %(default)s)")
    demo.add_argument("--min-total", type=_positive_int, default=MIN_STRONG_EDGES,
                      help="rank only heads with at least this many strong edges (default: %(default)s)")
    demo.add_argument("--structure", default=None, metavar="PATH",
                      help=f"structure file, PDB id or bundled example ({', '.join(EXAMPLES)}); "
                           "default: the bundled 1vfb_complex (antibody D1.3 with lysozyme)")
    demo.add_argument("--chains", nargs="+", default=None, metavar="CHAIN",
                      help="chains to pool, the first is drawn (default for 1vfb: B A, the heavy and "
                           "light chains; otherwise every protein chain)")
    demo.add_argument("--model", default="antiberty", help="model name, hub id or folder (default: antiberty)")
    demo.add_argument("--overwrite", action="store_true", help=_OVERWRITE_HELP)
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
    analyze.add_argument("--threshold", type=_fraction, default=DEFAULT_THRESHOLD,
                         help="attention at or above this is a strong edge (default: %(default)s)")
    analyze.add_argument("--min-total", type=_positive_int, default=MIN_STRONG_EDGES,
                         help="rank only heads with at least this many strong edges (default: %(default)s)")
    analyze.add_argument("--max-length", type=_positive_int, default=512,
                         help="truncate proteins to this many residues, or the model's limit if smaller "
                              "(default: 512)")
    analyze.add_argument("--limit", type=_positive_int, default=None,
                         help="read at most this many records from each label file")
    analyze.add_argument("--top-k", type=_positive_int, default=10, help="rows per feature in top_heads.csv")
    analyze.add_argument("--batch-size", type=_positive_int, default=None, metavar="N",
                         help="proteins per forward pass, grouped by length (default: 1 on the CPU, automatic "
                              "on a GPU: one layer's attention of the batch within 1 GiB, at most 32)")
    analyze.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="run on a Dask cluster, e.g. tcp://host:8786 (each worker loads the model itself)")
    analyze.add_argument("--no-figures", action="store_true", help="tables and summary only")
    analyze.add_argument("--browse", action="store_true",
                         help=f"also write {BROWSER_PAGE}, a standalone dataset browser (one file, no Python or "
                              "network needed): the head grid of each property with share, 95%% CI and flags; "
                              "click a head for the proteins behind it, most hits first; click a protein for its "
                              "attention explorer at that head")
    analyze.add_argument("--browse-heads", choices=["all", "top"], default=None,
                         help="heads each protein's explorer in the --browse page holds: all (default) or the "
                              "--top-k heads of each property (a smaller page for big models)")
    analyze.add_argument("--overwrite", action="store_true", help=_OVERWRITE_HELP)
    analyze.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    analyze.set_defaults(run=_cmd_analyze)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Our warnings as ``warning: ...`` lines (a command has no user's line to point at); others as usual."""
    if issubclass(category, ProtAttnWarning):
        print(f"warning: {message}", file=sys.stderr)
    else:
        print(warnings.formatwarning(message, category, filename, lineno, line), end="", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run ``protattn``; returns the exit status (2 for user errors)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, bad arguments: argparse has printed already
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.run(args)
    except ProtAttnError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # outputs are moved in place only when complete: nothing half-written remains
        print(f"\ninterrupted: protattn {args.command} stopped; no partial output was left", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
