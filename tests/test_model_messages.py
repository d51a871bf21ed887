"""Messages that tell a user what to do (issue 20, item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

import protattn_widgets as paw

STRUCTURES = Path(paw.__file__).parent / "data" / "structures"


def test_attention_of_a_whole_structure_suggests_its_real_chains(antiberty):
    structure = paw.load_structure(STRUCTURES / "1vfb_complex.pdb")
    with pytest.raises(paw.InvalidSequenceError) as caught:
        antiberty.attention(structure)
    message = str(caught.value)
    assert "got Structure" not in message
    assert "model.attention(structure['A'])" in message and "structure['B']" in message
    assert "1vfb_complex" in message and "A, B, C" in message


def test_offline_hub_model_not_in_the_cache_says_how_to_get_it(tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(paw.ModelLoadError) as caught:
        paw.load_model("facebook/esm2_t6_8M_UR50D")
    message = str(caught.value)
    assert "Did you mean 'facebook/esm2_t6_8M_UR50D'" not in message, "never suggest the very name given"
    assert "not in the local Hugging Face cache" in message
    assert "download it once while online" in message and "HF_HUB_OFFLINE=1" in message
    assert "save_pretrained" in message  # a local folder works too


def test_an_alias_offline_says_the_same(tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(paw.ModelLoadError, match="download it once while online") as caught:
        paw.load_model("esm2-8m")
    assert "Did you mean 'facebook/esm2_t6_8M_UR50D'" not in str(caught.value)
