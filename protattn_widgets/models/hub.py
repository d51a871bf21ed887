"""Loading checkpoints from the Hugging Face hub or a local folder, with errors a person can act on.

What the adapters (:mod:`.adapters`) call to reach files: the local hub cache,
the hub itself (fail fast when it is switched off or unreachable), checks of a
local folder (tokenizer files present, safetensors whole) and the revision
string that keys the attention cache.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from ..errors import ModelLoadError
from .fingerprints import directory_fingerprint

__all__ = ["check_local_checkpoint", "check_hub_id", "from_pretrained", "revision_of", "cached_model_names",
           "suggestion"]

_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "spiece.model",
                    "sentencepiece.bpe.model", "tokenizer.model")
_OFFLINE_HELP = ("To use a hub model offline, download it once while online (load_model({name!r}) or "
                 "`huggingface-cli download {name}`): later loads read the local cache, also with HF_HUB_OFFLINE=1. "
                 "Or pass a local folder holding model.save_pretrained(folder) and tokenizer.save_pretrained(folder). "
                 "The embedded default load_model('antiberty') needs no download.")


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


def cached_model_names() -> list[str]:
    """Hub ids present in the local Hugging Face cache (``[]`` when it cannot be read)."""
    try:
        from huggingface_hub import constants

        cache = Path(constants.HF_HUB_CACHE)
        return sorted(p.name.removeprefix("models--").replace("--", "/") for p in cache.glob("models--*"))
    except Exception:  # an unreadable hub cache only costs the suggestion
        return []


def suggestion(name: str, known: Iterable[str]) -> str:
    """``" Did you mean 'x'?"`` for the known name closest to ``name`` (never ``name`` itself), or ``""``."""
    import difflib

    lowered = {n.lower(): n for n in known if n.lower() != name.lower()}
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


def check_hub_id(source: str, revision: str | None, known: Iterable[str] = ()) -> None:
    """Fail fast, saying how to get it, for a hub id that is neither cached nor reachable.

    Looks in the local hub cache first; only when the id is not there does it
    check ``HF_HUB_OFFLINE`` and then whether the hub answers at all (one
    2-second connection attempt), instead of letting the hub client retry
    for half a minute.  ``known``: names to suggest for a misspelling.
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
    raise ModelLoadError(f"model {source!r} is not in the local Hugging Face cache and {reason}."
                         f"{suggestion(source, known)} {_OFFLINE_HELP.format(name=source)}")


def from_pretrained(auto_class: Any, source: str, revision: str | None, known: Iterable[str] = (),
                    **kwargs: Any) -> Any:
    """``auto_class.from_pretrained`` with errors a person can act on (``known``: names to suggest)."""
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
            f"embedded default load_model('antiberty').{'' if Path(source).is_dir() else suggestion(source, known)}"
        ) from error
    finally:
        hf_logging.set_verbosity(verbosity)


def revision_of(module: Any, source: str, revision: str | None) -> str:
    """A string that changes whenever the weights might have changed.

    Hub models: the commit of the downloaded snapshot.  Local directories:
    :func:`~.fingerprints.directory_fingerprint`.
    """
    if Path(source).is_dir():
        return directory_fingerprint(source)
    from transformers.utils import cached_file

    config_path = Path(cached_file(source, "config.json", revision=revision))
    if config_path.parent.parent.name == "snapshots":  # <cache>/models--org--name/snapshots/<commit>/
        return config_path.parent.name
    return getattr(module.config, "_commit_hash", None) or revision or "main"
