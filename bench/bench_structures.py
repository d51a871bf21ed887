"""Structures parsed once: parses per file, explorer chain-switch time, memory per structure.

Runs the same measurement on this checkout and on an earlier commit (``--before REF``, default
the commit before the atom table), each in its own process, alternating A/B rounds, and prints
a markdown table (ratios against the earlier commit measured in the same run).

    python bench/bench_structures.py [--before REF] [--rounds 3]

Per structure file:
- parses: Biopython parses (PDBParser/MMCIFParser, outermost MMCIF2Dict) while loading the file
  and then asking for what the explorer and the analysis use: every chain's contact map and
  interfaces, the site labels, and the NGL text;
- chain switch: median time of ``explorer.chain = X`` cycling through the protein chains, with the
  attention already cached (no model runs), AntiBERTy, structure view included;
- memory: bytes tracemalloc still holds for the loaded Structure after a garbage collection
  (retained: text, chains, atom table) and its peak while loading.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = {  # name -> (source, chains the explorer switches between)
    "1vfb_complex (PDB, 3 chains, 2.7k atoms)": ("1vfb_complex", ["B", "A", "C"]),
    "1hzh intact IgG (PDB, 4 chains, 11k atoms)": (str(ROOT / "tests/data/1hzh.pdb.gz"), ["H", "L", "K", "M"]),
    "3o5r (mmCIF, 1 chain + ligands)": (str(ROOT / "tests/data/3o5r.cif.gz"), None),
}
DEFAULT_BEFORE = "5fd2a1b^"  # main just before the atom table (issue 21 §2)


def measure(switch_cycles: int) -> dict:
    """One process's numbers for the package importable as ``protattn_widgets``."""
    warnings.simplefilter("ignore")
    from Bio.PDB import MMCIFParser, PDBParser
    from Bio.PDB.MMCIF2Dict import MMCIF2Dict

    import protattn_widgets as paw
    from protattn_widgets.analysis import pdb_sites
    from protattn_widgets.atoms import chain_interfaces
    from protattn_widgets.widgets.structure_view import ngl_structure_text

    count, depth = [0], [0]
    for cls, method in ((PDBParser, "get_structure"), (MMCIFParser, "get_structure"), (MMCIF2Dict, "__init__")):
        original = getattr(cls, method)

        def counting(self, *args, _original=original, **kwargs):
            count[0] += depth[0] == 0
            depth[0] += 1
            try:
                return _original(self, *args, **kwargs)
            finally:
                depth[0] -= 1

        setattr(cls, method, counting)

    model = paw.load_model("antiberty")
    out = {}
    for label, (source, chains) in FILES.items():
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        count[0] = 0
        structure = paw.load_structure(source)
        peak = tracemalloc.get_traced_memory()[1]
        gc.collect()  # Biopython's parent/child cycles: garbage, not retained
        retained = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        for chain in structure:
            chain.contact_map()
            chain_interfaces(structure, chain.chain_id)
            pdb_sites(structure, chain)
        ngl_structure_text(structure)
        row = {"parses": count[0], "retained": retained - before, "peak": peak - before}
        if chains:
            for chain_id in chains:
                model.attention(structure[chain_id])  # cached before timing
            ex = paw.AttentionExplorer(structure, model=model, chain=chains[0])
            times = []
            for _ in range(switch_cycles):
                for chain_id in chains[1:] + chains[:1]:
                    start = time.perf_counter()
                    ex.chain = chain_id
                    times.append(time.perf_counter() - start)
            row["switch_ms"] = 1e3 * statistics.median(times)
            row["switch_parses"] = (count[0] - row["parses"]) / len(times)
            ex.close()
        out[label] = row
    return out


def _run(pythonpath: Path, cycles: int) -> dict:
    code = (f"import sys, json; sys.path.insert(0, {str(pythonpath)!r}); sys.path.insert(1, {str(ROOT / 'bench')!r}); "
            f"import bench_structures as b; print(json.dumps(b.measure({cycles})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default=DEFAULT_BEFORE, help="git ref to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cycles", type=int, default=3, help="chain-switch cycles per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", args.before, "protattn_widgets"], cwd=ROOT,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        runs = {"before": [], "after": []}
        for _ in range(args.rounds):
            runs["before"].append(_run(Path(tmp), args.cycles))
            runs["after"].append(_run(ROOT, args.cycles))
    print(f"before = {args.before}, after = working tree; {args.rounds} alternating rounds, medians\n")
    print("| structure | parses before | parses after | chain switch before | after | ratio | parses per switch (before / after) "
          "| retained before | after | load peak before | after |")
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for label in FILES:
        b = {k: statistics.median(r[label][k] for r in runs["before"]) for k in runs["before"][0][label]}
        a = {k: statistics.median(r[label][k] for r in runs["after"]) for k in runs["after"][0][label]}
        switch = (f"{b['switch_ms']:.0f} ms | {a['switch_ms']:.0f} ms | {b['switch_ms'] / a['switch_ms']:.1f}× faster | "
                  f"{b['switch_parses']:.0f} / {a['switch_parses']:.0f}"
                  if "switch_ms" in b else "| | |")
        print(f"| {label} | {b['parses']:.0f} | {a['parses']:.0f} | {switch} | {b['retained'] / 2**20:.1f} MiB | "
              f"{a['retained'] / 2**20:.1f} MiB | {b['peak'] / 2**20:.1f} MiB | {a['peak'] / 2**20:.1f} MiB |")


if __name__ == "__main__":
    main()
