"""Shared fixtures: the real AntiBERTy model, tiny hub-family checkpoints, data paths."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before transformers is imported: never wait on the hub
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

TESTS = Path(__file__).parent
DATA = TESTS / "data"


@pytest.fixture(scope="session")
def antiberty():
    """The embedded default model, loaded once for the whole run."""
    import protattn_widgets as paw

    return paw.load_model("antiberty")


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tiny_models")
