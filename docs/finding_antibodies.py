"""Regenerate the antibody finding: docs/finding_antibodies.md, its figures, and the README's
finding and demo paragraphs (between their ``<!-- generated ... -->`` markers).

    PYTHONPATH=. .venv/bin/python docs/finding_antibodies.py      # from the repository root

Runs offline (embedded AntiBERTy, bundled structures) from any working directory,
in about half a minute on one CPU core.  Every number in the texts it writes comes
from this run; only ``PREVIOUS`` (the published numbers before 1ncb and 1igy were
added) is quoted, to say what changed.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from protattn_widgets import analysis  # noqa: E402
from protattn_widgets.analysis.antibodies import ANTIBODY_STRUCTURES, PARATOPE_CUTOFF  # noqa: E402
from protattn_widgets.analysis.concentration import COLUMN_MIN_EDGES, COLUMN_SHARE  # noqa: E402
from protattn_widgets.analysis.flags import flag_definitions  # noqa: E402
from protattn_widgets.analysis.report import top_heads_markdown, write_report  # noqa: E402
from protattn_widgets.demo import run_demo  # noqa: E402

DOCS = ROOT / "docs"
README = ROOT / "README.md"
MIN_TOTAL = 50
PROPERTIES = ["contact", "paratope"]

#: The finding as published before 1ncb and 1igy joined the dataset (6 structures, 13 domains).
PREVIOUS = {
    "structures": 6, "domains": 13, "with_antigen": 7,
    "contact": "head 2-7 15.4 % [11.5–20.1 %] (45 / 292 strong edges), 4.4 % background, the only contact "
               "head past Bonferroni; centre of gravity 4.24",
    "paratope": "heads 6-1, 6-7 and 7-8 at 56 %, 53 % and 47 %, 9.5 % background, 28 of 56 ranked heads past "
                "Bonferroni; centre of gravity 5.47",
    "contact_heads": ["2-7"], "paratope_heads": ["6-1", "6-7", "7-8"],
}


def main() -> None:
    start = time.perf_counter()
    records = analysis.antibody_dataset()
    result = analysis.analyze("antiberty", records, PROPERTIES, min_total=MIN_TOTAL, progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        write_report(result, tmp, dataset_name="antibody variable domains")
        for name in ("contact", "paratope", "center_of_gravity"):
            shutil.copyfile(Path(tmp) / "figures" / f"{name}.png", DOCS / f"finding_antibodies_{name}.png")
        demo = run_demo(Path(tmp) / "demo", progress=False)
    facts = _facts(result, records)
    (DOCS / "finding_antibodies.md").write_text(_document(result, facts), encoding="utf-8")
    text = README.read_text(encoding="utf-8")
    text = _replace_block(text, "finding", _readme_finding(facts))
    text = _replace_block(text, "demo", _readme_demo(demo))
    text = _replace_block(text, "flags", readme_flags())
    README.write_text(text, encoding="utf-8")
    print(f"regenerated docs/finding_antibodies.md, 3 figures and 2 README paragraphs "
          f"in {time.perf_counter() - start:.0f} s")


# --------------------------------------------------------------------------- numbers


def _facts(result, records) -> dict:
    with_antigen = sum("paratope" in r.labels for r in records)
    facts = {"domains": len(records), "structures": len(ANTIBODY_STRUCTURES), "with_antigen": with_antigen,
             "centers": result.center_of_gravity()}
    for feature in PROPERTIES:
        acc = result[feature]
        table = acc.top_heads(None)
        facts[feature] = {
            "acc": acc, "table": table, "ranked": len(table), "significant": int(table["significant"].sum()),
            "column": int(table["column_head"].sum()),
            "plain": table[~table["column_head"]], "columns": table[table["column_head"]],
        }
    return facts


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def _head(row) -> str:
    return (f"**{row.label}**: {_pct(row.share)} [95 % CI {_pct(row.ci_low)}–{_pct(row.ci_high)}] "
            f"({row.hits} / {row.total} strong edges)")


def _column_note(row) -> str:
    return (f"a column head: {100 * row.column_share:.0f} % of its strong edges go to one residue per domain "
            f"(the most: {row.top_target_edges} to {row.top_target})")


def _contact_bullets(facts) -> list[str]:
    contact = facts["contact"]
    acc, table = contact["acc"], contact["table"]
    best = table.iloc[0]
    survivors = table[table["significant"]]
    plain = contact["plain"]
    lines = [f"**Contacts within VH/VL:** the top head is {_head(best)}, against a {_pct(acc.background)} "
             f"background ({best.enrichment:.1f}×); {len(survivors)} of {contact['ranked']} ranked heads pass "
             f"Bonferroni ({', '.join(survivors['label'])})."]
    if best.column_head:
        lines[-1] += f" It is {_column_note(best)}."
    if not plain.empty:
        top_plain = plain.iloc[0]
        lines.append(f"The best contact head that is **not** a column head is {_head(top_plain)}, "
                     f"{top_plain.enrichment:.1f}× the background"
                     f"{', past Bonferroni' if top_plain.significant else ', not past Bonferroni'}.")
    return lines


def _paratope_bullets(facts) -> list[str]:
    paratope = facts["paratope"]
    acc, table = paratope["acc"], paratope["table"]
    top3 = table.head(3)
    flagged = [row.label for row in top3.itertuples() if row.column_head]
    line = (f"**Paratope:** heads {', '.join(f'**{r.label}**' for r in top3.itertuples())} send "
            f"{', '.join(f'{100 * r.share:.0f} % ({r.hits} / {r.total})' for r in top3.itertuples())} of their strong "
            f"attention to paratope residues, against a {_pct(acc.background)} background; "
            f"{paratope['significant']} of {paratope['ranked']} ranked heads pass Bonferroni.")
    if flagged:
        line += f" Of these three, {_and(flagged)} {'is a column head' if len(flagged) == 1 else 'are column heads'}."
    plain = paratope["plain"]
    lines = [line]
    if table.iloc[0].column_head and not plain.empty:
        lines.append(f"The best paratope head that is not a column head: {_head(plain.iloc[0])}.")
    return lines


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _then_and_now(table, labels: list[str]) -> str:
    rows = table.set_index("label")
    return "; ".join(f"{label} now {_pct(rows.loc[label, 'share'])} ({rows.loc[label, 'hits']} / "
                     f"{rows.loc[label, 'total']}{', column head' if rows.loc[label, 'column_head'] else ''})"
                     if label in rows.index else f"{label} no longer ranked" for label in labels)


def _center_line(facts) -> str:
    contact, paratope = facts["centers"]["contact"], facts["centers"]["paratope"]
    order = "later than" if paratope > contact else "earlier than"
    return (f"The paratope's centre of gravity is at layer {paratope:.2f} ({facts['paratope']['acc'].proteins} "
            f"domains), {order} the contacts' at {contact:.2f} ({facts['contact']['acc'].proteins} domains)"
            + (": deeper layers track the more complex property, as the paper found." if paratope > contact else "."))


def _changes(facts) -> list[str]:
    contact, paratope = facts["contact"]["table"], facts["paratope"]["table"]
    return [
        f"Dataset: {PREVIOUS['domains']} → {facts['domains']} variable domains, {PREVIOUS['structures']} → "
        f"{facts['structures']} structures, {PREVIOUS['with_antigen']} → {facts['with_antigen']} with an antigen "
        "(added: 1ncb, NC41 Fab + influenza N9 neuraminidase; 1igy, intact mouse IgG1).",
        f"Contacts, before: {PREVIOUS['contact']}. Now: top head {contact.iloc[0].label} "
        f"{_pct(contact.iloc[0].share)} ({contact.iloc[0].hits} / {contact.iloc[0].total}), "
        f"{int(contact['significant'].sum())} heads past Bonferroni; centre of gravity "
        f"{facts['centers']['contact']:.2f}; {_then_and_now(contact, PREVIOUS['contact_heads'])}.",
        f"Paratope, before: {PREVIOUS['paratope']}. Now: top heads "
        f"{', '.join(f'{r.label} {_pct(r.share)}' for r in paratope.head(3).itertuples())}, "
        f"{int(paratope['significant'].sum())} of {len(paratope)} past Bonferroni; centre of gravity "
        f"{facts['centers']['paratope']:.2f}; {_then_and_now(paratope, PREVIOUS['paratope_heads'])}.",
        "Model input: before, the model read each chain's observed residues glued together; now it reads the "
        "chain's deposited sequence (PDB SEQRES / mmCIF _pdbx_poly_seq_scheme, so disordered loops such as "
        "1a0q H 126-134 are read too) with modified residues as their parent amino acid, and the attention is "
        "restricted to the observed residues. The differences above combine that change with the two new "
        "structures.",
        f"New: each head's concentration on single residues. {facts['contact']['column']} of "
        f"{facts['contact']['ranked']} ranked contact heads and {facts['paratope']['column']} of "
        f"{facts['paratope']['ranked']} paratope heads are column heads.",
    ]


# --------------------------------------------------------------------------- texts


def _column_rule() -> str:
    return (f"A **column head** sends at least {100 * COLUMN_SHARE:.0f} % of its strong edges to one residue per "
            f"protein: many queries attend to the same key, a column of its attention matrix (a protein's "
            f"most-attended residue counts when it receives {COLUMN_MIN_EDGES} or more strong edges). Such a "
            "head scores on a property when that one residue happens to have it. Read its share as \"looks at "
            "residue j\", not as \"attends to the property\".")


def _document(result, facts) -> str:
    names = ", ".join(f"{key.replace('_complex', '')} ({entry.description})"
                      for key, entry in ANTIBODY_STRUCTURES.items())
    lines = [
        "# Finding: which AntiBERTy heads attend to contacts and to the paratope",
        "",
        "<!-- Generated by docs/finding_antibodies.py; edit that script, not this file. -->",
        "",
        f"**A small dataset.** {facts['domains']} antibody variable domains (VH, VL and one nanobody VHH) from "
        f"{facts['structures']} structures, {facts['with_antigen']} of them bound to a protein antigen. This is "
        "far smaller than the thousands of chains the paper used. Read the numbers below as an example of the "
        "method with honest error bars, not as a result about AntiBERTy.",
        "",
        "## How it was made",
        "",
        "```bash",
        "PYTHONPATH=. .venv/bin/python docs/finding_antibodies.py   # this page, its figures, the README paragraphs",
        f"protattn analyze --data antibodies --property contact paratope --min-total {MIN_TOTAL} -o report/",
        "```",
        "",
        f"* **Data** (bundled, `protattn_widgets/data/antibodies/` + `data/structures/`, see "
        f"`data/PROVENANCE.md`): {names}. Each antibody chain is cut to its variable domain (up to the end of "
        "the J-region motif `WGxG…` / `FGxG…`): `analysis.antibody_dataset()`.",
        "* **Contact**: CB-CB < 8 Å and |i − j| ≥ 6, **within** each VH / VL / VHH chain. Pairs where a residue "
        "has no CB (real or virtual) are left out of numerator, denominator and background.",
        f"* **Paratope**: antibody residues with any heavy atom within {PARATOPE_CUTOFF:g} Å of an antigen heavy "
        f"atom (`protattn_widgets.atoms.interface_residues`). Only the {facts['with_antigen']} domains that have "
        "an antigen count. Paratope is a per-target property: an edge counts when the residue attended *to* is "
        "in the paratope.",
        f"* **Statistic** (Vig et al. 2020): for each head, the share of its strong edges (attention ≥ "
        f"{result.threshold:g}) that have the property. Heads with fewer than {MIN_TOTAL} strong edges are not "
        "ranked (the CLI default is 100; this dataset is too small for that). The 95% CIs are Clopper-Pearson. "
        "p is a one-sided exact binomial test of share > background. \"Bonferroni 5%\" corrects over all "
        f"{result.n_layers * result.n_heads} heads. Edges of one protein are not independent, so the p-values "
        "overstate the evidence. Use them to rank heads.",
        f"* **Top residue / column head**: the share of the head's strong edges that go to its single "
        f"most-attended residue (which one, as `structure:chain residue id`). {_column_rule()} The flag's "
        "percentage is that per-protein share.",
        "",
        "## What changed",
        "",
        *[f"* {line}" for line in _changes(facts)],
        "",
        "## Contacts within VH / VL",
        "",
        "![contact heads](finding_antibodies_contact.png)",
        "",
        top_heads_markdown(result, "contact", 8),
        "",
        f"{facts['contact']['significant']} of {facts['contact']['ranked']} ranked heads beat the background "
        f"after Bonferroni; {facts['contact']['column']} are column heads. Centre of gravity over layers "
        f"(1-based): {facts['centers']['contact']:.2f}.",
        "",
        "## Paratope",
        "",
        "![paratope heads](finding_antibodies_paratope.png)",
        "",
        top_heads_markdown(result, "paratope", 8),
        "",
        f"{facts['paratope']['significant']} of {facts['paratope']['ranked']} ranked heads beat the background "
        f"after Bonferroni; {facts['paratope']['column']} are column heads. Centre of gravity over layers "
        f"(1-based): {facts['centers']['paratope']:.2f}.",
        "",
        "![centres of gravity, each with its own number of domains](finding_antibodies_center_of_gravity.png)",
        "",
        "## Reading it",
        "",
        *[f"* {line}" for line in _contact_bullets(facts)],
        *[f"* {line}" for line in _paratope_bullets(facts)],
        f"* {_center_line(facts)}",
        "* Caveat: paratope residues are a subset of the CDR loops, and the CDRs are rich in Tyr/Ser/Gly. A head "
        "that attends to CDRs, or to tyrosines, in general would score high here too. This analysis does not "
        "separate \"paratope\" from \"CDR\". Running `--property amino_acid`, or a CDR label, is the next control.",
        "",
    ]
    return "\n".join(lines)


def _readme_finding(facts) -> str:
    lines = [
        f"We ran AntiBERTy over the {facts['domains']} antibody variable domains of the {facts['structures']} "
        f"bundled antibody structures ({facts['with_antigen']} of them bound to a protein antigen). **This "
        "dataset is small**, so read the results as an example of the method with honest error bars. Details, "
        "and what changed when 1ncb (NC41 Fab + neuraminidase) and 1igy (intact IgG1) joined the dataset, are "
        "in [docs/finding_antibodies.md](docs/finding_antibodies.md); `docs/finding_antibodies.py` regenerates "
        "it.",
        "",
        *_contact_bullets(facts),
        *_paratope_bullets(facts),
        "Paratope residues sit inside the CDRs, so this does not separate \"attends to the paratope\" from "
        "\"attends to CDRs\".",
        _center_line(facts),
        f"**Column heads.** {_column_rule()} Every ranked head in `top_heads.csv`, `summary.json` and the demo "
        "summary has `targets` (distinct target residues), `top_target`, `top_target_share`, `column_share` and "
        "`column_head`.",
    ]
    intro, bullets = lines[0], lines[2:]
    caveat = bullets.pop(-3)
    bullets[-3] += " " + caveat  # the CDR caveat belongs to the last paratope bullet
    return "\n".join([_wrap(intro), "", *(_wrap(b, "- ") for b in bullets), "",
                      _wrap("Before 1ncb and 1igy (13 domains): " + PREVIOUS["contact"] + "; "
                            + PREVIOUS["paratope"] + ".")])


def _wrap(text: str, bullet: str = "") -> str:
    # No line break between a number and its unit: wrap with no-break spaces, then restore them.
    text = re.sub(r" (%|Å)", "\u00a0\\1", text)
    return textwrap.fill(text, width=95, initial_indent=bullet, subsequent_indent=" " * len(bullet),
                         break_on_hyphens=False, break_long_words=False).replace("\u00a0", " ")


def readme_flags() -> str:
    """The flags' definitions as README bullets (from :func:`analysis.flags.flag_definitions`)."""
    return "\n".join(_wrap(line, "- ") for line in flag_definitions())


def _readme_demo(demo: dict) -> str:
    best = demo["top_heads"][0]
    text = (f"*Output of `make demo`: every AntiBERTy head on the antibody D1.3 (PDB 1VFB, heavy and light "
            f"chains), ranked by the share of its strong attention (≥ {demo['threshold']:g}) that links residues "
            f"in 3D contact. Head {best['label']} puts {100 * best['share']:.0f} % of its strong attention on contacts "
            f"({best['contact_edges']} of {best['strong_edges']} strong edges, 95 % CI {_pct(best['ci_low'])}–"
            f"{_pct(best['ci_high'])}), against a {_pct(demo['background_contact_rate'])} background.")
    if best["column_head"]:
        text += (f" But {100 * best['column_share']:.0f} % of its strong edges go to one residue per chain "
                 f"({best['top_target_edges']} to {best['top_target']}): it is a column head, a \"look at one "
                 "residue\" head rather than a contact head.")
    return _wrap(text + " It is one antibody, so read this as a demo, not a finding.*")


def _replace_block(text: str, name: str, body: str) -> str:
    begin, end = f"<!-- generated by docs/finding_antibodies.py: {name} -->", f"<!-- end {name} -->"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no {begin} ... {end} block")
    return pattern.sub(lambda _: f"{begin}\n{body}\n{end}", text)


if __name__ == "__main__":
    main()
