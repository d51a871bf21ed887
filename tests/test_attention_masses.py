"""Attention that leaves the observed residues (issue 22 §2): special-token and unobserved-residue mass.

``values.sum(-1) + special_token_mass + unobserved_mass == 1`` within the stored
precision, and each mass equals what a direct transformers (eager) run puts on
those columns: AntiBERTy on 1a0q H read with its deposited sequence (12 residues
without coordinates), and a random model of ESM-2 650M's shape (33 x 20).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

import protattn_widgets as paw
from protattn_widgets.cache import AttentionCache
from protattn_widgets.structures import ModelInput

import tiny_models

STRUCTURES = Path(paw.__file__).parent / "data" / "structures"


def _direct(module, tokenizer, model_sequence: str, positions: np.ndarray, spaced: bool):
    """Per layer: the observed block, special-token and unobserved mass from ``output_attentions`` (eager)."""
    text = " ".join(model_sequence) if spaced else model_sequence
    encoded = tokenizer(text, return_tensors="pt", return_special_tokens_mask=True)
    special = np.flatnonzero(encoded.pop("special_tokens_mask")[0].numpy())
    residues = np.setdiff1d(np.arange(encoded["input_ids"].shape[1]), special)
    rows, unobserved = residues[positions], np.delete(residues, positions)
    module.config._attn_implementation = "eager"
    with torch.no_grad():
        attentions = module(**encoded, output_attentions=True).attentions
    blocks, specials, unobserveds = [], [], []
    for weights in attentions:
        weights = weights[0].double().numpy()[:, rows]
        blocks.append(weights[:, :, rows])
        specials.append(weights[:, :, special].sum(-1))
        unobserveds.append(weights[:, :, unobserved].sum(-1))
    return np.stack(blocks), np.stack(specials), np.stack(unobserveds)


def test_antiberty_masses_match_a_direct_transformers_run_on_1a0q_heavy_chain(antiberty):
    from protattn_widgets.models.antiberty import AntiBERTyAdapter

    chain = paw.load_structure(STRUCTURES / "1a0q.pdb")["H"]
    model_input = chain.model_input()
    assert model_input.source == "deposited" and len(model_input.sequence) - len(chain) == 12
    attn = antiberty.attention(chain, use_cache=False)
    assert attn.special_token_mass.shape == attn.unobserved_mass.shape == (8, 8, len(chain))
    assert attn.special_token_mass.dtype == attn.unobserved_mass.dtype == np.float32

    loaded = AntiBERTyAdapter().load("antiberty", None)  # a separate BertModel, run the plain transformers way
    values, special, unobserved = _direct(loaded.module, loaded.tokenizer, model_input.sequence,
                                          model_input.positions, spaced=True)
    np.testing.assert_allclose(attn.values, values, atol=2e-6)
    np.testing.assert_allclose(attn.special_token_mass, special, atol=2e-6)
    np.testing.assert_allclose(attn.unobserved_mass, unobserved, atol=2e-6)
    assert attn.unobserved_mass.max() > 0.01, "residues next to the gaps attend to the missing loop"
    total = attn.values.sum(-1, dtype=np.float64) + attn.special_token_mass + attn.unobserved_mass
    np.testing.assert_allclose(total, 1.0, atol=1e-5)


def test_masses_without_unobserved_residues_and_from_the_cache(antiberty):
    cache = AttentionCache(float16_above=1 << 10)  # values stored in float16
    model = paw.load_model("antiberty", cache=cache)
    chain = paw.load_structure(STRUCTURES / "1vfb_complex.pdb")["B"]
    attn = model.attention(chain)
    assert attn.values.dtype == np.float16
    np.testing.assert_array_equal(attn.unobserved_mass, 0)
    assert (attn.special_token_mass > 0).all()
    total = attn.values.astype(np.float64).sum(-1) + attn.special_token_mass + attn.unobserved_mass
    np.testing.assert_allclose(total, 1.0, atol=1e-3)  # float16 storage: ~2^-11 relative per value
    again = model.attention(chain)  # a cache hit serves the masses too
    assert model.forward_count == 1
    np.testing.assert_array_equal(again.special_token_mass, attn.special_token_mass)


@dataclass
class _Gapped:
    """A chain-like source whose model reads residues it has no coordinates for."""

    full: str
    positions: np.ndarray

    @property
    def sequence(self) -> str:
        return "".join(self.full[i] for i in self.positions)

    @property
    def residue_ids(self) -> list[str]:
        return [str(i + 1) for i in self.positions]

    def model_input(self, sequence=None) -> ModelInput:
        return ModelInput(self.full, self.positions, "user")


def test_masses_at_esm2_650m_shape_match_eager_and_the_batched_visitor(tmp_path):
    directory = tiny_models.save_shaped(tmp_path / "esm33x20", "esm", 33, 20)
    model = paw.load_model(directory, cache=AttentionCache())
    rng = np.random.default_rng(7)
    full = "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), size=260))
    positions = np.sort(rng.choice(260, size=236, replace=False))
    source = _Gapped(full, positions)
    attn = model.attention(source)
    assert attn.values.dtype == np.float16  # 33 x 20 x 236^2 float32 is over the 64 MiB float16 line
    total = attn.values.astype(np.float64).sum(-1) + attn.special_token_mass + attn.unobserved_mass
    np.testing.assert_allclose(total, 1.0, atol=1e-3)

    module = paw.models.load_model(directory, cache=AttentionCache()).module
    _, special, unobserved = _direct(module, model.tokenizer, full, positions, spaced=False)
    np.testing.assert_allclose(attn.special_token_mass, special, atol=1e-5)
    np.testing.assert_allclose(attn.unobserved_mass, unobserved, atol=1e-5)

    # the streaming primitive hands the same masses over, batched with another protein
    seen = {}

    def visit(layer, values, specials, unobserveds):
        seen[layer] = (specials[0].copy(), unobserveds[0].copy(), values[1].sum(-1) + specials[1] + unobserveds[1])

    model.visit_layer_attention_batch([source, full[:50]], visit, use_cache=False, masses=True)
    for layer in (0, 16, 32):
        np.testing.assert_allclose(seen[layer][0], attn.special_token_mass[layer], atol=1e-5)
        np.testing.assert_allclose(seen[layer][1], attn.unobserved_mass[layer], atol=1e-5)
        np.testing.assert_allclose(seen[layer][2], 1.0, atol=1e-5)
