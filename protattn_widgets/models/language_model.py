"""A loaded protein language model that answers with residue-level attention."""

from __future__ import annotations

import threading
from typing import Any, Protocol

import numpy as np

from ..attention import Attention
from ..cache import AttentionCache, CacheKey
from ..errors import ModelLoadError, SequenceTooLongError, TokenizationError
from ..sequences import ALLOWED_RESIDUES, STANDARD_RESIDUES, clean_sequence
from .adapters import LoadedModel, ModelAdapter

__all__ = ["ProteinLanguageModel", "ChainLike"]

_TOKEN_DECORATION = "▁Ġ#"  # sentencepiece / byte-BPE / wordpiece markers around a residue


class ChainLike(Protocol):
    """Anything with a sequence and author residue ids (a structure's chain)."""

    sequence: str
    residue_ids: list[str]


class ProteinLanguageModel:
    """A protein language model ready to produce attention.

    Made by :func:`protattn_widgets.load_model`; one instance per model and
    device for the whole process.

    Attributes
    ----------
    name, revision : str
        What was loaded; both are part of the attention cache key.
    family : str
        The adapter that loaded it (``"antiberty"``, ``"esm"``, ...).
    n_layers, n_heads : int
        From the model config.
    max_length : int
        Most residues one sequence may have (specials excluded).
    device : str
        ``"cuda"`` when available, else ``"cpu"``.
    forward_count : int
        Forward passes run so far (cache hits do not count).
    """

    def __init__(self, name: str, adapter: ModelAdapter, loaded: LoadedModel, device: str,
                 cache: AttentionCache):
        self.name = name
        self.adapter = adapter
        self.family = adapter.family
        self.revision = loaded.revision
        self.module = loaded.module.to(device).eval()
        self.tokenizer = loaded.tokenizer
        self.device = device
        self.cache = cache
        self.forward_count = 0
        self._lock = threading.Lock()
        config = self.module.config
        self.n_layers = int(config.num_hidden_layers)
        self.n_heads = int(config.num_attention_heads)
        self.max_length = adapter.max_tokens(config, self.tokenizer) - self._special_token_count()
        self._residue_token_ids = self._residue_vocabulary()

    def __repr__(self) -> str:
        return (f"ProteinLanguageModel({self.name!r}, family={self.family!r}, {self.n_layers} layers x "
                f"{self.n_heads} heads, max_length={self.max_length}, device={self.device!r})")

    def attention(self, source: str | ChainLike, *, use_cache: bool = True) -> Attention:
        """Residue-level attention of every layer and head.

        Parameters
        ----------
        source : str or Chain
            A sequence of one-letter residue codes, or a structure chain
            (its ``sequence`` and ``residue_ids`` are used).
        use_cache : bool
            Look up and store the result in the attention cache.

        Returns
        -------
        Attention
            ``values`` of shape ``(n_layers, n_heads, L, L)``.
        """
        sequence, residue_ids, chain_id, structure_name = self._residues_of(source)
        # The family is part of the key: two adapters may tokenise one checkpoint differently.
        key = CacheKey(f"{self.family}:{self.name}", self.revision, sequence)
        values = self._cached(key, use_cache, lambda: self._compute(sequence))
        return Attention(values, sequence, residue_ids, self.name, chain_id, structure_name)

    def hidden_states(self, source: str | ChainLike, *, use_cache: bool = True) -> np.ndarray:
        """The output of every layer for every residue (for probing classifiers).

        Returns
        -------
        ndarray, shape=(n_layers, L, hidden_size), float32
            ``[l]`` is layer ``l``'s output (0-based; the input embeddings are
            not included); special tokens removed as for :meth:`attention`.
            Cached in the same cache as attention.
        """
        sequence = self._residues_of(source)[0]
        key = CacheKey(f"{self.family}:{self.name}:hidden_states", self.revision, sequence)
        return self._cached(key, use_cache, lambda: self._compute(sequence, hidden_states=True))

    def _residues_of(self, source: str | ChainLike) -> tuple[str, tuple[str, ...], str | None, str | None]:
        """``(sequence, residue_ids, chain_id, structure_name)`` of a sequence or chain, checked."""
        if isinstance(source, str) or not hasattr(source, "sequence"):
            sequence = clean_sequence(source)
            residue_ids = tuple(map(str, range(1, len(sequence) + 1)))
            chain_id = structure_name = None
        else:
            sequence = clean_sequence(source.sequence)
            residue_ids = tuple(source.residue_ids)
            chain_id = getattr(source, "chain_id", None)
            structure_name = getattr(source, "structure_name", None)
        if len(sequence) > self.max_length:
            raise SequenceTooLongError(
                f"the sequence has {len(sequence)} residues but {self.name} accepts at most "
                f"{self.max_length}. Take a window of it, e.g. chain[:{self.max_length}] or "
                f"sequence[:{self.max_length}]."
            )
        return sequence, residue_ids, chain_id, structure_name

    def _cached(self, key: CacheKey, use_cache: bool, compute) -> np.ndarray:
        values = self.cache.get(key) if use_cache else None
        if values is None:
            values = compute()
            values = self.cache.put(key, values) if use_cache else _read_only(values)
        return values

    def encode(self, sequence: str) -> tuple[dict[str, Any], np.ndarray]:
        """Tokenise a clean sequence for this model.

        Returns the model inputs (torch tensors on the model's device) and the
        indices of the residue tokens, checked to map one-to-one onto residues.
        """
        prepared = self.adapter.prepare(sequence)
        encoded = self.tokenizer(prepared, return_special_tokens_mask=True, return_tensors="pt")
        special = encoded.pop("special_tokens_mask")[0].numpy().astype(bool)
        ids = encoded["input_ids"][0].numpy()
        residue_positions = np.flatnonzero(~special)
        expected = self._residue_token_ids[np.frombuffer(sequence.encode(), dtype=np.uint8)]
        if len(residue_positions) != len(sequence) or not np.array_equal(ids[residue_positions], expected):
            raise TokenizationError(
                f"{self.name}'s tokenizer did not map the {len(sequence)} residues one token each "
                f"(got {len(residue_positions)} non-special tokens); attention cannot be assigned to residues"
            )
        return {name: tensor.to(self.device) for name, tensor in encoded.items()}, residue_positions

    def _compute(self, sequence: str, hidden_states: bool = False) -> np.ndarray:
        """One forward pass: attention ``(n_layers, n_heads, L, L)``, or hidden states ``(n_layers, L, H)``."""
        import torch

        inputs, positions = self.encode(sequence)
        length = len(positions)
        # Usually the residue tokens are one run between the specials: a slice is a free view.
        if positions[-1] - positions[0] + 1 == length:
            rows = slice(int(positions[0]), int(positions[-1]) + 1)
        else:
            rows = torch.as_tensor(positions, device=self.device)
        with self._lock, torch.inference_mode():
            if hidden_states:
                output = self.module(**inputs, output_hidden_states=True)
                self.forward_count += 1
                # hidden_states[0] is the embedding layer's output; [1:] are the layers'.
                return torch.stack([h[0][rows] for h in output.hidden_states[1:]]).float().cpu().numpy()
            output = self.module(**inputs, output_attentions=True)
            self.forward_count += 1
            if not output.attentions:
                raise ModelLoadError(f"{self.name} returned no attention weights (is it using eager attention?)")
            values = np.empty((self.n_layers, self.n_heads, length, length), dtype=np.float32)
            for layer, attention in enumerate(output.attentions):  # filled layer by layer: no stacked copy
                values[layer] = attention[0][:, rows][:, :, rows].float().cpu().numpy()
        return values

    def _special_token_count(self) -> int:
        encoded = self.tokenizer(self.adapter.prepare("A"), return_special_tokens_mask=True)
        return int(sum(encoded["special_tokens_mask"]))

    def _residue_vocabulary(self) -> np.ndarray:
        """Token id of every residue letter, indexed by the letter's byte value.

        Fails loudly when a standard residue maps to the unknown token: that is
        what a vocabulary that never got loaded looks like (transformers 5
        ignores ``BertTokenizer(vocab_file=...)``).
        """
        lookup = np.full(256, -1, dtype=np.int64)
        unknown = self.tokenizer.unk_token_id
        for letter in ALLOWED_RESIDUES:
            prepared = self.adapter.prepare(letter)
            ids = self.tokenizer(prepared, add_special_tokens=False)["input_ids"]
            if len(ids) != 1:
                raise TokenizationError(f"{self.name}'s tokenizer splits residue {letter!r} into {len(ids)} tokens")
            token = self.tokenizer.convert_ids_to_tokens(ids[0]).strip(_TOKEN_DECORATION)
            if ids[0] == unknown and letter in STANDARD_RESIDUES:
                raise TokenizationError(
                    f"{self.name}'s tokenizer maps the standard residue {letter!r} to its unknown token: "
                    "its vocabulary was not loaded (transformers 5 ignores vocab_file=; pass vocab=)"
                )
            if ids[0] != unknown and token.upper() != prepared.strip():
                raise TokenizationError(f"{self.name}'s tokenizer maps residue {letter!r} to token {token!r}")
            lookup[ord(letter)] = ids[0]
        return lookup


def _read_only(values: np.ndarray) -> np.ndarray:
    values.setflags(write=False)
    return values
