"""The paper's definitions, stated once (Vig et al., 2020, "BERTology Meets Biology").

Every default that decides what a number means lives here, and every signature,
view, command-line option and report takes its default from this module:

* **Strong attention.** An edge ``i -> j`` of a head is *strong* when its weight
  ``a_ij >= DEFAULT_THRESHOLD`` (0.3, the paper's theta).
* **The unit of every count: a strong edge ``i -> j``.** An ordered pair (query
  ``i`` attends to key ``j``), self-attention ``i -> i`` included, as the paper
  counts (provis sums over every from/to position).  The head grid, its tooltip,
  the 3D caption and the analysis tables count in it and name it
  :data:`STRONG_EDGES`; the 3D view draws *lines* (one per residue pair ``i - j``,
  both directions combined) or, in ``directed`` mode, *arrows* ``i -> j``
  (self-attention is not drawn), and its caption names both counts.
* **Contact.** Residues ``i`` and ``j`` are in contact when their CB atoms (a
  virtual CB for glycine) are closer than ``CONTACT_CUTOFF`` Å (8 Å) and they are at
  least ``CONTACT_MIN_SEPARATION`` (6) apart in sequence, ``|i - j| >= 6``.
* **Separation ranges.** Contacts are also reported by sequence separation
  ``|i - j|``: short 6-11, medium 12-23, long >= 24 (``SEPARATION_RANGES``, the
  ranges of ESM's and CASP's contact precision).
* **Ranked head.** A head gets a share (strong edges with a property / its strong
  edges, the paper's statistic) and a place in any ranking (the demo's headline,
  the explorer's default head and head grid, ``analyze``'s top heads, figures)
  only when it has at least ``MIN_STRONG_EDGES`` (20) strong edges in the data
  counted.  The data counted is always named where the ranking is shown: the
  chains the demo pools (1VFB's heavy and light chains), the one chain the
  explorer shows, every protein of an analysis.  Heads with fewer strong edges
  have no share: grey in grids, absent from tables, never a default head.
  :func:`ranked_head_rule` writes the sentence every view and file states.
* **Strong-pair floor.** While a model runs, every pair with ``a_ij >=
  STRONG_PAIR_FLOOR`` (0.05) is kept with its exact float32 weight, so that a
  head's strong edges can be counted at any threshold from the floor up without
  another pass over the attention.
"""

from __future__ import annotations

__all__ = ["DEFAULT_THRESHOLD", "STRONG_EDGES", "CONTACT_CUTOFF", "CONTACT_MIN_SEPARATION", "SEPARATION_RANGES", "STRONG_PAIR_FLOOR",
           "MIN_STRONG_EDGES", "ranked_head_rule"]

#: Attention at or above this is a strong edge (the paper's theta).
DEFAULT_THRESHOLD = 0.3
#: The words every view and table uses for the unit counted (see above).
STRONG_EDGES = "strong edges i\u2192j"
#: CB-CB distance (Å) below which two residues are in contact.
CONTACT_CUTOFF = 8.0
#: Minimum sequence separation ``|i - j|`` of a contact.
CONTACT_MIN_SEPARATION = 6
#: Sequence separation ``|i - j|`` of each contact range, inclusive; ``None`` = no upper bound.
SEPARATION_RANGES: dict[str, tuple[int, int | None]] = {"short": (6, 11), "medium": (12, 23), "long": (24, None)}
#: Pairs at or above this weight are captured in exact float32 during extraction.
STRONG_PAIR_FLOOR = 0.05
#: A head is ranked only with at least this many strong edges in the data counted.
MIN_STRONG_EDGES = 20


def ranked_head_rule(data: str, min_strong_edges: int = MIN_STRONG_EDGES,
                     threshold: float = DEFAULT_THRESHOLD) -> str:
    """The ranked-head rule as a sentence naming the data counted, e.g.
    ``ranked_head_rule("chains B+A of 1vfb_complex")``.  Every view and file that ranks heads shows it."""
    return (f"ranked heads: those with at least {min_strong_edges} strong edges (attention >= {threshold:g}) "
            f"in {data}")
