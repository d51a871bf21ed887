"""Per-family model differences, in one registry.

An adapter knows, for one family of protein language models, how to load the
network and its tokenizer, how residues must be written for the tokenizer
(space-separated or not, which letters to replace) and how many residues fit.
It also knows what a person calls the model (:attr:`ModelAdapter.display_name`)
and which chains the model is meant for (:meth:`ModelAdapter.domain_problems`:
AntiBERTy was trained on antibody chains).  Nothing outside this package
branches on the model family.  Reaching files (the hub, local folders) is
:mod:`.hub`'s job; fingerprints of local folders are :mod:`.fingerprints`'.

Choosing an adapter (:func:`adapter_for`):

1. an explicit ``family=`` name;
2. an alias of a bundled model (``"antiberty"``);
3. the ``model_type`` of the checkpoint's config, preferring an adapter whose
   ``name_pattern`` matches the model name (ProtBert is a ``"bert"`` model
   that wants rare residues written as X);
4. :class:`GenericAdapter` for any other encoder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Sequence

from ..errors import ModelLoadError
from .hub import cached_model_names, check_hub_id, check_local_checkpoint, from_pretrained, revision_of

__all__ = ["ModelAdapter", "LoadedModel", "register_adapter", "adapter_for", "canonical_name", "model_display_name",
           "known_model_names", "ADAPTERS", "HUB_ALIASES"]

#: Short names for well-known hub checkpoints.
HUB_ALIASES: dict[str, str] = {
    "esm2": "facebook/esm2_t33_650M_UR50D",
    "esm2-8m": "facebook/esm2_t6_8M_UR50D",
    "esm2-35m": "facebook/esm2_t12_35M_UR50D",
    "esm2-150m": "facebook/esm2_t30_150M_UR50D",
    "esm1b": "facebook/esm1b_t33_650M_UR50S",
    "protbert": "Rostlab/prot_bert",
    "protbert-bfd": "Rostlab/prot_bert_bfd",
    "protalbert": "Rostlab/prot_albert",
}


@dataclass
class LoadedModel:
    """What an adapter's ``load`` returns."""

    module: Any  # a transformers PreTrainedModel, in eval mode, on the CPU
    tokenizer: Any
    revision: str


class ModelAdapter:
    """Base adapter: Auto classes, eager attention, unspaced residues."""

    family: ClassVar[str] = "generic"
    model_types: ClassVar[tuple[str, ...]] = ()
    name_pattern: ClassVar[str | None] = None
    aliases: ClassVar[tuple[str, ...]] = ()
    space_separated: ClassVar[bool] = False
    #: Residue letters rewritten before tokenising, e.g. ProtBert's U/Z/O/B -> X.
    replacements: ClassVar[dict[str, str]] = {}
    #: Positions of max_position_embeddings that residues and specials cannot use.
    reserved_positions: ClassVar[int] = 0
    #: The name a person reads; ``None``: the model's own name without its hub organisation.
    display_name: ClassVar[str | None] = None
    #: What the model was trained on, in words ("antibody chains"); ``None``: any protein.
    domain: ClassVar[str | None] = None

    def load(self, source: str, revision: str | None) -> LoadedModel:
        """Load network and tokenizer from a hub id or a local directory."""
        from transformers import AutoModel, AutoTokenizer

        check_local_checkpoint(source)
        known = known_model_names()
        module = from_pretrained(AutoModel, source, revision, known, attn_implementation="eager")
        tokenizer = from_pretrained(AutoTokenizer, source, revision, known)
        return LoadedModel(module, tokenizer, revision_of(module, source, revision))

    def domain_problems(self, sequences: Sequence[str]) -> list[str | None]:
        """For each sequence, why it is outside :attr:`domain` (a short reason), or ``None`` when it is in it."""
        return [None] * len(sequences)

    def prepare(self, sequence: str) -> str:
        """Write a clean sequence the way this family's tokenizer expects it."""
        if self.replacements:
            sequence = sequence.translate(str.maketrans(self.replacements))
        return " ".join(sequence) if self.space_separated else sequence

    def max_tokens(self, config: Any, tokenizer: Any) -> int:
        """Tokens (residues + specials) one forward pass accepts."""
        # reserved_positions are positions of the embedding table, not tokens the tokenizer counts:
        # subtract them from max_position_embeddings only (ESM-2: 1026 positions, model_max_length 1024).
        positions = getattr(config, "max_position_embeddings", None)
        model_max = getattr(tokenizer, "model_max_length", None)
        known = [int(positions) - self.reserved_positions] if positions else []
        if model_max and model_max < 1e9:
            known.append(int(model_max))
        if not known:
            raise ModelLoadError("the model config states no maximum length (max_position_embeddings)")
        return min(known)


ADAPTERS: dict[str, type[ModelAdapter]] = {}


def register_adapter(cls: type[ModelAdapter]) -> type[ModelAdapter]:
    """Class decorator: make an adapter available under its ``family`` name."""
    ADAPTERS[cls.family] = cls
    return cls


@register_adapter
class GenericAdapter(ModelAdapter):
    """Any encoder with a residue-level tokenizer; spacing is detected."""

    family = "generic"

    def load(self, source: str, revision: str | None) -> LoadedModel:
        loaded = super().load(source, revision)
        # Character-level vocabularies tokenise "ACD" as 3 tokens; word-level
        # ones (ProtBert-like) need "A C D".
        probe = loaded.tokenizer("ACD", add_special_tokens=False)["input_ids"]
        self.space_separated = len(probe) != 3
        return loaded


@register_adapter
class BertAdapter(ModelAdapter):
    """BERT checkpoints with a residue vocabulary (TAPE-style BERT in HF format)."""

    family = "bert"
    model_types = ("bert",)
    space_separated = True


@register_adapter
class ProtBertAdapter(BertAdapter):
    """ProtBert and ProtBert-BFD (Rostlab): rare residues U, Z, O, B become X."""

    family = "protbert"
    name_pattern = r"prot_?bert"
    replacements = {"U": "X", "Z": "X", "O": "X", "B": "X"}


@register_adapter
class AlbertAdapter(ModelAdapter):
    """ProtAlbert (Rostlab) and other ALBERT checkpoints."""

    family = "albert"
    model_types = ("albert",)
    space_separated = True
    replacements = {"U": "X", "Z": "X", "O": "X", "B": "X"}


@register_adapter
class EsmAdapter(ModelAdapter):
    """ESM-2 and ESM-1b (``EsmModel``)."""

    family = "esm"
    model_types = ("esm",)
    # ESM position ids start after the padding index: 1026 positions hold 1024 tokens.
    reserved_positions = 2


def model_display_name(name: str) -> str:
    """The name a person reads: an adapter's ``display_name`` for its aliases (``"antiberty"`` ->
    ``"AntiBERTy"``); hub ids and folders lose their organisation or path."""
    lowered = name.lower()
    for cls in ADAPTERS.values():
        if cls.display_name and lowered in cls.aliases:
            return cls.display_name
    return name.rstrip("/").rsplit("/", 1)[-1]


def known_model_names() -> list[str]:
    """Names :func:`~protattn_widgets.load_model` can resolve without guessing: aliases, their hub ids, the hub cache."""
    names = {alias for cls in ADAPTERS.values() for alias in cls.aliases}
    names.update(HUB_ALIASES)
    names.update(HUB_ALIASES.values())
    names.update(cached_model_names())
    return sorted(names)


def canonical_name(name: str) -> str:
    """Resolve short names: bundled aliases in lower case, hub aliases to hub ids."""
    lowered = name.lower()
    if any(lowered in cls.aliases for cls in ADAPTERS.values()):
        return lowered
    return HUB_ALIASES.get(lowered, name)


def adapter_for(source: str, family: str | None = None, revision: str | None = None) -> ModelAdapter:
    """Pick the adapter for a model name, hub id or local directory."""
    if family is not None:
        if family not in ADAPTERS:
            raise ModelLoadError(f"unknown model family {family!r}; known: {', '.join(sorted(ADAPTERS))}")
        return ADAPTERS[family]()
    lowered = source.lower()
    for cls in ADAPTERS.values():
        if lowered in cls.aliases:
            return cls()
    model_type = _config_of(source, revision).model_type
    candidates = [cls for cls in ADAPTERS.values() if model_type in cls.model_types]
    for cls in candidates:
        if cls.name_pattern and re.search(cls.name_pattern, source, re.IGNORECASE):
            return cls()
    plain = [cls for cls in candidates if cls.name_pattern is None]
    return (plain[0] if plain else GenericAdapter)()


def _config_of(source: str, revision: str | None) -> Any:
    from transformers import AutoConfig

    if not Path(source).is_dir():
        check_hub_id(source, revision, known_model_names())
    return from_pretrained(AutoConfig, source, revision, known_model_names())
