"""Dataset-level attention analysis (Vig et al., 2020), one concern per module.

>>> from protattn_widgets import analysis
>>> records = analysis.load_dataset(["1vfb_complex.pdb", "binding_sites_valid.jsonl"])
>>> result = analysis.analyze(model, records, properties=["contact", "binding_site"], threshold=0.3)
>>> result["contact"].share, result["contact"].background, result["contact"].top_heads(10)

Modules
-------
accumulator          per-head counts (:class:`PropertyAccumulator`)
properties           what an edge can have: contact, binding_site, ptm, secondary_structure, amino_acid, paratope
counting             all properties of one protein in one pass over its attention
concentration        per head: strong edges on its most-attended residue, column heads, evidence in words
offsets              per head: strong edges by sequence offset, positional heads
per_protein          each protein's counts per head (``result[f].per_protein``, ``result[f].rank_proteins``)
datasets             :class:`ProteinRecord` from structures and provis label files
secondary_structure  DSSP (``mkdssp``) states grouped into helix / strand / turn_bend / none
engine               :func:`analyze`
distributed          the same on a Dask cluster
results              :class:`AnalysisResult`, saved as JSON + npz
statistics           confidence intervals, tests, centre of gravity, BLOSUM62 correlation
antibodies           the bundled antibody structures with paratope labels
contact_prediction   contacts from attention, ESM's recipe (APC + logistic regression), precision at L/k
probing              per-layer probing classifiers (embeddings and attention)
"""

from __future__ import annotations

from .accumulator import PropertyAccumulator, contact_accumulator
from .antibodies import ANTIBODY_STRUCTURES, antibody_dataset
from .concentration import COLUMN_SHARE, TargetConcentration, evidence_grid, format_evidence, head_evidence
from .contact_prediction import (SEPARATION_RANGES, ContactPrecision, ContactPredictor, apc, attention_features,
                                 precision_at)
from .offsets import POSITIONAL_SHARE, OffsetCounts
from .per_protein import ProteinCounts
from .datasets import ProteinRecord, load_dataset, read_label_file, records_from_structure
from .engine import DEFAULT_MAX_LENGTH, analyze
from .probing import SS3_CLASSES, ProbeResult, contact_probe, layer_embeddings, probe_layers, residue_probe, ss3_labels
from .properties import AMINO_ACIDS, PROPERTIES, Property, get_property, pdb_sites
from .results import AnalysisResult
from .statistics import BlosumCorrelation, blosum_correlation, center_of_gravity, head_table

__all__ = [
    "PropertyAccumulator", "contact_accumulator", "analyze", "AnalysisResult", "DEFAULT_MAX_LENGTH",
    "ProteinRecord", "load_dataset", "read_label_file", "records_from_structure",
    "PROPERTIES", "Property", "get_property", "AMINO_ACIDS", "pdb_sites",
    "BlosumCorrelation", "blosum_correlation", "center_of_gravity", "head_table",
    "ANTIBODY_STRUCTURES", "antibody_dataset",
    "OffsetCounts", "POSITIONAL_SHARE", "ProteinCounts",
    "TargetConcentration", "COLUMN_SHARE", "format_evidence", "head_evidence", "evidence_grid",
    "ContactPredictor", "ContactPrecision", "apc", "attention_features", "precision_at", "SEPARATION_RANGES",
    "ProbeResult", "layer_embeddings", "residue_probe", "contact_probe", "probe_layers", "ss3_labels", "SS3_CLASSES",
]
