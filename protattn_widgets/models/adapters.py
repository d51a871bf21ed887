"""Per-family model differences, in one registry.

An adapter knows, for one family of protein language models, how to load the
network and its tokenizer, how residues must be written for the tokenizer
(space-separated or not, which letters to replace) and how many residues fit.
Nothing outside this package branches on the model family.

Choosing an adapter (:func:`adapter_for`):

1. an explicit ``family=`` name;
2. an alias of a bundled model (``"antiberty"``);
3. the ``model_type`` of the checkpoint's config, preferring an adapter whose
   ``name_pattern`` matches the model name (ProtBert is a ``"bert"`` model
   that wants rare residues written as X);
4. :class:`GenericAdapter` for any other encoder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import ModelLoadError

__all__ = ["ModelAdapter", "LoadedModel", "register_adapter", "adapter_for", "canonical_name", "directory_fingerprint", "ADAPTERS", "HUB_ALIASES"]

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

    def load(self, source: str, revision: str | None) -> LoadedModel:
        """Load network and tokenizer from a hub id or a local directory."""
        from transformers import AutoModel, AutoTokenizer

        module = _from_pretrained(AutoModel, source, revision, attn_implementation="eager")
        tokenizer = _from_pretrained(AutoTokenizer, source, revision)
        return LoadedModel(module, tokenizer, _revision_of(module, source, revision))

    def prepare(self, sequence: str) -> str:
        """Write a clean sequence the way this family's tokenizer expects it."""
        if self.replacements:
            sequence = sequence.translate(str.maketrans(self.replacements))
        return " ".join(sequence) if self.space_separated else sequence

    def max_tokens(self, config: Any, tokenizer: Any) -> int:
        """Tokens (residues + specials) one forward pass accepts."""
        limits = [getattr(config, "max_position_embeddings", None)]
        model_max = getattr(tokenizer, "model_max_length", None)
        limits.append(model_max if model_max and model_max < 1e9 else None)
        known = [int(x) for x in limits if x]
        if not known:
            raise ModelLoadError("the model config states no maximum length (max_position_embeddings)")
        return min(known) - self.reserved_positions


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

    return _from_pretrained(AutoConfig, source, revision)


def _from_pretrained(auto_class: Any, source: str, revision: str | None, **kwargs: Any) -> Any:
    """``auto_class.from_pretrained`` with errors a person can act on."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # silence "newly initialized pooler" chatter
    try:
        return auto_class.from_pretrained(source, revision=revision, **kwargs)
    except (OSError, ValueError, KeyError) as error:
        raise ModelLoadError(
            f"could not load {auto_class.__name__.replace('Auto', '').lower() or 'model'} "
            f"{source!r}: it is neither a local model directory nor a reachable Hugging Face "
            f"hub id ({error.__class__.__name__}: {str(error).splitlines()[0] if str(error) else ''}). "
            "Offline? Pass a local directory saved with save_pretrained, or use the "
            "embedded default load_model('antiberty')."
        ) from error
    finally:
        hf_logging.set_verbosity(verbosity)


def _revision_of(module: Any, source: str, revision: str | None) -> str:
    """A string that changes whenever the weights might have changed.

    Hub models: the commit of the downloaded snapshot.  Local directories:
    :func:`directory_fingerprint`.
    """
    from pathlib import Path

    if Path(source).is_dir():
        return directory_fingerprint(source)
    from transformers.utils import cached_file

    config_path = Path(cached_file(source, "config.json", revision=revision))
    if config_path.parent.parent.name == "snapshots":  # <cache>/models--org--name/snapshots/<commit>/
        return config_path.parent.name
    return getattr(module.config, "_commit_hash", None) or revision or "main"


def directory_fingerprint(directory: str | os.PathLike) -> str:
    """``"local-<hash>"`` of a checkpoint folder's file names, sizes and modification times."""
    import hashlib
    from pathlib import Path

    files = sorted(p for p in Path(directory).iterdir() if p.is_file())
    stats = [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    return "local-" + hashlib.sha256(repr(stats).encode()).hexdigest()[:16]
