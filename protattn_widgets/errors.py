"""Every exception and warning raised by protattn-widgets, in one place.

Every error a user can cause (bad sequence, bad file, missing chain, index out of
range, unloadable model) is a subclass of :class:`ProtAttnError`, so notebooks
can catch one type.  Each also derives from the matching built-in exception
(``ValueError``, ``KeyError``, ``IndexError``, ``OSError``) so generic handlers
keep working.  Every warning is a subclass of :class:`ProtAttnWarning`
(a ``UserWarning``).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

__all__ = [
    "ProtAttnError",
    "InvalidSequenceError",
    "SequenceTooLongError",
    "StructureError",
    "StructureDownloadError",
    "ChainNotFoundError",
    "ResidueNotFoundError",
    "ModelLoadError",
    "TokenizationError",
    "LayerHeadIndexError",
    "AnalysisInputError",
    "DSSPError",
    "AttentionMismatchError",
    "InvalidOptionError",
    "OutputPathError",
    "CacheLocationError",
    "AnnotationError",
    "ExampleNotFoundError",
    "StandalonePageError",
    "DemoError",
    "PredictorNotFittedError",
    "SchedulerUnreachableError",
    "ProtAttnWarning",
    "OutOfDomainWarning",
    "MissingResiduesWarning",
    "CacheLocationWarning",
]


class ProtAttnError(Exception):
    """Base class of every error raised on purpose by this package."""


class InvalidSequenceError(ProtAttnError, ValueError):
    """A protein sequence is empty or holds characters that are not residues."""


class SequenceTooLongError(ProtAttnError, ValueError):
    """A sequence is longer than the model accepts."""


class StructureError(ProtAttnError, ValueError):
    """A structure file is empty, corrupt, or has no usable protein chain."""


class StructureDownloadError(ProtAttnError, OSError):
    """A PDB entry could not be fetched (offline, unknown id, server error)."""


class ChainNotFoundError(ProtAttnError, KeyError):
    """A chain id is not among the structure's protein chains."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class ResidueNotFoundError(ProtAttnError, KeyError):
    """A residue id is not among a chain's observed residues."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ModelLoadError(ProtAttnError, OSError):
    """A model could not be found, loaded, or does not return attention."""


class TokenizationError(ProtAttnError, ValueError):
    """The tokenizer does not map residues one-to-one onto tokens."""


class LayerHeadIndexError(ProtAttnError, IndexError):
    """A layer or head index is outside the model's range."""


class AnalysisInputError(ProtAttnError, ValueError):
    """A dataset, label file or property name given to the analysis is unusable."""


class DSSPError(ProtAttnError, OSError):
    """DSSP (``mkdssp``) is missing or failed on a structure."""


class AttentionMismatchError(ProtAttnError, ValueError):
    """Attention given together with a chain is not of that chain's residues."""


class InvalidOptionError(ProtAttnError, ValueError):
    """An option is outside its allowed values: a threshold not in [0, 1], an
    unknown edge ``mode``, a figure file name without a known format."""


class OutputPathError(ProtAttnError, OSError):
    """An output location cannot be written: it is a folder where a file is
    wanted, a file where a folder is wanted, a FIFO or device node (never
    replaced), not writable, or a non-empty folder protattn did not write
    (without ``--overwrite``)."""


class CacheLocationError(ProtAttnError, OSError):
    """Neither the cache folder (``PROTATTN_CACHE_DIR``) nor the temp-folder fallback can be written."""


class AnnotationError(ProtAttnError, ValueError):
    """Annotation tracks given to a view are malformed or name residues the chain lacks."""


class ExampleNotFoundError(ProtAttnError, KeyError):
    """A name is not one of the bundled example structures (the message lists them)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StandalonePageError(ProtAttnError, ValueError):
    """A page cannot be written (bad ``heads``) or read (not a standalone page)."""


class DemoError(ProtAttnError, ValueError):
    """No head qualifies under the demo's threshold and minimum edge count."""


class SchedulerUnreachableError(ProtAttnError, OSError):
    """The Dask scheduler named by ``--scheduler`` cannot be reached or does not answer."""


class PredictorNotFittedError(ProtAttnError, RuntimeError):
    """A ``ContactPredictor`` was asked to predict before ``fit()`` or ``ContactPredictor.load()``."""


# --------------------------------------------------------------------------- warnings


class ProtAttnWarning(UserWarning):
    """Base class of every warning issued by this package."""


class OutOfDomainWarning(ProtAttnWarning):
    """A model was used on a chain outside what it was trained on (e.g. AntiBERTy on an antigen)."""


class MissingResiduesWarning(ProtAttnWarning):
    """The model reads the observed residues although the author numbering suggests missing ones."""


class CacheLocationWarning(ProtAttnWarning):
    """The cache folder (``PROTATTN_CACHE_DIR``) cannot be written; a temp folder is used instead."""


# --------------------------------------------------------------------------- issuing warnings

_PACKAGE = str(Path(__file__).resolve().parent)
#: Widget plumbing between a user's line and our code (``explorer.chain = "A"`` runs through traitlets).
_PLUMBING = ("traitlets", "ipywidgets", "anywidget", "comm")


def _internal(filename: str) -> bool:
    if filename.startswith((_PACKAGE, "<frozen importlib")):  # ours, or the import that ran our module
        return True
    for name in _PLUMBING:
        module = sys.modules.get(name)
        folder = getattr(module, "__file__", None)
        if folder and filename.startswith(str(Path(folder).resolve().parent)):
            return True
    return False


def warn(message: str, category: type[Warning] = ProtAttnWarning) -> None:
    """(Internal, not in ``__all__``.) ``warnings.warn`` pointing at the user's line: the first caller outside this package and the widget plumbing.

    A fixed ``stacklevel`` points into our own code or IPython's whenever the
    call depth differs (a constructor, a trait change, a command); this walks
    the stack instead.
    """
    frame, level = sys._getframe(0), 1
    while frame is not None and _internal(str(Path(frame.f_code.co_filename).resolve())
                                          if not frame.f_code.co_filename.startswith("<") else frame.f_code.co_filename):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
