"""The properties a strong attention edge ``(i, j)`` can have (Vig et al., 2020).

A *pair* property labels pairs, an ``(L, L)`` bool matrix (contact).  A
*target* property labels the residue attended to, ``j``: an ``(L, F)`` bool
matrix with one column per feature (binding site: 1; secondary structure: 4;
amino acid: 20), so all features of a property are counted in one pass.

Each property also returns a *mask* of what counts at all; pairs or targets
outside it are left out of numerator, denominator and background alike:

============================  ==========================================  ==============================
property (features)           label                                       counted (mask)
============================  ==========================================  ==============================
``contact``                   CB-CB < 8 Å and ``|i - j| >= 6``            pairs where both residues have
                                                                          a CB (real or virtual)
``contact_short``,            a contact at separation 6-11, 12-23,        as ``contact``, and only pairs
``contact_medium``,           >= 24 (``definitions.SEPARATION_RANGES``)   in that separation range (each
``contact_long``                                                          range has its own background)
``binding_site``              target is a site: label file, else the      every target
                              structure's site records (PDB, mmCIF)
``ptm``                       target is modified (provis label file)      every target
``secondary_structure:*``     DSSP class of the target (helix, strand,    targets DSSP assigned a state
                              turn_bend, none)
``amino_acid:*``              target's residue letter (20 standard)       every target (``X`` has none)
``paratope``                  antibody residue with a heavy atom within   every target
                              4.5 Å of an antigen heavy atom
``cdr``                       target lies in a CDR (label, e.g. from      every target
                              ``antibody_dataset``: IMGT numbering)
``paratope_in_cdr``           target is a paratope residue                CDR targets only: the share of
                                                                          the strong edges landing on CDRs
                                                                          that land on the paratope
============================  ==========================================  ==============================

A record that cannot supply a property (no coordinates for ``contact``, no
annotation for ``binding_site``) is skipped for that property only; the
result counts how many proteins each property saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np

from ..definitions import CONTACT_CUTOFF, CONTACT_MIN_SEPARATION, SEPARATION_RANGES
from ..errors import AnalysisInputError
from ..sequences import STANDARD_RESIDUES
from .datasets import ProteinRecord
from .secondary_structure import SS_CLASSES, secondary_structure_classes

__all__ = ["Property", "PROPERTIES", "get_property", "resolve_properties", "AMINO_ACIDS",
           "site_record_labels"]

AMINO_ACIDS = STANDARD_RESIDUES  # "ACDEFGHIKLMNPQRSTVWY", the order of every 20-feature array

Labels = tuple[np.ndarray, np.ndarray | None]


@dataclass(frozen=True)
class Property:
    """How to label one protein for one property.

    Attributes
    ----------
    name : str
    kind : {"pair", "target"}
    features : tuple of str
        Result keys; one for single-feature properties (``("contact",)``).
    description : str
    labeller : callable
        ``labeller(record) -> (labels, mask)`` or ``None`` when the record
        cannot supply this property.  Pair: labels ``(L, L)``, mask
        ``(L, L)`` or None.  Target: labels ``(L, F)``, mask ``(L,)`` or None.
    """

    name: str
    kind: Literal["pair", "target"]
    features: tuple[str, ...]
    description: str
    labeller: Callable[[ProteinRecord], Labels | None]

    def labels(self, record: ProteinRecord) -> Labels | None:
        """Labels and mask of ``record``, shapes checked, or ``None``."""
        found = self.labeller(record)
        if found is None:
            return None
        labels, mask = np.asarray(found[0], dtype=bool), found[1]
        length = len(record)
        expected = (length, length) if self.kind == "pair" else (length, len(self.features))
        if labels.shape != expected:
            raise AnalysisInputError(f"{record.id}: {self.name} labels have shape {labels.shape}, expected {expected}")
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != expected[: 2 if self.kind == "pair" else 1]:
                raise AnalysisInputError(f"{record.id}: {self.name} mask has shape {mask.shape}")
        return labels, mask


def _contact(record: ProteinRecord) -> Labels | None:
    chain = record.chain
    if chain is None:
        return None
    return chain.contact_map(CONTACT_CUTOFF, CONTACT_MIN_SEPARATION), chain.pair_mask("cb")


def _paratope_in_cdr(record: ProteinRecord) -> Labels | None:
    paratope, cdr = record.labels.get("paratope"), record.labels.get("cdr")
    if paratope is None or cdr is None:
        return None
    return np.asarray(paratope, dtype=bool)[:, None], np.asarray(cdr, dtype=bool)


def _contact_in_range(low: int, high: int | None):
    def labeller(record: ProteinRecord) -> Labels | None:
        found = _contact(record)
        if found is None:
            return None
        contacts, mask = found
        separation = np.abs(np.subtract.outer(np.arange(len(record)), np.arange(len(record))))
        band = (separation >= low) & (separation <= (high if high is not None else len(record)))
        return contacts & band, mask & band
    return labeller


def pdb_sites(structure, chain) -> dict[str, np.ndarray]:
    """Each site record of ``structure`` (PDB ``SITE``, mmCIF ``_struct_site_gen``) as the
    residues of ``chain`` it names.

    The records are read when the structure is parsed (``structure.sites``).

    Returns
    -------
    dict of site id (e.g. ``"AC1"``) -> ndarray of bool, shape=(L,)
        Empty for files without site records.
    """
    if structure is None:
        return {}
    return {site_id: np.array([(chain.chain_id, rid) in site for rid in chain.residue_ids], dtype=bool)
            for site_id, site in structure.sites.items()}


def site_record_labels(structure, chain) -> np.ndarray | None:
    """Residues of ``chain`` named in any PDB SITE record of ``structure``, or ``None`` if it has none.

    Returns
    -------
    ndarray of bool, shape=(L,), or None
    """
    sites = pdb_sites(structure, chain)
    return np.logical_or.reduce(list(sites.values())) if sites else None


def _file_label(name: str, from_structure: bool = False):
    def labeller(record: ProteinRecord) -> Labels | None:
        labels = record.labels.get(name)
        if labels is None and from_structure and record.chain is not None:
            labels = site_record_labels(record.structure, record.chain)
        return None if labels is None else (np.asarray(labels, dtype=bool)[:, None], None)
    return labeller


def _secondary_structure(record: ProteinRecord) -> Labels | None:
    if record.structure is None or record.chain is None:
        return None
    classes = secondary_structure_classes(record.structure, record.chain)
    return classes[:, None] == np.arange(len(SS_CLASSES)), classes >= 0


_LETTER_INDEX = np.full(256, -1, dtype=np.int64)
_LETTER_INDEX[np.frombuffer(AMINO_ACIDS.encode(), dtype=np.uint8)] = np.arange(len(AMINO_ACIDS))


def _amino_acid(record: ProteinRecord) -> Labels:
    index = _LETTER_INDEX[np.frombuffer(record.sequence.encode(), dtype=np.uint8)]
    return index[:, None] == np.arange(len(AMINO_ACIDS)), None


PROPERTIES: dict[str, Property] = {p.name: p for p in (
    Property("contact", "pair", ("contact",), "residues i and j in 3D contact (CB-CB < 8 Å, |i-j| >= 6)", _contact),
    Property("binding_site", "target", ("binding_site",), "target residue is a binding site",
             _file_label("binding_site", from_structure=True)),
    Property("ptm", "target", ("ptm",), "target residue is post-translationally modified", _file_label("ptm")),
    Property("secondary_structure", "target", tuple(f"secondary_structure:{c}" for c in SS_CLASSES),
             "DSSP secondary structure of the target residue", _secondary_structure),
    Property("amino_acid", "target", tuple(f"amino_acid:{a}" for a in AMINO_ACIDS),
             "amino acid of the target residue", _amino_acid),
    Property("paratope", "target", ("paratope",),
             "target is an antibody residue within 4.5 Å (heavy atoms) of the antigen", _file_label("paratope")),
    Property("cdr", "target", ("cdr",), "target residue lies in a CDR", _file_label("cdr")),
    Property("paratope_in_cdr", "target", ("paratope_in_cdr",),
             "among strong edges landing on CDR residues, those landing on the paratope", _paratope_in_cdr),
    *(Property(f"contact_{name}", "pair", (f"contact_{name}",),
               f"{name}-range contact (|i-j| {low}-{high})" if high else f"{name}-range contact (|i-j| >= {low})",
               _contact_in_range(low, high)) for name, (low, high) in SEPARATION_RANGES.items()),
)}


def get_property(name: str) -> Property:
    """The property called ``name``, or an error listing the valid names."""
    try:
        return PROPERTIES[name]
    except KeyError:
        raise AnalysisInputError(
            f"unknown property {name!r}; valid properties: {', '.join(PROPERTIES)}") from None


def resolve_properties(names) -> list[Property]:
    """Properties from names, duplicates removed, order kept."""
    if isinstance(names, str):
        names = [names]
    names = list(dict.fromkeys(names))
    if not names:
        raise AnalysisInputError(f"no property given; valid properties: {', '.join(PROPERTIES)}")
    return [get_property(n) for n in names]
