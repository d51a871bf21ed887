"""Tiny randomly initialised checkpoints of each hub family, saved to disk.

The hub is unreachable here, so each family is exercised through exactly the
code path a hub id takes (``from_pretrained`` on a directory), with the real
tokenizer class and a vocabulary laid out like the published checkpoint's.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import torch

AMINO = "LAGVESIKRDTPNQFYMHCWXUBZO"  # ProtBert's residue order
ESM_VOCAB = ["<cls>", "<pad>", "<eos>", "<unk>", *"LAGVSERTIDPKQNFYMHWCXBUZO", ".", "-", "<null_1>", "<mask>"]
TAPE_VOCAB = ["<pad>", "<mask>", "<cls>", "<sep>", "<unk>", *"ABCDEFGHIKLMNOPQRSTUVWXYZ"]


def _small(config_cls, **kwargs):
    base = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                max_position_embeddings=64)
    base.update(kwargs)
    return config_cls(**base)


def save_protbert(directory: Path) -> Path:
    """ProtBert layout: BertModel + word-level BertTokenizer, space-separated residues."""
    from transformers import BertConfig, BertModel, BertTokenizer

    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *AMINO]
    vocab = OrderedDict((t, i) for i, t in enumerate(tokens))
    torch.manual_seed(0)
    BertModel(_small(BertConfig, vocab_size=len(tokens))).save_pretrained(directory)
    BertTokenizer(vocab=vocab, do_lower_case=False).save_pretrained(directory)
    return directory


def save_tape_bert(directory: Path) -> Path:
    """TAPE-style BERT in HF format: TAPE's vocabulary and <cls>/<sep> specials."""
    from transformers import BertConfig, BertModel, BertTokenizer

    vocab = OrderedDict((t, i) for i, t in enumerate(TAPE_VOCAB))
    torch.manual_seed(1)
    BertModel(_small(BertConfig, vocab_size=len(TAPE_VOCAB), num_hidden_layers=3)).save_pretrained(directory)
    BertTokenizer(vocab=vocab, do_lower_case=False, unk_token="<unk>", sep_token="<sep>", pad_token="<pad>",
                  cls_token="<cls>", mask_token="<mask>").save_pretrained(directory)
    return directory


def save_esm(directory: Path, rotary: bool = True) -> Path:
    """ESM-2 (rotary) or ESM-1b (learned absolute positions) layout."""
    from transformers import EsmConfig, EsmModel, EsmTokenizer

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vocab.txt").write_text("\n".join(ESM_VOCAB) + "\n")
    config = _small(EsmConfig, vocab_size=len(ESM_VOCAB), pad_token_id=1, mask_token_id=32,
                    max_position_embeddings=66, token_dropout=True,
                    position_embedding_type="rotary" if rotary else "absolute", num_attention_heads=2)
    torch.manual_seed(2)
    EsmModel(config).save_pretrained(directory)
    EsmTokenizer(vocab_file=str(directory / "vocab.txt")).save_pretrained(directory)
    return directory


def save_protalbert(directory: Path) -> Path:
    """ProtAlbert layout: AlbertModel + sentencepiece-style (Unigram) tokenizer."""
    from transformers import AlbertConfig, AlbertModel, AlbertTokenizer

    pieces = [("<pad>", 0.0), ("<unk>", 0.0), ("[CLS]", 0.0), ("[SEP]", 0.0), ("[MASK]", 0.0), ("▁", -2.0)]
    pieces += [(f"▁{aa}", -1.0) for aa in AMINO]
    torch.manual_seed(3)
    AlbertModel(_small(AlbertConfig, vocab_size=len(pieces), embedding_size=16)).save_pretrained(directory)
    AlbertTokenizer(vocab=pieces, do_lower_case=False).save_pretrained(directory)
    return directory


PLANT_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *AMINO]


def _blank_bert(head_dim: int, max_positions: int, seed: int):
    """A 2-layer, 2-head BERT with zero embeddings and head 0's query/key zeroed, ready to plant."""
    from transformers import BertConfig, BertModel

    config = BertConfig(vocab_size=len(PLANT_TOKENS), hidden_size=2 * head_dim, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=8, max_position_embeddings=max_positions,
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    torch.manual_seed(seed)
    model = BertModel(config)
    with torch.no_grad():
        for table in (model.embeddings.word_embeddings, model.embeddings.token_type_embeddings,
                      model.embeddings.position_embeddings):
            table.weight.zero_()
        attention = model.encoder.layer[0].attention.self
        for proj in (attention.query, attention.key):
            proj.weight[:head_dim].zero_()
            proj.bias[:head_dim].zero_()
    return model, attention


def _save_planted(model, directory: Path) -> Path:
    from transformers import BertTokenizer

    model.save_pretrained(directory)
    vocab = OrderedDict((t, i) for i, t in enumerate(PLANT_TOKENS))
    BertTokenizer(vocab=vocab, do_lower_case=False).save_pretrained(directory)
    return directory


def save_planted(directory: Path, max_residues: int = 40) -> Path:
    """A BERT whose layer 0, head 0 attends from every token to the previous token.

    Word and token-type embeddings are zero and position embeddings one-hot, so
    the hidden state of token t only says "position t".  Head 0's key reads the
    position, its query the position shifted by one, scaled so softmax is sharp.
    """
    positions = max_residues + 2
    head_dim = positions  # head 0 spans exactly the one-hot position space
    model, attention = _blank_bert(head_dim, positions, seed=5)
    with torch.no_grad():
        model.embeddings.position_embeddings.weight[:, :positions] = torch.eye(positions)
        attention.key.weight[:head_dim, :positions] = torch.eye(positions)
        # query of token t points at position t - 1
        attention.query.weight[:head_dim, :positions] = 400.0 * torch.eye(positions).roll(1, dims=1)
    return _save_planted(model, directory)


def install_in_hub_cache(directory: Path, repo_id: str, hub_cache: Path, commit: str = "0" * 40) -> None:
    """Lay a saved checkpoint out as the Hugging Face hub cache holds a download.

    With ``HF_HUB_CACHE=hub_cache`` and ``HF_HUB_OFFLINE=1``, ``from_pretrained(repo_id)``
    then resolves the hub id exactly as after a real download.
    """
    import shutil

    repo = hub_cache / f"models--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    shutil.copytree(directory, repo / "snapshots" / commit, dirs_exist_ok=True)


def save_planted_cysteine(directory: Path, max_residues: int = 130) -> Path:
    """A BERT whose layer 0, head 0 attends from every token to the cysteines.

    Only the C token has a (one-hot) word embedding; after the embedding
    LayerNorm every other token's hidden state is zero.  Head 0's key reads
    that one dimension and its query is a large constant (a bias), so softmax
    puts nearly all of every row's weight on the sequence's cysteines.
    """
    model, attention = _blank_bert(8, max_residues + 2, seed=4)
    with torch.no_grad():
        model.embeddings.word_embeddings.weight[PLANT_TOKENS.index("C"), 0] = 1.0
        attention.key.weight[0, 0] = 1.0
        attention.query.bias[0] = 100.0
    return _save_planted(model, directory)


#: Layer x head shapes of the published checkpoints that cannot be downloaded here.
SHAPES: dict[str, tuple[str, int, int]] = {
    "protbert": ("protbert", 30, 16),
    "esm2-650m": ("esm", 33, 20),
    "esm1b": ("esm", 33, 20),
    "esm2-3b": ("esm", 36, 40),
}


def save_shaped(directory: Path, family: str, n_layers: int, n_heads: int, hidden_size: int | None = None,
                max_residues: int = 1022, seed: int = 0) -> Path:
    """A randomly initialised checkpoint with a real model's layers x heads, saved with ``save_pretrained``.

    Attention cost depends on layers, heads and length, not on the weights, so
    this stands in for ESM-2 650M (``"esm", 33, 20``), ESM-2 3B (``"esm", 36, 40``)
    or ProtBert (``"protbert", 30, 16``) in tests and benchmarks.  Load it with
    ``paw.load_model(directory)``.

    Parameters
    ----------
    family : {"esm", "protbert", "bert"}
        ``"esm"``: EsmModel (rotary) + EsmTokenizer; ``"protbert"``/``"bert"``:
        BertModel + word-level BertTokenizer (ProtBert's vocabulary).
    hidden_size : int, optional
        Defaults to ``2 * n_heads`` (head dimension 2: attention shape is what
        matters, compute stays small).  Must be a multiple of ``n_heads``.
    max_residues : int
        Longest sequence the model accepts (specials excluded); 1022 as ESM-2.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    hidden = int(hidden_size or 2 * n_heads)
    common = dict(hidden_size=hidden, num_hidden_layers=n_layers, num_attention_heads=n_heads,
                  intermediate_size=2 * hidden, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    torch.manual_seed(seed)
    if family == "esm":
        from transformers import EsmConfig, EsmModel, EsmTokenizer

        (directory / "vocab.txt").write_text("\n".join(ESM_VOCAB) + "\n")
        config = EsmConfig(vocab_size=len(ESM_VOCAB), pad_token_id=1, mask_token_id=32,
                           max_position_embeddings=max_residues + 4, token_dropout=True,
                           position_embedding_type="rotary", **common)
        EsmModel(config).save_pretrained(directory)
        EsmTokenizer(vocab_file=str(directory / "vocab.txt")).save_pretrained(directory)
    elif family in ("protbert", "bert"):
        from transformers import BertConfig, BertModel, BertTokenizer

        tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *AMINO]
        config = BertConfig(vocab_size=len(tokens), max_position_embeddings=max_residues + 2, **common)
        BertModel(config).save_pretrained(directory)
        BertTokenizer(vocab=OrderedDict((t, i) for i, t in enumerate(tokens)),
                      do_lower_case=False).save_pretrained(directory)
    else:
        raise ValueError(f"family must be 'esm', 'protbert' or 'bert', got {family!r}")
    return directory
