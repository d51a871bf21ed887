"""Regenerate the antibody finding: docs/finding_antibodies.md, its figures, the README's demo image,
and the README's finding, flags and demo paragraphs (between their ``<!-- generated ... -->`` markers).

    PYTHONPATH=. .venv/bin/python docs/finding_antibodies.py      # from the repository root

Runs offline (embedded AntiBERTy, bundled structures) from any working directory, in about
a minute on one CPU core.  Every number in the texts it writes comes from this run: the
"what changed" comparison analyses the eight structures of the earlier finding and the
eleven added ones separately in the same run and merges the two results (counts add
exactly), so the earlier numbers are recomputed, not quoted.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from protattn_widgets import analysis  # noqa: E402
from protattn_widgets.analysis.antibodies import (ANTIBODY_STRUCTURES, CDR_SCHEME, ORIGINAL_STRUCTURES,  # noqa: E402
                                                  PARATOPE_CUTOFF, cdr_method)
from protattn_widgets.analysis.flags import flag_definitions  # noqa: E402
from protattn_widgets.analysis.report import top_heads_markdown, write_report  # noqa: E402
from protattn_widgets.definitions import MIN_STRONG_EDGES, SEPARATION_RANGES  # noqa: E402
from protattn_widgets.demo import run_demo  # noqa: E402

DOCS = ROOT / "docs"
README = ROOT / "README.md"
MIN_TOTAL = 50
RANGES = [f"contact_{name}" for name in SEPARATION_RANGES]
PROPERTIES = ["contact", *RANGES, "paratope", "paratope_in_cdr"]
FIGURES = ("contact", "paratope", "paratope_in_cdr", "center_of_gravity")


def main() -> None:
    start = time.perf_counter()
    added = [name for name in ANTIBODY_STRUCTURES if name not in ORIGINAL_STRUCTURES]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the whole chains' gaps; the analysis below says those of the domains
        before_records = analysis.antibody_dataset(list(ORIGINAL_STRUCTURES))
        added_records = analysis.antibody_dataset(added)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        before = _analyze(before_records)
        later = _analyze(added_records)
    later.remap_positions(lambda position: position + len(before_records))
    result = before + later  # integer counts: exactly the analysis of all records in one run
    records = before_records + added_records
    with tempfile.TemporaryDirectory() as tmp:
        write_report(result, tmp, dataset_name="antibody variable domains")
        for name in FIGURES:
            shutil.copyfile(Path(tmp) / "figures" / f"{name}.png", DOCS / f"finding_antibodies_{name}.png")
        demo = run_demo(Path(tmp) / "demo", progress=False)
        shutil.copyfile(Path(tmp) / "demo" / "contact_heads.png", DOCS / "demo_contact_heads.png")
    facts = _facts(result, records, before, before_records, added, caught)
    (DOCS / "finding_antibodies.md").write_text(_document(result, facts), encoding="utf-8")
    text = README.read_text(encoding="utf-8")
    text = _replace_block(text, "finding", _readme_finding(facts))
    text = _replace_block(text, "demo", _readme_demo(demo))
    text = _replace_block(text, "flags", readme_flags())
    README.write_text(text, encoding="utf-8")
    print(f"regenerated docs/finding_antibodies.md, {len(FIGURES) + 1} figures and 3 README paragraphs "
          f"in {time.perf_counter() - start:.0f} s")


def _analyze(records):
    return analysis.analyze("antiberty", records, PROPERTIES, min_total=MIN_TOTAL, progress=False)


# --------------------------------------------------------------------------- numbers


def _facts(result, records, before, before_records, added, caught) -> dict:
    facts = {"domains": len(records), "structures": len(ANTIBODY_STRUCTURES),
             "with_antigen": sum("paratope" in r.labels for r in records), "centers": result.center_of_gravity(),
             "before": {"domains": len(before_records), "structures": len(ORIGINAL_STRUCTURES),
                        "with_antigen": sum("paratope" in r.labels for r in before_records),
                        "result": before, "centers": before.center_of_gravity(["contact", "paratope"])},
             "added": added, "method": cdr_method(), "sinks": result.sinks,
             "warnings": sorted({str(w.message).split(": residues are")[0] for w in caught
                                 if w.category.__name__ == "MissingResiduesWarning"})}
    for feature in PROPERTIES:
        facts[feature] = _feature_facts(result[feature])
    return facts


def _feature_facts(acc) -> dict:
    table = acc.top_heads(None)
    flagged = {flag: int(table[f"{flag}_head"].sum()) for flag in ("column", "positional", "sink")
               if f"{flag}_head" in table}
    return {"acc": acc, "table": table, "ranked": len(table), "significant": int(table["significant"].sum()),
            "flagged": flagged, "plain": table[table["flags"] == ""]}


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def _head(row) -> str:
    return (f"**{row.label}**: {_pct(row.share)} [95 % CI {_pct(row.ci_low)}–{_pct(row.ci_high)}] "
            f"({row.hits} / {row.total} strong edges)")


def _flag_note(row) -> str:
    """The row's flags in words with their numbers, or ''."""
    parts = []
    if row.column_head:
        parts.append(f"a column head ({100 * row.column_share:.0f} % of its strong edges go to one residue per "
                     f"domain; the most: {row.top_target_edges} to {row.top_target})")
    if row.positional_head:
        parts.append(f"a positional head ({100 * row.positional_share:.0f} % of its strong edges at offset "
                     f"{int(row.positional_offset):+d})")
    if getattr(row, "sink_head", False):
        parts.append(f"a sink head ({100 * row.special_token_mass:.0f} % of its attention on special tokens)")
    return _and(parts) if parts else ""


def _spread(acc, label: str) -> str:
    """Which domains a head's hits come from (per-protein counts)."""
    ranking = acc.rank_proteins(label)
    contributing = int((ranking["hits"] > 0).sum())
    top = ranking.iloc[0]
    return (f"its {int(ranking['hits'].sum())} hits come from {contributing} of {len(ranking)} domains; the largest "
            f"share, {int(top.hits)} ({100 * top.hits_share:.0f} %), from {top.protein}")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _flag_counts(facts, feature) -> str:
    flagged = facts[feature]["flagged"]
    text = ", ".join(f"{count} {flag}" for flag, count in flagged.items())
    return f"{text} head{'s' if sum(flagged.values()) != 1 else ''} among {facts[feature]['ranked']} ranked"


def _contact_bullets(facts) -> list[str]:
    contact = facts["contact"]
    acc, table = contact["acc"], contact["table"]
    best = table.iloc[0]
    survivors = table[table["significant"]]
    line = (f"**Contacts within VH/VL:** the top head is {_head(best)}, against a {_pct(acc.background)} background "
            f"({best.enrichment:.1f}×); {len(survivors)} of {contact['ranked']} ranked heads pass Bonferroni"
            + (f" ({', '.join(survivors['label'])})." if len(survivors) else "."))
    if _flag_note(best):
        line += f" It is {_flag_note(best)}."
    line += f" Per protein, {_spread(acc, best.label)}."
    lines = [line]
    plain = contact["plain"]
    if not plain.empty:
        top_plain = plain.iloc[0]
        lines.append(f"The best contact head with **no flag** is {_head(top_plain)}, {top_plain.enrichment:.1f}× "
                     f"the background{', past Bonferroni' if top_plain.significant else ', not past Bonferroni'}.")
    return lines


def _paratope_bullets(facts) -> list[str]:
    paratope = facts["paratope"]
    acc, table = paratope["acc"], paratope["table"]
    top3 = table.head(3)
    line = (f"**Paratope:** heads {', '.join(f'**{r.label}**' for r in top3.itertuples())} send "
            f"{', '.join(f'{100 * r.share:.0f} % ({r.hits} / {r.total})' for r in top3.itertuples())} of their strong "
            f"attention to paratope residues, against a {_pct(acc.background)} background; "
            f"{paratope['significant']} of {paratope['ranked']} ranked heads pass Bonferroni. Per protein, head "
            f"{top3.iloc[0].label}: {_spread(acc, top3.iloc[0].label)}.")
    flagged = [f"{row.label} ({row.flags})" for row in top3.itertuples() if row.flags]
    if flagged:
        line += f" Flagged among these three: {_and(flagged)}."
    lines = [line]
    plain = paratope["plain"]
    if not plain.empty and top3.iloc[0].flags:
        lines.append(f"The best paratope head with no flag: {_head(plain.iloc[0])}.")
    return lines


def _control(facts) -> dict:
    """The paratope-vs-CDR control over the ranked paratope heads (all counts on the bound domains)."""
    paratope, control = facts["paratope"], facts["paratope_in_cdr"]["acc"]
    rows = control.top_heads(None).set_index("label")
    ranked_labels = [label for label in paratope["table"]["label"] if label in rows.index]
    ranked = rows.loc[ranked_labels]
    top = ranked_labels[:8]
    fail = [label for label in top if not rows.loc[label, "significant"]]
    return {"acc": control, "rows": rows, "top": top, "ranked": len(ranked), "fail": fail,
            "beat": int(ranked["significant"].sum()), "above": int((ranked["share"] > control.background).sum()),
            "below": int((ranked["ci_high"] < control.background).sum()),
            "cdr_background": control.background_total / paratope["acc"].background_total}


def _control_table(facts) -> str:
    control = _control(facts)
    paratope = facts["paratope"]["table"].set_index("label")
    lines = ["| head | paratope share | share of strong edges on CDRs | paratope among CDR edges | 95% CI | "
             "enrichment | Bonferroni 5% |", "|---|---|---|---|---|---|---|",
             f"| background | {facts['paratope']['acc'].background:.1%} | {control['cdr_background']:.1%} | "
             f"{control['acc'].background:.1%} | | | |"]
    for label in control["top"]:
        row, all_edges = control["rows"].loc[label], int(paratope.loc[label, "total"])
        lines.append(f"| {label} | {paratope.loc[label, 'share']:.1%} | {row['total'] / all_edges:.1%} "
                     f"({row['total']} / {all_edges}) | {row['share']:.1%} ({row['hits']} / {row['total']}) | "
                     f"{row['ci_low']:.1%} – {row['ci_high']:.1%} | {row['enrichment']:.2f}x | "
                     f"{'yes' if row['significant'] else 'no'} |")
    return "\n".join(lines)


def _control_bullet(facts) -> str:
    control = _control(facts)
    acc = control["acc"]
    verdict = ("so at least some of these heads pick the paratope out of the CDRs" if control["beat"] else
               "so this dataset cannot tell \"attends to the paratope\" from \"attends to CDRs\"")
    text = (f"**Paratope vs CDR:** in the {acc.proteins} bound domains, CDR residues are "
            f"{_pct(control['cdr_background'])} of the residues and the paratope is {_pct(acc.background)} of the "
            f"CDR residues ({acc.background_hits} of {acc.background_total}). Among the strong edges that land on "
            f"CDR residues, {control['above']} of the {control['ranked']} paratope heads ranked here send more than "
            f"that share to the paratope and {control['beat']} beat it after Bonferroni ({control['below']} are "
            f"significantly below it), {verdict}.")
    if control["fail"]:
        text += (f" Of the {len(control['top'])} top paratope heads, {_and(control['fail'])} "
                 f"{'does' if len(control['fail']) == 1 else 'do'} not beat it: "
                 f"{'it attends' if len(control['fail']) == 1 else 'they attend'} to CDRs, not to the paratope "
                 "within them.")
    return text


def _center_line(facts) -> str:
    contact, paratope = facts["centers"]["contact"], facts["centers"]["paratope"]
    order = "later than" if paratope > contact else "earlier than"
    return (f"The paratope's centre of gravity is at layer {paratope:.2f} ({facts['paratope']['acc'].proteins} "
            f"domains), {order} the contacts' at {contact:.2f} ({facts['contact']['acc'].proteins} domains)"
            + (": deeper layers track the more complex property, as the paper found." if paratope > contact else "."))


def _range_table(facts) -> str:
    contact = facts["contact"]["table"].head(6)
    tables = {f: facts[f]["acc"].top_heads(None).set_index("label") for f in RANGES}
    header = "| head | all (≥ 6) | " + " | ".join(
        f"{n} ({low}-{high})" if high else f"{n} (≥ {low})" for n, (low, high) in SEPARATION_RANGES.items()) + " |"
    lines = [header, "|---|---|" + "---|" * len(RANGES),
             "| background | " + f"{facts['contact']['acc'].background:.1%} | " + " | ".join(
                 f"{facts[f]['acc'].background:.1%}" for f in RANGES) + " |"]
    for row in contact.itertuples():
        cells = []
        for feature in RANGES:
            ranged = facts[feature]["acc"]
            hits, total = int(ranged.hits[row.layer_index, row.head_index]), int(
                ranged.total[row.layer_index, row.head_index])
            mark = "" if row.label in tables[feature].index else " *"
            cells.append(f"{hits / total:.1%} ({hits} / {total}){mark}" if total else "– (0)")
        lines.append(f"| {row.label} | {row.share:.1%} ({row.hits} / {row.total}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _changes(facts) -> list[str]:
    before = facts["before"]
    old = before["result"]
    old_contact, old_paratope = old["contact"].top_heads(None), old["paratope"].top_heads(None)
    contact, paratope = facts["contact"]["table"], facts["paratope"]["table"]

    def top(table, n):
        return ", ".join(f"{r.label} {_pct(r.share)} ({r.hits} / {r.total})" for r in table.head(n).itertuples())

    return [
        f"Dataset: {before['domains']} → {facts['domains']} variable domains, {before['structures']} → "
        f"{facts['structures']} structures, {before['with_antigen']} → {facts['with_antigen']} bound to an antigen "
        f"(added, from Docking Benchmark 5.5: {', '.join(a.replace('_complex', '') for a in facts['added'])}).",
        f"Contacts: top heads before {top(old_contact, 3)}, {int(old_contact['significant'].sum())} past "
        f"Bonferroni, centre of gravity {before['centers']['contact']:.2f}; now {top(contact, 3)}, "
        f"{int(contact['significant'].sum())} past Bonferroni, centre of gravity {facts['centers']['contact']:.2f}.",
        f"Paratope: top heads before {top(old_paratope, 3)}, {int(old_paratope['significant'].sum())} of "
        f"{len(old_paratope)} past Bonferroni, centre of gravity {before['centers']['paratope']:.2f}; now "
        f"{top(paratope, 3)}, {int(paratope['significant'].sum())} of {len(paratope)} past Bonferroni, centre of "
        f"gravity {facts['centers']['paratope']:.2f}.",
        "New: positional and sink flags beside the column flag, each head's counts per domain (which domains a "
        "head's hits come from), contacts by separation range, and the paratope-vs-CDR control. Both runs are "
        "computed here, by this script.",
    ]


# --------------------------------------------------------------------------- texts


def _cdr_source(facts) -> str:
    if facts["method"] == "anarci":
        return (f"CDRs are numbered by ANARCI in the {CDR_SCHEME.upper()} scheme "
                "(`protattn_widgets.antibody`, the `antibody` extra).")
    return ("**ANARCI was not installed for this run**: CDRs come from the J-motif approximation of "
            "`protattn_widgets.antibody` (IMGT CDR1 and CDR3 between their conserved anchors; no CDR2), so the CDR "
            "control below undercounts CDR residues.")


def _sink_line(facts) -> str:
    if facts["sinks"] is not None:
        from protattn_widgets.analysis.sinks import SINK_SHARE
        from protattn_widgets.attention import head_label

        mean = facts["sinks"].mean_mass
        layer, head = divmod(int(mean.argmax()), mean.shape[1])
        count = int((mean >= SINK_SHARE).sum())
        return (f"Sink heads were measured in this run: {count} of {mean.size} heads send on average "
                f"{100 * SINK_SHARE:.0f} % or more of their attention to AntiBERTy's special tokens; the most, "
                f"head {head_label(layer, head)}, sends {_pct(float(mean[layer, head]))}.")
    return ("**Sink heads are not measured in this run**: the analysis engine does not yet receive the model's "
            "special-token mass, so no head carries the sink flag here.")


def _document(result, facts) -> str:
    names = ", ".join(f"{key.replace('_complex', '')} ({entry.description})"
                      for key, entry in ANTIBODY_STRUCTURES.items())
    lines = [
        "# Finding: which AntiBERTy heads attend to contacts and to the paratope",
        "",
        "<!-- Generated by docs/finding_antibodies.py; edit that script, not this file. -->",
        "",
        f"**A small dataset.** {facts['domains']} antibody variable domains (VH, VL and VHH nanobodies) from "
        f"{facts['structures']} structures, {facts['with_antigen']} of them bound to a protein antigen. This is "
        "far smaller than the thousands of chains the paper used. Read the numbers below as an example of the "
        "method with honest error bars, not as a result about AntiBERTy.",
        "",
        "## How it was made",
        "",
        "```bash",
        "PYTHONPATH=. .venv/bin/python docs/finding_antibodies.py   # this page, its figures, the README paragraphs",
        f"protattn analyze --data antibodies --property {' '.join(PROPERTIES)} --min-total {MIN_TOTAL} -o report/",
        "```",
        "",
        f"* **Data** (bundled, `protattn_widgets/data/antibodies/` + `data/structures/`, see "
        f"`data/PROVENANCE.md`): {names}. Each antibody chain is cut to its variable domain (up to the end of "
        "the J-region motif `WGxG…` / `FGxG…`): `analysis.antibody_dataset()`.",
        "* **Contact**: CB-CB < 8 Å and |i − j| ≥ 6, **within** each VH / VL / VHH chain. Pairs where a residue "
        "has no CB (real or virtual) are left out of numerator, denominator and background. By separation: "
        + ", ".join(f"{n} {low}-{high}" if high else f"{n} ≥ {low}" for n, (low, high) in SEPARATION_RANGES.items())
        + ", each range with its own background.",
        f"* **Paratope**: antibody residues with any heavy atom within {PARATOPE_CUTOFF:g} Å of an antigen heavy "
        f"atom (`protattn_widgets.atoms.interface_residues`). Only the {facts['with_antigen']} domains that have "
        "an antigen count. Paratope is a per-target property: an edge counts when the residue attended *to* is "
        "in the paratope.",
        f"* **CDR**: {_cdr_source(facts)}",
        f"* **Statistic** (Vig et al. 2020): for each head, the share of its strong edges (attention ≥ "
        f"{result.threshold:g}) that have the property. Heads with fewer than {MIN_TOTAL} strong edges are not "
        f"ranked: stricter than the package's one ranked-head rule ({MIN_STRONG_EDGES}, "
        "`definitions.MIN_STRONG_EDGES`, what the demo, the explorer and `protattn analyze` use by default), "
        "so that a dataset-level ranking rests on more edges. The 95% CIs are Clopper-Pearson. "
        "p is a one-sided exact binomial test of share > background. \"Bonferroni 5%\" corrects over all "
        f"{result.n_layers * result.n_heads} heads. Edges of one protein are not independent, so the p-values "
        "overstate the evidence. Use them to rank heads.",
        "* **Top residue**: the share of the head's strong edges that go to its single most-attended residue "
        "(which one, as `structure:chain residue id`).",
        "* **Flags** (the figures outline flagged heads and mark them C, P±d, S):",
        *[f"  * {line}" for line in flag_definitions()],
        f"  * {_sink_line(facts)}",
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
        f"after Bonferroni; flags: {_flag_counts(facts, 'contact')}. Centre of gravity over layers (1-based): "
        f"{facts['centers']['contact']:.2f}.",
        "",
        "**By separation.** The six top contact heads, their share of strong edges on contacts in each range "
        f"(hits / strong edges in that range; * = fewer than {MIN_TOTAL} strong edges in the range, not ranked "
        "there):",
        "",
        _range_table(facts),
        "",
        "## Paratope",
        "",
        "![paratope heads](finding_antibodies_paratope.png)",
        "",
        top_heads_markdown(result, "paratope", 8),
        "",
        f"{facts['paratope']['significant']} of {facts['paratope']['ranked']} ranked heads beat the background "
        f"after Bonferroni; flags: {_flag_counts(facts, 'paratope')}. Centre of gravity over layers (1-based): "
        f"{facts['centers']['paratope']:.2f}.",
        "",
        "## Control: paratope or CDR?",
        "",
        "Paratope residues lie mostly in the CDRs, so a head that attends to CDRs in general scores on the "
        "paratope too. The control asks, per head: **among its strong edges that land on CDR residues, what "
        "share lands on the paratope**, against the paratope's share of CDR residues (property "
        "`paratope_in_cdr`: target property `paratope`, counted on CDR targets only).",
        "",
        f"* {_control_bullet(facts)}",
        "",
        "The eight top paratope heads:",
        "",
        _control_table(facts),
        "",
        "All columns count the bound domains only. Backgrounds: paratope residues among all residues, CDR "
        "residues among all residues, paratope residues among CDR residues.",
        "",
        "![paratope among CDR targets](finding_antibodies_paratope_in_cdr.png)",
        "",
        "![centres of gravity, each with its own number of domains](finding_antibodies_center_of_gravity.png)",
        "",
        "## Reading it",
        "",
        *[f"* {line}" for line in _contact_bullets(facts)],
        *[f"* {line}" for line in _paratope_bullets(facts)],
        f"* {_control_bullet(facts)}",
        f"* {_center_line(facts)}",
        "",
    ]
    if facts["warnings"]:
        lines += ["## Data caveats", "",
                  "Docking Benchmark files carry no deposited sequence (SEQRES). Where a chain's numbering jumps, "
                  "the model read the observed residues joined across the gap; the warnings of this run:", "",
                  *[f"* {w}" for w in facts["warnings"]], ""]
    return "\n".join(lines)


def _readme_finding(facts) -> str:
    lines = [
        f"We ran AntiBERTy over the {facts['domains']} antibody variable domains of the {facts['structures']} "
        f"bundled antibody structures ({facts['with_antigen']} of them bound to a protein antigen). **This "
        "dataset is small**, so read the results as an example of the method with honest error bars. Details, "
        "contacts by separation range, and what changed when eleven Docking Benchmark 5.5 complexes joined the "
        "dataset are in [docs/finding_antibodies.md](docs/finding_antibodies.md); `docs/finding_antibodies.py` "
        "regenerates it.",
        "",
        *_contact_bullets(facts),
        *_paratope_bullets(facts),
        _control_bullet(facts),
        _center_line(facts),
    ]
    intro, bullets = lines[0], lines[2:]
    return "\n".join([_wrap(intro), "", *(_wrap(b, "- ") for b in bullets)])


def readme_flags() -> str:
    """The flags' definitions as README bullets (from :func:`analysis.flags.flag_definitions`)."""
    return "\n".join(_wrap(line, "- ") for line in flag_definitions())


def _wrap(text: str, bullet: str = "") -> str:
    # No line break between a number and its unit: wrap with no-break spaces, then restore them.
    text = re.sub(r" (%|Å)", "\u00a0\\1", text)
    return textwrap.fill(text, width=95, initial_indent=bullet, subsequent_indent=" " * len(bullet),
                         break_on_hyphens=False, break_long_words=False).replace("\u00a0", " ")


def _readme_demo(demo: dict) -> str:
    best = demo["top_heads"][0]
    text = (f"*Output of `make demo`: every AntiBERTy head on the antibody D1.3 (PDB 1VFB, heavy and light "
            f"chains), ranked by the share of its strong attention (≥ {demo['threshold']:g}) that links residues "
            f"in 3D contact; outlined cells are flagged heads (C column, P±d positional). Head {best['label']} "
            f"puts {100 * best['share']:.0f} % of its strong attention on contacts ({best['contact_edges']} of "
            f"{best['strong_edges']} strong edges, 95 % CI {_pct(best['ci_low'])}–{_pct(best['ci_high'])}), "
            f"against a {_pct(demo['background_contact_rate'])} background.")
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
