"""The result of an analysis: one accumulator per feature, saved as JSON + npz.

>>> result = analysis.analyze(model, dataset, properties=["contact", "amino_acid"])
>>> result["contact"].top_heads(10)          # DataFrame
>>> result["amino_acid:C"].share             # (n_layers, n_heads), masked
>>> result.save("report/result")             # result.json + counts.npz, no pickle
>>> analysis.AnalysisResult.load("report/result")
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..errors import AnalysisInputError
from ..jsonable import finite_or_none
from .accumulator import PropertyAccumulator
from .concentration import TargetConcentration
from .offsets import OffsetCounts
from .per_protein import ProteinCounts
from .sinks import SinkMass
from .statistics import BlosumCorrelation, blosum_correlation, center_of_gravity

__all__ = ["AnalysisResult", "RESULT_JSON", "RESULT_NPZ"]

RESULT_JSON = "result.json"
RESULT_NPZ = "counts.npz"
_FORMAT = "protattn-analysis/1"
_FORMATS = (_FORMAT, "protattn-analysis/2")  # 2 adds per-protein counts and offset counts
_CONCENTRATION_FIELDS = ("total", "targets", "top_edges", "column_edges", "top_target")


class AnalysisResult:
    """Per-head statistics of every requested property over a dataset.

    Indexing with a feature name gives its :class:`PropertyAccumulator`
    (``.share``, ``.background``, ``.top_heads(k)``): single-feature
    properties use the property name (``"contact"``), multi-feature ones
    ``"property:feature"`` (``"amino_acid:C"``, ``"secondary_structure:helix"``);
    an unambiguous suffix (``"helix"``) works too.

    Attributes
    ----------
    model_name : str
    n_layers, n_heads : int
    threshold : float
    min_total : int
    max_length : int
        Residues analysed per protein (longer ones were truncated).
    properties : dict of str -> list of str
        Each requested property and its feature names.
    proteins : int
        Proteins analysed (each feature's accumulator counts the proteins that
        could supply it: ``result[f].proteins``).
    truncated : int
        Proteins cut to ``max_length``.
    skipped : dict of str -> int
        Per property, proteins that could not supply it (e.g. no coordinates for ``contact``).
    notes : list of str
        Anything the user should know: the notes given, then truncation and
        skipped proteins (derived from the counts, so merged results stay right).
    concentrations : dict of str -> TargetConcentration
        Per property, how each head's strong edges (those the property
        counts) spread over target residues; every feature's accumulator
        shares its property's (``result[f].concentration``).
    offsets : OffsetCounts or None
        Per head, all strong edges by sequence offset ``j - i`` (positional
        heads, :mod:`.offsets`); every accumulator shares it (``result[f].offsets``).
        None for a result saved before it existed.
    sinks : SinkMass or None
        Per head, the mean attention on special tokens (sink heads,
        :mod:`.sinks`), where the model reports it; shared like ``offsets``.
    model, records : ProteinLanguageModel or str, list of ProteinRecord, or None
        What :func:`~.engine.analyze` ran and read, kept in this session (not saved) so that
        :meth:`browse` can open each protein's explorer.
    """

    def __init__(self, model_name: str, n_layers: int, n_heads: int, threshold: float, min_total: int,
                 max_length: int, properties: dict[str, list[str]],
                 accumulators: dict[str, PropertyAccumulator] | None = None,
                 proteins: int = 0, truncated: int = 0, notes: list[str] | None = None,
                 skipped: dict[str, int] | None = None,
                 concentrations: dict[str, TargetConcentration] | None = None,
                 offsets: OffsetCounts | None | bool = True, sinks: SinkMass | None = None):
        self.model_name = model_name
        self.n_layers, self.n_heads = int(n_layers), int(n_heads)
        self.threshold, self.min_total, self.max_length = float(threshold), int(min_total), int(max_length)
        self.properties = {name: list(features) for name, features in properties.items()}
        self.accumulators = accumulators or {
            feature: PropertyAccumulator(n_layers, n_heads, threshold, min_total)
            for features in self.properties.values() for feature in features
        }
        self.proteins, self.truncated = int(proteins), int(truncated)
        self.skipped = {name: int(count) for name, count in (skipped or {}).items()}
        self._notes = list(notes or [])
        # None: count them from here on; {} (a result saved before they existed): none to show.
        self.concentrations = dict(concentrations) if concentrations is not None else {
            name: TargetConcentration(self.n_layers, self.n_heads, self.threshold) for name in self.properties}
        self.offsets = OffsetCounts(self.n_layers, self.n_heads, self.max_length) if offsets is True else (
            offsets or None)
        self.sinks = sinks
        self.model, self.records = None, None  # set by analyze(); not saved
        for name, features in self.properties.items():
            for feature in features:
                if feature in self.accumulators and name in self.concentrations:
                    self.accumulators[feature].concentration = self.concentrations[name]
        for accumulator in self.accumulators.values():
            accumulator.offsets, accumulator.sinks = self.offsets, self.sinks

    @property
    def notes(self) -> list[str]:
        derived = [f"{self.truncated} protein(s) truncated to their first {self.max_length} residues"] if self.truncated else []
        derived += [f"{count} protein(s) had no {name} labels and were left out of {name}"
                    for name, count in self.skipped.items()]
        return self._notes + derived

    def add_note(self, note: str) -> None:
        """Record something the user should know (shown once, also after merging)."""
        if note not in self._notes:
            self._notes.append(note)

    # ------------------------------------------------------------------ access

    @property
    def features(self) -> list[str]:
        return list(self.accumulators)

    def __getitem__(self, name: str) -> PropertyAccumulator:
        if name in self.accumulators:
            return self.accumulators[name]
        matches = [f for f in self.accumulators if f.split(":", 1)[-1] == name]
        if len(matches) == 1:
            return self.accumulators[matches[0]]
        raise KeyError(f"no feature {name!r} in this result; features: {', '.join(self.accumulators)}")

    def __contains__(self, name: object) -> bool:
        try:
            self[name]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def __iter__(self):
        return iter(self.accumulators)

    def __len__(self) -> int:
        return len(self.accumulators)

    def __repr__(self) -> str:
        return (f"AnalysisResult({self.model_name}, {self.proteins} proteins, threshold={self.threshold:g}, "
                f"properties={list(self.properties)})")

    def browse(self, feature: str | None = None, **kwargs):
        """A :class:`~protattn_widgets.widgets.dataset_browser.DatasetBrowser`: the head grid of ``feature``, the proteins
        behind a head, and a protein's explorer at that head (``model=``/``dataset=`` for a loaded result)."""
        from ..widgets.dataset_browser import DatasetBrowser

        return DatasetBrowser(self, feature, **kwargs)

    def top_heads(self, name: str, k: int | None = 10):
        """``self[name].top_heads(k)``: a DataFrame (see :meth:`PropertyAccumulator.top_heads`)."""
        return self[name].top_heads(k)

    def layer_max(self, name: str) -> np.ma.MaskedArray:
        """Per-layer maximum share of feature ``name``, shape ``(n_layers,)``."""
        return self[name].layer_max()

    def center_of_gravity(self, names: list[str] | None = None) -> dict[str, float]:
        """Centre of gravity over layers (1-based) of each feature (see :mod:`.statistics`)."""
        return {name: center_of_gravity(self[name].share) for name in (names or self.features)}

    def blosum_correlation(self) -> BlosumCorrelation:
        """Correlation of amino-acid attention profiles with BLOSUM62 (needs ``"amino_acid"``)."""
        if "amino_acid" not in self.properties:
            raise AnalysisInputError("the BLOSUM62 correlation needs the 'amino_acid' property in the analysis")
        return blosum_correlation({f.split(":")[1]: self[f].share for f in self.properties["amino_acid"]})

    # ------------------------------------------------------------------ merging

    def __add__(self, other: "AnalysisResult") -> "AnalysisResult":
        if (other.model_name, other.properties, other.threshold) != (self.model_name, self.properties, self.threshold):
            raise ValueError("can only merge results of the same model, properties and threshold")
        return AnalysisResult(
            self.model_name, self.n_layers, self.n_heads, self.threshold, self.min_total, self.max_length,
            self.properties, {f: self.accumulators[f] + other.accumulators[f] for f in self.accumulators},
            self.proteins + other.proteins, self.truncated + other.truncated,
            list(dict.fromkeys(self._notes + other._notes)),
            {name: self.skipped.get(name, 0) + other.skipped.get(name, 0) for name in {**self.skipped, **other.skipped}},
            {name: self.concentrations[name] + other.concentrations[name]
             for name in self.concentrations if name in other.concentrations},
            self.offsets + other.offsets if self.offsets is not None and other.offsets is not None else None,
            self.sinks + other.sinks if self.sinks is not None and other.sinks is not None else None,
        )

    def set_sinks(self, sinks: SinkMass | None) -> None:
        """Count special-token masses in ``sinks`` (shared by every feature's accumulator)."""
        self.sinks = sinks
        for accumulator in self.accumulators.values():
            accumulator.sinks = sinks

    def remap_positions(self, mapping) -> None:
        """Map every protein's input position (a Dask shard's local position -> the dataset's)."""
        for accumulator in self.accumulators.values():
            accumulator.protein_counts.remap_positions(mapping)

    # ------------------------------------------------------------------ saving

    def _metadata(self) -> dict:
        return {
            "format": _FORMATS[-1], "model": self.model_name, "n_layers": self.n_layers, "n_heads": self.n_heads,
            "threshold": self.threshold, "min_total": self.min_total, "max_length": self.max_length,
            "properties": self.properties, "features": self.features, "proteins": self.proteins,
            "truncated": self.truncated, "skipped": self.skipped, "notes": self._notes,
            "concentrations": list(self.concentrations),
            "numbering": "label is the 1-based 'layer-head'; layer/head are 1-based; layer_index/head_index 0-based",
        }

    def save(self, directory: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write ``result.json`` (metadata) and ``counts.npz`` (integer counts) as the folder ``directory``.

        The folder policy of every command (:mod:`protattn_widgets.outputs`): a folder protattn
        wrote is replaced whole; another non-empty folder raises ``OutputPathError`` unless
        ``overwrite``.
        """
        from ..outputs import replace_folder

        with replace_folder(directory, overwrite=overwrite, what="result folder",
                            written_by="AnalysisResult.save") as tmp:
            self._save_into(tmp)
        return Path(directory)

    def _save_into(self, directory: Path) -> None:
        accs = [self.accumulators[f] for f in self.features]
        np.savez_compressed(
            directory / RESULT_NPZ,
            hits=np.stack([a.hits for a in accs]), total=np.stack([a.total for a in accs]),
            background_hits=np.array([a.background_hits for a in accs], dtype=np.int64),
            background_total=np.array([a.background_total for a in accs], dtype=np.int64),
            proteins=np.array([a.proteins for a in accs], dtype=np.int64),
            **{f"concentration_{field}": np.stack([self.concentrations[name].to_dict()[field]
                                                   for name in self.concentrations])
               for field in _CONCENTRATION_FIELDS if self.concentrations},
            concentration_proteins=np.array([c.proteins for c in self.concentrations.values()], dtype=np.int64),
            **({"offsets": self.offsets.counts} if self.offsets is not None else {}),
            **({"sink_mass": self.sinks.mass, "sink_queries": self.sinks.queries} if self.sinks is not None else {}),
            **{key: value for index, acc in enumerate(accs)
               for key, value in acc.protein_counts.to_arrays(f"per_protein_{index}_").items()},
        )
        (directory / RESULT_JSON).write_text(json.dumps(self._metadata(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: str | os.PathLike) -> "AnalysisResult":
        """Read what :meth:`save` wrote (``allow_pickle=False``)."""
        directory = Path(directory)
        try:
            meta = json.loads((directory / RESULT_JSON).read_text(encoding="utf-8"))
            arrays = np.load(directory / RESULT_NPZ, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise AnalysisInputError(f"{directory} holds no saved analysis result: {exc}") from None
        if meta.get("format") not in _FORMATS:
            raise AnalysisInputError(f"{directory / RESULT_JSON} is not a {' or '.join(_FORMATS)} file")
        accumulators = {}
        for index, feature in enumerate(meta["features"]):
            acc = PropertyAccumulator(meta["n_layers"], meta["n_heads"], meta["threshold"], meta["min_total"])
            accumulators[feature] = acc.add_counts(
                arrays["hits"][index], arrays["total"][index], arrays["background_hits"][index],
                arrays["background_total"][index], arrays["proteins"][index])
            if f"per_protein_{index}_proteins" in arrays:
                acc.protein_counts = ProteinCounts.from_arrays(arrays, f"per_protein_{index}_", meta["n_layers"],
                                                               meta["n_heads"])
        offsets = None
        if "offsets" in arrays:
            offsets = OffsetCounts(meta["n_layers"], meta["n_heads"], (arrays["offsets"].shape[-1] + 1) // 2)
            offsets.counts = np.asarray(arrays["offsets"], dtype=np.int64).copy()
        sinks = None
        if "sink_mass" in arrays:
            sinks = SinkMass(meta["n_layers"], meta["n_heads"])
            sinks.mass = np.asarray(arrays["sink_mass"], dtype=np.float64).copy()
            sinks.queries = np.asarray(arrays["sink_queries"], dtype=np.int64).copy()
        concentrations = {}
        for index, name in enumerate(meta.get("concentrations", [])):
            concentrations[name] = TargetConcentration.from_dict({
                **{field: arrays[f"concentration_{field}"][index] for field in _CONCENTRATION_FIELDS},
                "proteins": arrays["concentration_proteins"][index], "threshold": meta["threshold"]})
        return cls(meta["model"], meta["n_layers"], meta["n_heads"], meta["threshold"], meta["min_total"],
                   meta["max_length"], meta["properties"], accumulators, meta["proteins"], meta["truncated"],
                   meta["notes"], meta.get("skipped", {}), concentrations, offsets, sinks)

    def summary(self, k: int = 10) -> dict:
        """A JSON-ready digest: per feature the background, top ``k`` heads, layer maxima, centre of gravity."""
        from .concentration import format_evidence
        from .flags import flag_grid
        from .report import feature_title

        features = {}
        for name, acc in self.accumulators.items():
            top = acc.top_heads(k)
            rows = [{k_: _plain(v) for k_, v in row.items()} for row in top.to_dict("records")]
            for row in rows:
                row["evidence"] = format_evidence(
                    row["hits"], row["total"], what=feature_title(name), top_edges=row.get("top_target_edges"),
                    top_target=row.get("top_target"), column_share=row.get("column_share"),
                    positional_offset=row.get("positional_offset"), positional_share=row.get("positional_share"),
                    special_token_mass=row.get("special_token_mass"))
            ranked = acc.total >= max(self.min_total, 1)
            flags = flag_grid(acc)
            features[name] = {
                "proteins": acc.proteins,
                "background": finite_or_none(acc.background),
                "strong_edges": int(acc.total.sum()),
                "ranked_heads": int((acc.total >= max(self.min_total, 1)).sum()),
                **{f"{flag}_heads": int((flags[flag] & ranked).sum()) if flag in flags else None
                   for flag in ("column", "positional", "sink")},
                "center_of_gravity": finite_or_none(center_of_gravity(acc.share)),
                "layer_max": [finite_or_none(v) for v in np.ma.filled(acc.layer_max().astype(float), np.nan)],
                "top_heads": rows,
            }
        summary = {**self._metadata(), "features": features}
        if "amino_acid" in self.properties:
            blosum = self.blosum_correlation()
            summary["blosum62_correlation"] = {"correlation": finite_or_none(blosum.correlation),
                                               "amino_acids": blosum.amino_acids, "heads": blosum.n_heads}
        return summary




def _plain(value):
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return finite_or_none(value)
    return value
