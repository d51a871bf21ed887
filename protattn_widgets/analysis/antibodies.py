"""The bundled antibody structures as an analysis dataset, with paratope labels.

Nineteen real antibody structures ship with the package (``data/PROVENANCE.md``):
sixteen antibody-antigen complexes (1vfb, 1mlc, 5grj, 5sv3, 1ncb and eleven more
from Docking Benchmark 5.5), a Fab with a hapten (1a0q) and two intact IgGs
(1hzh, 1igy).  :func:`antibody_dataset` turns their antibody chains into
records of the **variable domain** only (up to the end of the J-region motif
``WGxG....`` in heavy chains, ``FGxG......`` in light chains), with labels:

* ``"cdr"``: the residue lies in a CDR (IMGT), from
  :func:`protattn_widgets.antibody.number_chains` (ANARCI when installed, else
  its J-motif rule, which places no CDR2; :func:`cdr_method` says which);
* ``"paratope"``, where an antigen chain is present: antibody residues with
  any heavy atom within 4.5 Å of an antigen heavy atom.

It is still a small dataset (a few dozen variable domains): findings on it
are anecdotes with confidence intervals, not the paper's statistics.

``docs/finding_antibodies.py`` regenerates the finding in ``docs/finding_antibodies.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..atoms import interface_residues
from ..examples import example_path
from .datasets import ProteinRecord, records_from_structure

__all__ = ["AntibodyStructure", "ANTIBODY_STRUCTURES", "antibody_dataset", "variable_domain_end",
           "PARATOPE_CUTOFF", "CDR_SCHEME", "cdr_method", "ORIGINAL_STRUCTURES"]

PARATOPE_CUTOFF = 4.5
#: The numbering scheme of the ``"cdr"`` labels.
CDR_SCHEME = "imgt"
_DATA = Path(__file__).resolve().parents[1] / "data" / "antibodies"
_J_MOTIF = {"heavy": (re.compile(r"WG.G"), 11), "light": (re.compile(r"FG.G"), 10)}  # motif, domain end - start
_MOTIF_FROM = 80  # the J motif follows CDR3, past residue ~90 in every numbering


@dataclass(frozen=True)
class AntibodyStructure:
    """Chain roles of one bundled antibody structure."""

    name: str
    heavy: tuple[str, ...]
    light: tuple[str, ...]
    antigen: tuple[str, ...]
    description: str
    filename: str | None = None  # in data/antibodies/; default "<name>.pdb.gz"

    @property
    def path(self) -> Path:
        bundled = _DATA / (self.filename or f"{self.name}.pdb.gz")
        return bundled if bundled.is_file() else example_path(self.name)


ANTIBODY_STRUCTURES: dict[str, AntibodyStructure] = {a.name: a for a in (
    AntibodyStructure("1vfb_complex", ("B",), ("A",), ("C",), "Fv D1.3 (mouse) + hen lysozyme"),
    AntibodyStructure("1mlc_complex", ("B",), ("A",), ("E",), "Fab D44.1 (mouse) + hen lysozyme"),
    AntibodyStructure("5grj_complex", ("H",), ("L",), ("A",), "avelumab scFv (human) + PD-L1"),
    AntibodyStructure("5sv3_complex", ("C",), (), ("D",), "nanobody A3C8 (camelid) + ricin A chain"),
    AntibodyStructure("1a0q", ("H",), ("L",), (), "Fab 29G11 (mouse), hapten only"),
    AntibodyStructure("1hzh", ("H", "K"), ("L", "M"), (), "intact IgG1 b12 (human), no antigen"),
    AntibodyStructure("1ncb", ("H",), ("L",), ("N",), "Fab NC41 (mouse) + influenza N9 neuraminidase",
                      "1ncb.cif.gz"),
    AntibodyStructure("1igy", ("B", "D"), ("A", "C"), (), "intact IgG1 Mab61.1.3 (mouse), no antigen",
                      "1igy.cif.gz"),
    # Docking Benchmark 5.5 complexes added for issue 22 (chain roles: data/PROVENANCE.md)
    AntibodyStructure("1ahw_complex", ("B",), ("A",), ("C",), "Fab 5G9 (mouse) + human tissue factor"),
    AntibodyStructure("1bvk_complex", ("E",), ("D",), ("F",), "humanized Fv (D1.3 CDRs) + hen lysozyme"),
    AntibodyStructure("1dqj_complex", ("B",), ("A",), ("C",), "Fab HyHEL-63 (mouse) + hen lysozyme"),
    AntibodyStructure("2vxt_complex", ("H",), ("L",), ("I",), "Fab 125-2H (mouse) + human interleukin-18"),
    AntibodyStructure("2w9e_complex", ("H",), ("L",), ("A",), "Fab ICSM 18 (mouse) + human prion protein"),
    AntibodyStructure("3hmx_complex", ("H",), ("L",), ("A", "B"), "ustekinumab Fab (human) + IL-12 p40/p35"),
    AntibodyStructure("3rjq_complex", ("B",), (), ("A",), "nanobody A12 (llama) + HIV-1 gp120 core"),
    AntibodyStructure("4pou_complex", ("B",), (), ("A",), "nanobody VHHmetal + bovine RNase A"),
    AntibodyStructure("5hgg_complex", ("T",), (), ("A",), "nanobody Nb4 + urokinase protease domain"),
    AntibodyStructure("6cwg_complex", ("B",), (), ("A",), "nanobody A9 + ricin A chain"),
    AntibodyStructure("6ey6_complex", ("I",), (), ("A", "B"), "nanobody nb130 + P. gingivalis PorM (2 copies)"),
)}

#: The eight structures the finding used before the Docking Benchmark 5.5 complexes were added.
ORIGINAL_STRUCTURES: tuple[str, ...] = ("1vfb_complex", "1mlc_complex", "5grj_complex", "5sv3_complex", "1a0q",
                                        "1hzh", "1ncb", "1igy")


def cdr_method() -> str:
    """How the ``"cdr"`` labels are made here: ``"anarci"`` (IMGT numbering) or ``"j-motif"`` (the fallback)."""
    from ..antibody import numbering_available

    return "anarci" if numbering_available() else "j-motif"


def variable_domain_end(sequence: str, role: str) -> int:
    """Residues up to the end of the variable domain (the J-region motif), or the whole chain."""
    pattern, span = _J_MOTIF[role]
    match = pattern.search(sequence, _MOTIF_FROM)
    return min(len(sequence), match.start() + span) if match else len(sequence)


def antibody_dataset(names: list[str] | None = None, *, variable_domains: bool = True,
                     cutoff: float = PARATOPE_CUTOFF) -> list[ProteinRecord]:
    """Records of the antibody chains of the bundled antibody structures.

    Parameters
    ----------
    names : list of str, optional
        Keys of :data:`ANTIBODY_STRUCTURES`; default all of them.
    variable_domains : bool
        Keep only each chain's variable domain.
    cutoff : float
        Paratope distance in Å (heavy atoms).

    Returns
    -------
    list of ProteinRecord
        Ids ``"<structure>:<chain>"``; ``labels["paratope"]`` where the
        structure has an antigen.
    """
    from ..structures import load_structure

    records = []
    for name in names or list(ANTIBODY_STRUCTURES):
        entry = ANTIBODY_STRUCTURES[name]
        structure = load_structure(entry.path)
        roles = {**{c: "heavy" for c in entry.heavy}, **{c: "light" for c in entry.light}}
        for record in records_from_structure(structure, roles):
            chain_id = record.chain.chain_id
            if entry.antigen:
                record = record.with_labels(paratope=interface_residues(structure, chain_id, list(entry.antigen),
                                                                        cutoff))
            if variable_domains:
                end = variable_domain_end(record.sequence, roles[chain_id])
                if end < len(record):
                    # ``end`` counts observed residues; truncate() counts the residues the model reads,
                    # which include missing ones: cut just after the domain's last observed residue.
                    cut = int(record.model_input().positions[end - 1]) + 1
                    record = replace(record.truncate(cut), length_before_truncation=end)
            records.append(record)
    return _with_cdrs(records)


def _with_cdrs(records: list[ProteinRecord]) -> list[ProteinRecord]:
    """Each record with its ``"cdr"`` label (one numbering run for all; a chain not numbered gets none)."""
    from ..antibody import number_chains

    numbered = number_chains([r.sequence for r in records], CDR_SCHEME)
    return [record if found is None else record.with_labels(cdr=found.cdr_mask())
            for record, found in zip(records, numbered)]
