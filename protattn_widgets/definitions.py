"""The paper's definitions, stated once (Vig et al., 2020, "BERTology Meets Biology").

Every default that decides what a number means lives here, and every signature,
view, command-line option and report takes its default from this module:

* **Strong attention.** An edge ``i -> j`` of a head is *strong* when its weight
  ``a_ij >= DEFAULT_THRESHOLD`` (0.3, the paper's theta).
* **Contact.** Residues ``i`` and ``j`` are in contact when their CB atoms (a
  virtual CB for glycine) are closer than ``CONTACT_CUTOFF`` Å (8 Å) and they are at
  least ``CONTACT_MIN_SEPARATION`` (6) apart in sequence, ``|i - j| >= 6``.
* **Separation ranges.** Contacts are also reported by sequence separation
  ``|i - j|``: short 6-11, medium 12-23, long >= 24 (``SEPARATION_RANGES``, the
  ranges of ESM's and CASP's contact precision).
* **Strong-pair floor.** While a model runs, every pair with ``a_ij >=
  STRONG_PAIR_FLOOR`` (0.05) is kept with its exact float32 weight, so that a
  head's strong edges can be counted at any threshold from the floor up without
  another pass over the attention.
"""

from __future__ import annotations

__all__ = ["DEFAULT_THRESHOLD", "CONTACT_CUTOFF", "CONTACT_MIN_SEPARATION", "SEPARATION_RANGES", "STRONG_PAIR_FLOOR"]

#: Attention at or above this is a strong edge (the paper's theta).
DEFAULT_THRESHOLD = 0.3
#: CB-CB distance (Å) below which two residues are in contact.
CONTACT_CUTOFF = 8.0
#: Minimum sequence separation ``|i - j|`` of a contact.
CONTACT_MIN_SEPARATION = 6
#: Sequence separation ``|i - j|`` of each contact range, inclusive; ``None`` = no upper bound.
SEPARATION_RANGES: dict[str, tuple[int, int | None]] = {"short": (6, 11), "medium": (12, 23), "long": (24, None)}
#: Pairs at or above this weight are captured in exact float32 during extraction.
STRONG_PAIR_FLOOR = 0.05
