"""AntiBERTy, the embedded default model.

AntiBERTy (Ruffolo et al., 2021; MIT licence) is a BERT trained on antibody
sequences: 8 layers x 8 heads, 512 positions.  Its weights ship inside the
PyPI wheel ``antiberty==0.1.3``.  That package's own runner fails on
transformers 5, so the weights are read here (``torch.load`` with
``weights_only=True``: tensors only, no arbitrary unpickling) into a plain
``transformers.BertModel``; the MLM and classification heads are dropped.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

from ..errors import ModelLoadError
from .adapters import BertAdapter, LoadedModel, register_adapter
from .fingerprints import directory_fingerprint

__all__ = ["AntiBERTyAdapter", "antiberty_checkpoint"]

_CHECKPOINT = Path("trained_models") / "AntiBERTy_md_smooth"
_VOCAB = Path("trained_models") / "vocab.txt"


def antiberty_checkpoint() -> tuple[Path, Path]:
    """Return ``(checkpoint_dir, vocab_file)`` of the installed ``antiberty`` wheel.

    The package is located without importing it (its ``__init__`` imports the
    runner that breaks on transformers 5).
    """
    spec = importlib.util.find_spec("antiberty")
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            "the embedded AntiBERTy weights come from the PyPI package antiberty==0.1.3, "
            "which is not installed: pip install antiberty==0.1.3"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / _CHECKPOINT, root / _VOCAB


@register_adapter
class AntiBERTyAdapter(BertAdapter):
    """Loads AntiBERTy's checkpoint directory into ``BertModel`` with eager attention."""

    family = "antiberty"
    model_types = ()
    aliases = ("antiberty",)
    display_name = "AntiBERTy"
    domain = "antibody chains"

    def domain_problems(self, sequences: Sequence[str]) -> list[str | None]:
        """Chains without an antibody variable domain (ANARCI when installed, else the J-motif rule)."""
        from ..antibody import number_chains, numbering_available

        how = ("ANARCI finds no antibody variable domain" if numbering_available()
               else "no antibody J-region motif (WGxG/FGxG) where a variable domain has it")
        return [how if found is None else None for found in number_chains(sequences)]

    def load(self, source: str, revision: str | None) -> LoadedModel:
        import torch
        from transformers import BertConfig, BertModel, BertTokenizer

        if source.lower() in self.aliases:
            checkpoint, vocab_file = antiberty_checkpoint()
            revision = revision or f"antiberty-{importlib.metadata.version('antiberty')}"
        else:  # a local copy laid out like the wheel's checkpoint folder
            checkpoint = Path(source)
            vocab_file = next((p for p in (checkpoint / "vocab.txt", checkpoint.parent / "vocab.txt") if p.is_file()),
                              checkpoint / "vocab.txt")
            revision = revision or directory_fingerprint(checkpoint)
        weights = checkpoint / "pytorch_model.bin"
        for needed in (checkpoint / "config.json", weights, vocab_file):
            if not needed.is_file():
                raise ModelLoadError(f"AntiBERTy checkpoint incomplete: {needed} is missing")

        config = BertConfig.from_json_file(checkpoint / "config.json")
        config._attn_implementation = "eager"  # sdpa returns no attention weights
        module = BertModel(config)
        state = torch.load(weights, map_location="cpu", weights_only=True)
        bert_state = {key.removeprefix("bert."): value for key, value in state.items() if key.startswith("bert.")}
        bert_state.pop("embeddings.position_ids", None)  # a buffer older transformers saved
        result = module.load_state_dict(bert_state, strict=False)
        if result.missing_keys or result.unexpected_keys:
            raise ModelLoadError(
                f"AntiBERTy weights do not fit BertModel: missing {result.missing_keys[:5]}, "
                f"unexpected {result.unexpected_keys[:5]}"
            )
        # transformers 5 ignores BertTokenizer(vocab_file=...): pass the vocabulary itself.
        tokens = vocab_file.read_text().split()
        tokenizer = BertTokenizer(vocab=OrderedDict((tok, i) for i, tok in enumerate(tokens)), do_lower_case=False)
        tokenizer.model_max_length = config.max_position_embeddings
        return LoadedModel(module.eval(), tokenizer, revision)
