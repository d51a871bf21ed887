"""Regenerate docs/analysis_contact_prediction.md, its figure and its saved results.

    PYTHONPATH=. .venv/bin/python docs/analysis_contact_prediction.py      # from the repository root

Runs offline (embedded AntiBERTy, bundled structures).  Every number on the page comes from
this run: the results are saved as docs/analysis_contact_prediction.json and the page is
rendered from them by :func:`render`, so tests/test_docs_numbers.py can check that the page
is exactly what the saved results give without rerunning the model.
"""

from __future__ import annotations

import json
import sys
import textwrap
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGE = DOCS / "analysis_contact_prediction.md"
RESULTS = DOCS / "analysis_contact_prediction.json"
FIGURE = DOCS / "contact_precision_antiberty.png"
SS_DATA = ROOT / "tests" / "data" / "pdb_header_ss.jsonl"

STRUCTURES = ["1vfb_complex", "1mlc_complex", "5grj_complex", "5sv3_complex", "1a0q", "1hzh"]
HELD_OUT = ("5grj_complex", "5sv3_complex")
WHAT = {"5grj_complex": "avelumab scFv", "5sv3_complex": "a nanobody"}
LONG_ONLY = 24
SS_HELD_OUT = "1a0q"
PROBE_PAIRS = 1500


# --------------------------------------------------------------------------- computation


def compute() -> dict:
    """Run the page's computation with the embedded AntiBERTy; JSON-ready results."""
    sys.path.insert(0, str(ROOT))
    import numpy as np

    import protattn_widgets as paw
    from protattn_widgets.analysis import antibody_dataset
    from protattn_widgets.analysis.contact_prediction import ContactPrecision, ContactPredictor
    from protattn_widgets.analysis.probing import contact_probe, residue_probe, ss3_labels
    from protattn_widgets.analysis_figures import contact_precision_figure

    model = paw.load_model("antiberty")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gaps of whole chains; the domains are what is scored
        records = antibody_dataset(STRUCTURES)
    structure_of = {r.id: next(s for s in STRUCTURES if r.id.startswith(s)) for r in records}
    attention = {r.id: model.attention(r.chain) for r in records}

    def fit(train, min_separation):
        kwargs = {} if min_separation is None else {"min_separation": min_separation}
        return ContactPredictor(**kwargs).fit([attention[r.id] for r in train], [r.chain for r in train])

    def held_out(min_separation):
        train = [r for r in records if structure_of[r.id] not in HELD_OUT]
        test = [r for r in records if structure_of[r.id] in HELD_OUT]
        predictor = fit(train, min_separation)
        table = ContactPrecision.mean([predictor.score(attention[r.id], r.chain) for r in test])
        return predictor, table, train, test

    def leave_one_structure_out(min_separation):
        tables = []
        for name in STRUCTURES:
            predictor = fit([r for r in records if structure_of[r.id] != name], min_separation)
            tables += [predictor.score(attention[r.id], r.chain) for r in records if structure_of[r.id] == name]
        return ContactPrecision.mean(tables)

    predictor, table, train, test = held_out(None)
    _, long_table, _, _ = held_out(LONG_ONLY)
    fig = contact_precision_figure(table, title=f"AntiBERTy, {len(test)} held-out antibody chains")
    fig.savefig(FIGURE, dpi=120)

    def precision(t):
        return {**t.to_dict(), "long_range": t.long_range, "n_proteins": t.n_proteins}

    lengths = [len(r) for r in records]
    results = {
        "dataset": {"structures": STRUCTURES, "n_chains": len(records), "min_length": min(lengths),
                    "max_length": max(lengths)},
        "train": {"structures": [s for s in STRUCTURES if s not in HELD_OUT], "n_chains": len(train),
                  **predictor.training_},
        "test": [r.id for r in test],
        "held_out": precision(table),
        "leave_one_structure_out": precision(leave_one_structure_out(None)),
        "long_only_held_out": precision(long_table),
        "long_only_leave_one_structure_out": precision(leave_one_structure_out(LONG_ONLY)),
    }

    # Probing: secondary structure from the PDB HELIX/SHEET records, one structure held out.
    ss_records = [json.loads(line) for line in SS_DATA.read_text(encoding="utf-8").splitlines()]
    usable = [r for r in ss_records if len(r["sequence"]) <= model.max_length]
    ss_train = [(r["sequence"], ss3_labels(r["ss"])) for r in usable if r["pdb_id"] != SS_HELD_OUT]
    ss_test = [(r["sequence"], ss3_labels(r["ss"])) for r in usable if r["pdb_id"] == SS_HELD_OUT]
    embedding = residue_probe(model, ss_train, ss_test, task="secondary_structure", source="embedding")
    received = residue_probe(model, ss_train, ss_test, task="secondary_structure", source="attention")

    # Contacts: pairs of 1vfb A, B and 1a0q L to train on, 1a0q H to score on (variable domains).
    complex_ = paw.load_structure(paw.example_path("1vfb_complex"))
    fab = paw.load_structure(paw.example_path("1a0q"))
    domains = {r.id: r.chain for r in records}
    fab_domains = [domains[i] for i in domains if structure_of[i] == "1a0q"]
    probe_train = [complex_["A"], complex_["B"], *[c for c in fab_domains if c.chain_id == "L"]]
    probe_test = [c for c in fab_domains if c.chain_id == "H"]
    contact = {source: contact_probe(model, probe_train, probe_test, source=source, max_pairs=PROBE_PAIRS)
               for source in ("embedding", "attention")}

    results["probing"] = {
        "ss": {"n_chains": len(usable), "n_ss_records": len(ss_records), "max_length": model.max_length,
               "held_out": SS_HELD_OUT, "n_test_chains": len(ss_test), "n_train_chains": len(ss_train),
               "n_test_residues": embedding.n_test,
               "accuracy_embedding": embedding.metrics["accuracy"].tolist(),
               "f1_embedding": embedding.metrics["f1"].tolist(),
               "accuracy_attention": received.metrics["accuracy"].tolist(),
               "majority_accuracy": float(embedding.baseline["accuracy"])},
        "contact": {"n_train_pairs": contact["embedding"].n_train, "n_test_pairs": contact["embedding"].n_test,
                    "max_pairs": PROBE_PAIRS,
                    **{source: {"best_layer": r.best_layer("average_precision") + 1,
                                "average_precision": float(np.nanmax(r.metrics["average_precision"])),
                                "contact_rate": float(r.baseline["average_precision"])}
                       for source, r in contact.items()}},
    }
    return results


# --------------------------------------------------------------------------- rendering


def _n(value: int) -> str:
    return f"{value:,}"


def _p(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _table(t: dict) -> str:
    rows = ["| range (\\|i - j\\|) | P@L | P@L/2 | P@L/5 | background |", "|---|---|---|---|---|"]
    labels = {"short": "short (6-11)  ", "medium": "medium (12-23)", "long": "long (>= 24)  "}
    for name, label in labels.items():
        row = t[name]
        rows.append(f"| {label} | {_p(row['L'])} | {_p(row['L/2'])} | {_p(row['L/5'])} | {_p(row['background'])} |")
    return "\n".join(rows)


def _ratio(t: dict, name: str) -> str:
    return f"{t[name]['L/5'] / t[name]['background']:.1f}x"


def _long_claim(t: dict, loso: dict) -> str:
    p, b = t["long"]["L/5"], t["long"]["background"]
    q, c = loso["long"]["L/5"], loso["long"]["background"]
    if p < 1.5 * b and q < 1.5 * c:
        verdict = "long-range precision stays near background"
    else:
        verdict = "long-range precision is above background, though far below the shorter ranges"
    return f"{verdict} (P@L/5 {_p(p)} against {_p(b)} held out, {_p(q)} against {_p(c)} leave-one-structure-out)"


def _long_only_claim(t: dict, loso: dict) -> str:
    p, b, q = t["long"]["L/5"], t["long"]["background"], loso["long"]["L/5"]
    text = (f"long-range P@L/5 is {_p(p)} on the held-out chains (background {_p(b)}; {_p(q)} "
            f"leave-one-structure-out against {_p(loso['long']['background'])})")
    if p > 1.5 * b and q > 1.5 * loso["long"]["background"]:
        return text + ": the signal is there, but weak"
    return text + ": little or no long-range signal on this data"


def _held_out_names(ids: list[str]) -> str:
    by_structure: dict[str, list[str]] = {}
    for record_id in ids:
        structure, chain = record_id.split(":")
        by_structure.setdefault(structure, []).append(chain)
    parts = [f"{s.removesuffix('_complex')} {' and '.join(chains)}" + (f" ({WHAT[s]})" if s in WHAT else "")
             for s, chains in by_structure.items()]
    return " and ".join(parts)


def _usable(ss: dict) -> str:
    if ss["n_chains"] == ss["n_ss_records"]:
        return (f"the {ss['n_chains']} chains in `pdb_header_ss.jsonl`, all within AntiBERTy's "
                f"{ss['max_length']} residues")
    return (f"the {ss['n_chains']} of the {ss['n_ss_records']} chains in `pdb_header_ss.jsonl` that fit "
            f"AntiBERTy's {ss['max_length']} residues")


def _reflow(text: str, width: int = 96) -> str:
    """Wrap prose paragraphs; code blocks, tables, headings, images and comments stay as they are."""
    out, in_code = [], False
    for block in text.split("\n\n"):
        lines = block.split("\n")
        fences = sum(line.startswith("```") for line in lines)
        plain = not in_code and fences == 0 and not any(
            line.startswith(("|", "#", "!", "<!--", "    ")) for line in lines)
        if fences % 2:
            in_code = not in_code
        out.append(textwrap.fill(" ".join(lines), width, break_long_words=False, break_on_hyphens=False)
                   if plain and block.strip() else block)
    return "\n\n".join(out)


def render(results: dict) -> str:
    """The page's text from the saved results (no model, no computation)."""
    return _reflow(_page(results))


def _page(results: dict) -> str:
    d, tr, ho, lo = results["dataset"], results["train"], results["held_out"], results["leave_one_structure_out"]
    lho, llo = results["long_only_held_out"], results["long_only_leave_one_structure_out"]
    ss, cp = results["probing"]["ss"], results["probing"]["contact"]
    structures = ", ".join(s.removesuffix("_complex") for s in d["structures"])
    train_names = ", ".join(s.removesuffix("_complex") for s in tr["structures"])
    long_ref = lho["long_range"]
    acc_e = " | ".join(_p(v) for v in ss["accuracy_embedding"])
    f1_e = " | ".join(_p(v) for v in ss["f1_embedding"])
    acc_a = " | ".join(_p(v) for v in ss["accuracy_attention"])
    layers = " | ".join(str(n + 1) for n in range(len(ss["accuracy_embedding"])))
    dashes = "|".join("---" for _ in range(len(ss["accuracy_embedding"]) + 1))
    return f"""\
# Contact prediction from attention, and probing classifiers

<!-- generated by docs/analysis_contact_prediction.py from docs/analysis_contact_prediction.json; do not edit by hand -->

`protattn_widgets.analysis.contact_prediction` follows ESM's recipe (Rao et al. 2020,
"Transformer protein language models are unsupervised structure learners"): every head's
attention is symmetrised (`A + A^T`) and APC-corrected (`A_ij - A_i. * A_.j / A..`); the
`n_layers x n_heads` corrected values of a pair are the features of a logistic regression
(L1 penalty as in ESM, `C=0.15`, features standardised over the training pairs) trained on a
few proteins to predict contacts (CB-CB < 8 Å) on others.

```python
import protattn_widgets as paw
from protattn_widgets.analysis import antibody_dataset
from protattn_widgets.analysis.contact_prediction import ContactPredictor, ContactPrecision

model = paw.load_model("antiberty")
records = antibody_dataset({d["structures"]!r})
# {d["n_chains"]} variable domains, {len(d["structures"])} structures (the numbers below; antibody_dataset() has more)
train = [r for r in records if not r.id.startswith({HELD_OUT!r})]
test = [r for r in records if r.id.startswith({HELD_OUT!r})]
predictor = ContactPredictor().fit([model.attention(r.chain) for r in train], [r.chain for r in train])
probabilities = predictor.predict_proba(model.attention(test[0].chain))   # (L, L), symmetric
table = ContactPrecision.mean([predictor.score(model.attention(r.chain), r.chain) for r in test])
print(table)                                       # per range, and ESM's metric: table.long_range
predictor.save("antiberty_contacts.json")          # plain JSON; ContactPredictor.load(...) reads it
```

Precision at L/k: for each separation range (short 6-11, medium 12-23, long >= 24) the
range's pairs are ranked by predicted probability and the top `L // k` are checked against
the structure; pairs where either residue has no CB are left out. When a range has fewer
evaluable pairs than `L // k`, all are taken. Averages over proteins weigh each protein the
same.

## AntiBERTy on the bundled antibodies

**This is a small dataset**: the variable domains of {len(d["structures"])} antibody structures
({structures}; {d["n_chains"]} chains, {d["min_length"]}-{d["max_length"]} residues each; 1hzh
contributes two near-identical copies of each chain). The antibodies share framework regions,
so even a structure-wise split is easier than a split by sequence identity would be. Read these
numbers as a sanity check of the method, not as a benchmark.

Trained on {train_names} ({tr["n_chains"]} chains, {_n(tr["n_pairs"])} pairs, {100 * tr["contact_rate"]:.1f} %
contacts); held out: {_held_out_names(results["test"])}. Mean over the {ho["n_proteins"]} held-out chains:

{_table(ho)}

Leave-one-structure-out over all {len(d["structures"])} structures ({lo["n_proteins"]} chains): P@L/5
{_p(lo["short"]["L/5"])} / {_p(lo["medium"]["L/5"])} / {_p(lo["long"]["L/5"])} against backgrounds
{_p(lo["short"]["background"])} / {_p(lo["medium"]["background"])} / {_p(lo["long"]["background"])}.

![precision of predicted contacts](contact_precision_antiberty.png)

What this says: AntiBERTy's heads (8 layers x 8 heads, trained on antibody sequences only)
carry short- and medium-range contacts: held out, P@L/5 is {_ratio(ho, "short")} and
{_ratio(ho, "medium")} background ({_ratio(lo, "short")} and {_ratio(lo, "medium")}
leave-one-structure-out). With ESM's training set (all pairs `|i - j| >= 6`) the regression is
dominated by the many local contacts, and {_long_claim(ho, lo)}. Trained on long-range pairs
only (`ContactPredictor(min_separation={LONG_ONLY})`), {_long_only_claim(lho, llo)}.

In ESM's metric (`ContactPrecision.long_range`, the long-range columns of ESM's published
table), AntiBERTy's held-out chains give P@L {_p(ho["long_range"]["L"])} and P@L/5
{_p(ho["long_range"]["L/5"])} with ESM's training set, and P@L {_p(long_ref["L"])} and P@L/5
{_p(long_ref["L/5"])} with the long-range-only predictor. Large general protein models (ESM-1b,
ESM-2) reach far higher long-range precision in that table; do not read these numbers as a
property of protein language models in general.

## Probing classifiers (`analysis.probing`)

One logistic regression (L2, `C=0.01`, standardised features) per layer, trained on some
proteins and scored on others, from the layer's embeddings (hidden state per residue; for a
pair, `[h_i * h_j, |h_i - h_j|]`) or from its attention (per pair, `a_ij` and `a_ji` of every
head; per residue, the attention it receives in every head).

Secondary structure (3 classes from the PDB HELIX/SHEET records of {_usable(ss)}), held out:
{ss["held_out"]} ({ss["n_test_chains"]} chains, {_n(ss["n_test_residues"])} residues), trained on the other
{ss["n_train_chains"]} chains (antibody and non-antibody):

| layer | {layers} |
|{dashes}|
| accuracy, embedding | {acc_e} |
| macro F1, embedding | {f1_e} |
| accuracy, attention received | {acc_a} |

Majority class ("other"): accuracy {_p(ss["majority_accuracy"])}. Contacts (`|i - j| >= 6`, at most
{_n(cp["max_pairs"])} sampled pairs per chain; trained on 1vfb A, B and the 1a0q L variable domain
({_n(cp["n_train_pairs"])} pairs), scored on the 1a0q H variable domain ({_n(cp["n_test_pairs"])} pairs):
average precision of the best layer {_p(cp["embedding"]["average_precision"])} from embeddings (layer
{cp["embedding"]["best_layer"]}; contact rate {_p(cp["embedding"]["contact_rate"])}) and
{_p(cp["attention"]["average_precision"])} from attention (layer {cp["attention"]["best_layer"]}; contact
rate {_p(cp["attention"]["contact_rate"])}). Again: a handful of chains.
"""


def main() -> None:
    start = time.perf_counter()
    results = compute()
    RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    PAGE.write_text(render(results), encoding="utf-8")
    print(f"regenerated {PAGE.name}, {FIGURE.name} and {RESULTS.name} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
