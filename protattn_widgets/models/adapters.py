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

import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..errors import ModelLoadError

__all__ = ["ModelAdapter", "LoadedModel", "register_adapter", "adapter_for", "canonical_name", "model_display_name",
           "directory_fingerprint", "ADAPTERS", "HUB_ALIASES"]

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

        check_local_checkpoint(source)
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


_DISPLAY_NAMES = {"antiberty": "AntiBERTy"}


def model_display_name(name: str) -> str:
    """The name a person reads: ``"antiberty"`` -> ``"AntiBERTy"``, hub ids lose their org."""
    return _DISPLAY_NAMES.get(name.lower(), name.rstrip("/").rsplit("/", 1)[-1])


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
        check_hub_id(source, revision)
    return _from_pretrained(AutoConfig, source, revision)


_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "spiece.model",
                    "sentencepiece.bpe.model", "tokenizer.model")
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".h5", ".msgpack", ".ckpt")


def check_local_checkpoint(source: str) -> None:
    """Raise :class:`ModelLoadError` when a local model folder lacks tokenizer files or holds a truncated safetensors file."""
    folder = Path(source)
    if not folder.is_dir():
        return
    if not any((folder / name).is_file() for name in _TOKENIZER_FILES):
        raise ModelLoadError(
            f"model directory {source!r} has no tokenizer files (none of {', '.join(_TOKENIZER_FILES)}); "
            "save the tokenizer next to the weights: tokenizer.save_pretrained(directory)")
    for weights in folder.glob("*.safetensors"):
        problem = _safetensors_problem(weights)
        if problem:
            raise ModelLoadError(f"weights file {weights} is damaged or truncated ({problem}); "
                                 "copy or download it again")


def _safetensors_problem(path: Path) -> str | None:
    """Why a .safetensors file cannot be whole (header length, JSON, data size), or None."""
    size = path.stat().st_size
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
            if len(head) < 8:
                return f"{size} bytes, shorter than the 8-byte header length"
            header_length = int.from_bytes(head, "little")
            if header_length > size - 8:
                return f"header of {header_length} bytes in a {size}-byte file"
            header = json.loads(handle.read(header_length))
    except (OSError, ValueError, UnicodeDecodeError) as error:
        return f"unreadable header: {error}"
    if not isinstance(header, dict):
        return "header is not a JSON object"
    ends = [entry["data_offsets"][1] for name, entry in header.items()
            if name != "__metadata__" and isinstance(entry, dict) and isinstance(entry.get("data_offsets"), list)
            and len(entry["data_offsets"]) == 2]
    needed = 8 + header_length + (max(ends) if ends else 0)
    if size < needed:
        return f"{size} bytes but its header describes {needed}"
    return None


def known_model_names() -> list[str]:
    """Names :func:`~protattn_widgets.load_model` can resolve without guessing: aliases, their hub ids, the hub cache."""
    names = {alias for cls in ADAPTERS.values() for alias in cls.aliases}
    names.update(HUB_ALIASES)
    names.update(HUB_ALIASES.values())
    try:
        from huggingface_hub import constants

        cache = Path(constants.HF_HUB_CACHE)
        names.update(p.name.removeprefix("models--").replace("--", "/") for p in cache.glob("models--*"))
    except Exception:  # an unreadable hub cache only costs the suggestion
        pass
    return sorted(names)


def suggestion(name: str) -> str:
    """``" Did you mean 'x'?"`` for the known model name closest to ``name``, or ``""``."""
    import difflib

    known = known_model_names()
    lowered = {n.lower(): n for n in known}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f" Did you mean {lowered[close[0]]!r}?" if close else ""


def _hub_is_offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def _hub_reachable(timeout: float = 2.0) -> bool:
    """Whether a TCP connection to the hub endpoint opens within ``timeout`` seconds (no retries)."""
    import socket
    from urllib.parse import urlparse

    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def check_hub_id(source: str, revision: str | None) -> None:
    """Fail fast, with the closest known name, for a hub id that is neither cached nor reachable.

    Looks in the local hub cache first; only when the id is not there does it
    check ``HF_HUB_OFFLINE`` and then whether the hub answers at all (one
    2-second connection attempt), instead of letting the hub client retry
    for half a minute.
    """
    from huggingface_hub import try_to_load_from_cache

    try:
        cached = try_to_load_from_cache(source, "config.json", revision=revision)
    except Exception:  # not a valid repo id: let from_pretrained word the error
        return
    if isinstance(cached, str):
        return
    if _hub_is_offline():
        reason = "the Hugging Face hub is switched off (HF_HUB_OFFLINE is set)"
    elif not _hub_reachable():
        reason = "the Hugging Face hub cannot be reached"
    else:
        return
    raise ModelLoadError(
        f"model {source!r} is not in the local Hugging Face cache and {reason}.{suggestion(source)} "
        "Pass a local directory saved with save_pretrained, or use the embedded default load_model('antiberty').")


def _from_pretrained(auto_class: Any, source: str, revision: str | None, **kwargs: Any) -> Any:
    """``auto_class.from_pretrained`` with errors a person can act on."""
    from safetensors import SafetensorError
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # silence "newly initialized pooler" chatter
    try:
        return auto_class.from_pretrained(source, revision=revision, **kwargs)
    except (OSError, ValueError, KeyError, TypeError, SafetensorError) as error:
        raise ModelLoadError(
            f"could not load {auto_class.__name__.replace('Auto', '').lower() or 'model'} "
            f"{source!r}: it is neither a local model directory nor a reachable Hugging Face "
            f"hub id ({error.__class__.__name__}: {str(error).splitlines()[0] if str(error) else ''}). "
            f"Offline? Pass a local directory saved with save_pretrained, or use the "
            f"embedded default load_model('antiberty').{'' if Path(source).is_dir() else suggestion(source)}"
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
    """``"local-<hash>"`` of the contents of a checkpoint folder's files (weights, config, tokenizer).

    Content-based: a copy with the same names, sizes and modification times
    but other weights (tar, docker layers, nix copies) gets another
    fingerprint.  Each file's sha256 is memoised by (path, size, mtime,
    ctime, inode), in this process and in ``cache_root()/"fingerprints.json"``,
    so a large checkpoint is hashed once, not on every load; any rewrite of a
    file changes its ctime and so forces a new hash.
    """
    files = sorted(p for p in Path(directory).iterdir() if p.is_file() and not p.name.startswith("."))
    digest = hashlib.sha256()
    for path in files:
        digest.update(json.dumps([path.name, _file_sha256(path)]).encode())
    return "local-" + digest.hexdigest()[:16]


_HASHES: dict[str, tuple[list, str]] = {}
_HASHES_LOCK = threading.Lock()
_HASHES_LOADED = False


def _memo_path() -> Path:
    from ..config import cache_root

    return cache_root() / "fingerprints.json"


def _file_sha256(path: Path) -> str:
    """sha256 of one file, memoised by its (size, mtime, ctime, inode)."""
    global _HASHES_LOADED
    stat = path.stat()
    stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
    name = str(path.resolve())
    with _HASHES_LOCK:
        if not _HASHES_LOADED:
            _HASHES_LOADED = True
            try:
                stored = json.loads(_memo_path().read_text())
                if isinstance(stored, dict):
                    _HASHES.update({k: (v[0], v[1]) for k, v in stored.items()
                                    if isinstance(v, list) and len(v) == 2 and isinstance(v[1], str)})
            except (OSError, ValueError):
                pass
        known = _HASHES.get(name)
        if known is not None and list(known[0]) == stamp:
            return known[1]
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            sha.update(chunk)
    value = sha.hexdigest()
    with _HASHES_LOCK:
        _HASHES[name] = (stamp, value)
        _save_memo()
    return value


def _save_memo() -> None:
    import tempfile

    memo = _memo_path()
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=memo.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w") as handle:
            json.dump({k: [list(v[0]), v[1]] for k, v in _HASHES.items()}, handle)
        os.replace(tmp, memo)
    except OSError:  # a read-only cache only costs re-hashing next time
        pass
