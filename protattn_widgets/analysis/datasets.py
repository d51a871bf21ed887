"""Datasets for the analysis: one :class:`ProteinRecord` per protein chain.

A record is a sequence plus what the properties need: the structure chain
(coordinates, for contacts), the structure (DSSP, SITE records) and
per-residue labels read from files (binding sites, modifications, paratope).

Sources
-------
* Structure files (``.pdb``/``.cif``, optionally ``.gz``), or folders of them:
  one record per protein chain (:func:`records_from_structure`).
* provis label files (JSON Lines, ``binding_sites_valid.jsonl`` /
  ``protein_modifications_valid.jsonl``, format in ``data/PROVENANCE.md``):
  one record per line, labels from ``"sites"`` (0-based indices into
  ``"sequence"``), checked against the sequence (:func:`read_label_file`).
  Loading both files merges the labels of identical (id, sequence) records.

What the model reads for a record is :meth:`ProteinRecord.model_input`: for a
record from a structure, its chain's deposited sequence (the observed residues
placed in it, see :meth:`Chain.model_input <protattn_widgets.structures.Chain.model_input>`);
for a label-file record, its own sequence.  ``record.sequence`` and every
label stay on the observed residues.

Truncation to ``max_length`` residues (the paper's 512; less where the model
accepts less) happens in :meth:`ProteinRecord.truncate`: it keeps the longest
prefix of observed residues whose model input has at most ``max_length``
residues, and slices the sequence, the chain and every label alike.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from ..errors import AnalysisInputError, InvalidSequenceError
from ..sequences import clean_sequence

__all__ = [
    "ProteinRecord", "Dataset", "records_from_structure", "read_label_file", "load_dataset",
    "LABEL_FILE_TASKS", "STRUCTURE_SUFFIXES",
]

#: ``"task"`` field of a provis label file -> the property its ``"sites"`` label.
LABEL_FILE_TASKS: dict[str, str] = {"binding_site": "binding_site", "protein_modification": "ptm"}
STRUCTURE_SUFFIXES = (".pdb", ".ent", ".cif", ".mmcif", ".pdb.gz", ".ent.gz", ".cif.gz", ".mmcif.gz")
_LABEL_SUFFIXES = (".jsonl", ".jsonl.gz")


@dataclass(frozen=True, eq=False)
class ProteinRecord:
    """One protein chain and its labels.

    Attributes
    ----------
    id : str
        E.g. ``"1vfb_complex:B"`` or provis' ``"4udx.X"``.
    sequence : str
        ``L`` one-letter residues.
    residue_ids : tuple of str, length L
        Author residue ids (``"1".."L"`` when unknown).
    chain : Chain or None
        Coordinates (contacts).  Same residues as ``sequence``.
    structure : Structure or None
        What ``chain`` came from (DSSP, SITE records).
    labels : dict of str -> ndarray of bool, shape=(L,)
        Per-target labels read from files: ``"binding_site"``, ``"ptm"``,
        ``"paratope"``.
    length_before_truncation : int
        ``L`` before :meth:`truncate`.
    """

    id: str
    sequence: str
    residue_ids: tuple[str, ...]
    chain: object = None
    structure: object = None
    labels: dict = field(default_factory=dict)
    length_before_truncation: int = 0

    def __post_init__(self) -> None:
        length = len(self.sequence)
        if len(self.residue_ids) != length:
            raise AnalysisInputError(f"{self.id}: {len(self.residue_ids)} residue ids for {length} residues")
        if self.chain is not None and len(self.chain) != length:
            raise AnalysisInputError(f"{self.id}: chain has {len(self.chain)} residues, sequence {length}")
        for name, values in self.labels.items():
            if np.shape(values) != (length,):
                raise AnalysisInputError(
                    f"{self.id}: label {name!r} has shape {np.shape(values)} but the sequence has "
                    f"{length} residues; labels must hold one value per residue")
        if not self.length_before_truncation:
            object.__setattr__(self, "length_before_truncation", length)

    def __len__(self) -> int:
        return len(self.sequence)

    def __repr__(self) -> str:
        return f"<ProteinRecord {self.id} L={len(self)} labels={sorted(self.labels)}>"

    @property
    def truncated(self) -> bool:
        return len(self) < self.length_before_truncation

    def model_input(self, sequence: str | None = None):
        """What a model reads for this record, and where its residues sit in it.

        Same contract as :meth:`Chain.model_input
        <protattn_widgets.structures.Chain.model_input>`: a record from a
        structure asks its chain (deposited sequence by default); a record
        without a chain reads its own sequence (``source="observed"``), or a
        full ``sequence`` given by the user that its residues map onto.

        Returns
        -------
        ModelInput
        """
        from ..structures import ModelInput
        from ..sequences import map_onto, numbering_gaps
        from ..errors import StructureError

        if self.chain is not None:
            return self.chain.model_input(sequence)
        if sequence is None or sequence == "observed":
            return ModelInput(self.sequence, np.arange(len(self), dtype=np.int64), "observed")
        full = clean_sequence(sequence)
        positions = map_onto(self.sequence, full, numbering_gaps(self.residue_ids))
        if positions is None:
            raise StructureError(f"{self.id}: its {len(self)} residues do not map onto the given "
                                 f"{len(full)}-residue sequence")
        return ModelInput(full, positions, "user")

    def truncate(self, max_length: int) -> "ProteinRecord":
        """The longest prefix of residues whose model input has at most ``max_length`` residues.

        For a record without a chain that is the first ``max_length``
        residues; with a chain, :meth:`Chain.truncate
        <protattn_widgets.structures.Chain.truncate>` decides (a missing loop
        counts, since the model reads it).  This record if nothing is cut.
        """
        if self.chain is not None:
            chain = self.chain.truncate(max_length)
            if chain is self.chain:
                return self
            keep = len(chain)
        else:
            if len(self) <= max_length:
                return self
            chain, keep = None, max_length
        return replace(
            self, sequence=self.sequence[:keep], residue_ids=self.residue_ids[:keep], chain=chain,
            labels={k: v[:keep] for k, v in self.labels.items()},
            length_before_truncation=self.length_before_truncation,
        )

    def with_labels(self, **labels: np.ndarray) -> "ProteinRecord":
        """A copy with more per-residue labels."""
        return replace(self, labels={**self.labels, **{k: np.asarray(v, dtype=bool) for k, v in labels.items()}})


class Dataset(list):
    """The records :func:`load_dataset` read (a list), with ``notes`` on the files it skipped."""

    def __init__(self, records: Iterable[ProteinRecord] = (), notes: Iterable[str] = ()) -> None:
        super().__init__(records)
        self.notes: list[str] = list(notes)


def records_from_structure(source, chains: Iterable[str] | None = None) -> list[ProteinRecord]:
    """One record per protein chain of a structure (file path, PDB id or loaded ``Structure``)."""
    from ..structures import Structure, load_structure

    structure = source if isinstance(source, Structure) else load_structure(source)
    chain_ids = list(chains) if chains is not None else structure.chain_ids
    records = []
    for chain_id in chain_ids:
        chain = structure[chain_id]
        records.append(ProteinRecord(f"{structure.name}:{chain_id}", chain.sequence, tuple(chain.residue_ids),
                                     chain=chain, structure=structure))
    return records


def read_label_file(path: str | os.PathLike, limit: int | None = None) -> list[ProteinRecord]:
    """Records of a provis label file (JSON Lines), with their ``"sites"`` as labels.

    The ``"task"`` field names the property (:data:`LABEL_FILE_TASKS`).  Each
    line is checked: it is UTF-8 text holding one JSON object, ``sequence`` is
    a protein sequence of ``length`` residues, ``residue_numbers`` is a list
    with one entry per residue and ``sites`` a list of whole-number indices in
    ``[0, length)``.  Anything else is an :class:`AnalysisInputError` naming
    the file and the line.

    Parameters
    ----------
    path : path
    limit : int, optional
        Read only the first ``limit`` records.
    """
    path = Path(path)
    records = []
    for number, raw in _numbered_lines(path):
        if limit is not None and len(records) >= limit:
            break
        where = f"{path.name} line {number}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AnalysisInputError(f"{where} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at column "
                                     f"{exc.start + 1}); label files are UTF-8 JSON Lines") from None
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            reason = exc if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            raise AnalysisInputError(f"{where} is not JSON: {reason}") from None
        records.append(_label_record(item, where))
    return records


def _label_record(item, where: str) -> ProteinRecord:
    """One checked line of a label file (``where``: ``"file line N"``, named in every error)."""
    if not isinstance(item, dict):
        raise AnalysisInputError(f"{where} holds a JSON {type(item).__name__}, not an object with id, task, "
                                 "sequence and sites: not a provis label file (see data/PROVENANCE.md)")
    missing = [k for k in ("id", "task", "sequence", "sites") if k not in item]
    if missing:
        raise AnalysisInputError(f"{where} lacks {missing}: not a provis label file (see data/PROVENANCE.md)")
    if not isinstance(item["id"], (str, int)) or isinstance(item["id"], bool):
        raise AnalysisInputError(f"{where}: id must be a string, got {_shown(item['id'])}")
    where = f"{where} ({item['id']})"
    task = LABEL_FILE_TASKS.get(item["task"]) if isinstance(item["task"], str) else None
    if task is None:
        raise AnalysisInputError(f"{where}: unknown task {_shown(item['task'])}; known: {', '.join(LABEL_FILE_TASKS)}")
    try:
        sequence = clean_sequence(item["sequence"])
    except InvalidSequenceError as exc:
        raise AnalysisInputError(f"{where}: {exc}") from None
    length = len(sequence)
    if "length" in item and not (_whole(item["length"]) and item["length"] == length):
        what = "" if _whole(item["length"]) else " (not a whole number)"
        raise AnalysisInputError(f"{where}: length {_shown(item['length'])}{what} but the sequence has {length} "
                                 "residues")
    numbers = item.get("residue_numbers")
    if numbers is not None:
        if not isinstance(numbers, list) or not all(_whole(n) or isinstance(n, str) for n in numbers):
            raise AnalysisInputError(f"{where}: residue_numbers must be a list of residue numbers, got "
                                     f"{_shown(numbers)}")
        if len(numbers) != length:
            raise AnalysisInputError(f"{where}: {len(numbers)} residue_numbers for {length} residues")
    sites = item["sites"]
    if not isinstance(sites, list) or not all(_whole(x) for x in sites):
        raise AnalysisInputError(f"{where}: sites must be a list of whole-number residue indices, got "
                                 f"{_shown(sites)}")
    outside = [x for x in sites if not 0 <= x < length]
    if outside:
        raise AnalysisInputError(f"{where}: site index {_shown(outside[0])} is outside the {length}-residue "
                                 "sequence (sites are 0-based indices)")
    labels = np.zeros(length, dtype=bool)
    labels[np.asarray(sites, dtype=np.int64)] = True
    residue_ids = tuple(str(n) for n in numbers) if numbers is not None else tuple(str(i + 1) for i in range(length))
    return ProteinRecord(str(item["id"]), sequence, residue_ids, labels={task: labels})


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value, limit: int = 60) -> str:
    """``repr`` of a JSON value, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({type(value).__name__})"


def load_dataset(sources: Iterable[str | os.PathLike] | str | os.PathLike, *,
                 limit: int | None = None, progress: bool = False) -> list[ProteinRecord]:
    """Records from structure files, folders of them and provis label files.

    Records of label files that share id and sequence are merged (so
    ``binding_sites_valid.jsonl`` plus ``protein_modifications_valid.jsonl``
    give one record per chain with both labels).  A structure file found in a
    folder that has no usable protein chain (DNA/RNA only, ligands only, or
    unreadable) is skipped, and the returned :class:`Dataset`'s ``notes`` say
    so; a file named directly raises instead.

    Parameters
    ----------
    sources : path or list of paths
    limit : int, optional
        At most this many records from each label file.
    progress : bool
        A bar on stderr, file by file (loading a large folder takes minutes).
    """
    import sys

    from tqdm.auto import tqdm

    from ..errors import StructureError

    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    merged: dict[tuple[str, str], ProteinRecord] = {}
    records = Dataset()
    files = list(_expand(sources))  # a bad source fails here, before any file is read
    for path, in_folder in tqdm(files, desc="loading", unit="file", disable=not progress or len(files) < 2,
                                file=sys.stderr, dynamic_ncols=True):
        if path.name.lower().endswith(_LABEL_SUFFIXES):
            for record in read_label_file(path, limit=limit):
                key = (record.id, record.sequence)
                if key in merged:
                    index = next(i for i, r in enumerate(records) if r is merged[key])
                    records[index] = merged[key] = merged[key].with_labels(**record.labels)
                else:
                    merged[key] = record
                    records.append(record)
        elif in_folder:  # one unusable file in a folder (DNA only, corrupt) does not stop the rest
            try:
                records.extend(records_from_structure(path))
            except StructureError as exc:
                records.notes.append(f"skipped {path.name}: {exc}")
        else:
            records.extend(records_from_structure(path))
    if not records:
        why = f" ({'; '.join(records.notes)})" if records.notes else ""
        raise AnalysisInputError(f"the dataset is empty: no protein chain or label record was found{why}")
    return records


def _expand(sources: Iterable[str | os.PathLike]) -> Iterator[tuple[Path, bool]]:
    """``(path, found_in_a_folder)`` of every file the sources name."""
    for source in sources:
        path = Path(source)
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.name.lower().endswith(STRUCTURE_SUFFIXES + _LABEL_SUFFIXES))
            if not found:
                raise AnalysisInputError(f"folder {path} holds no structure (.pdb/.cif) or label (.jsonl) files")
            yield from ((p, True) for p in found)
        elif path.is_file():
            yield path, False
        else:
            raise AnalysisInputError(f"no such file or folder: {path}")


def _numbered_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """``(line number, bytes)`` of a (possibly gzipped) text file; unreadable files are errors naming it."""
    if not path.is_file():
        raise AnalysisInputError(f"no such file: {path}")
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    number = 0
    try:
        with opener(path, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                yield number, line
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise AnalysisInputError(f"cannot read {path.name} (after line {number}): {exc}") from None
