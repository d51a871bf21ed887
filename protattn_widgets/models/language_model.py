"""A loaded protein language model that answers with residue-level attention."""

from __future__ import annotations

import hashlib
import queue
import threading
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator, Protocol

import numpy as np

from ..attention import Attention
from ..cache import AttentionCache, CacheKey
from ..errors import InvalidSequenceError, ModelLoadError, SequenceTooLongError, TokenizationError
from ..sequences import ALLOWED_RESIDUES, STANDARD_RESIDUES, clean_sequence
from ..strong_pairs import DEFAULT_FLOOR, StrongPairCollector, StrongPairs
from .adapters import LoadedModel, ModelAdapter
from .capture import capturing
from .dtypes import dtype_name
from .prefault import LayerPrefaulter

__all__ = ["ProteinLanguageModel", "ChainLike", "Job", "LayerVisitor"]

_TOKEN_DECORATION = "▁Ġ#"  # sentencepiece / byte-BPE / wordpiece markers around a residue


class ChainLike(Protocol):
    """Anything with a sequence and author residue ids (a structure's chain)."""

    sequence: str
    residue_ids: list[str]



class _Stopped(Exception):
    """The consumer of a layer stream (:meth:`ProteinLanguageModel.iter_layer_attention_batch`) left early."""


_DONE = object()

#: What a visitor gets per layer: ``visit(layer, values)``, and with ``masses=True``
#: ``visit(layer, values, special_token_mass, unobserved_mass)``.
LayerVisitor = Callable[..., None]


@dataclass(frozen=True)
class Job:
    """One attention request, resolved: the observed residues, what the model reads, the cache key.

    Made by :meth:`ProteinLanguageModel.job`; the visitors and iterators take
    jobs as well as sequences and chains (resolving once, failing early).

    Attributes
    ----------
    observed : str
        The ``L`` residues attention is reported for.
    residue_ids : tuple of str
        Their author ids (``"1".."L"`` for a bare sequence).
    chain_id, structure_name : str or None
        Where they came from.
    model_sequence : str
        What the model reads (``M >= L`` residues).
    positions : ndarray of int64, shape=(L,)
        Index in ``model_sequence`` of each observed residue (read-only).
    source_kind : str
        ``"observed"``, ``"deposited"`` or ``"user"``.
    key : CacheKey
        The attention entry's key; :meth:`cache_key` gives its companions'.
    """

    observed: str
    residue_ids: tuple[str, ...]
    chain_id: str | None
    structure_name: str | None
    model_sequence: str
    positions: np.ndarray
    source_kind: str
    key: CacheKey

    @property
    def length(self) -> int:
        return len(self.observed)

    def cache_key(self, kind: str, option: str = "") -> CacheKey:
        """The key of this request's ``kind`` of cache entry (see :data:`~protattn_widgets.cache.CACHE_KINDS`)."""
        return replace(self.key, kind=kind, option=option)


@dataclass(frozen=True)
class _Tokens:
    """A job's model inputs and where its residues sit among the tokens."""

    inputs: dict[str, Any]
    rows: Any  # token rows of the observed residues: a slice when they are one run, else an index tensor
    special: Any  # index tensor of the special tokens' columns
    unobserved: Any  # index tensor of the columns of residues read but not observed (may be empty)


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
    dtype : str
        What the forward pass runs in (``"float32"``, ``"bfloat16"``, ...);
        part of the cache key unless float32.
    forward_count : int
        Forward passes run so far (cache hits do not count).
    """

    def __init__(self, name: str, adapter: ModelAdapter, loaded: LoadedModel, device: str,
                 cache: AttentionCache, dtype=None):
        self.name = name
        self.adapter = adapter
        self.family = adapter.family
        self.revision = loaded.revision
        self.module = loaded.module.to(device=device, dtype=dtype).eval()
        self.dtype = dtype_name(next(self.module.parameters()).dtype)
        self.tokenizer = loaded.tokenizer
        self.device = device
        self.cache = cache
        self.forward_count = 0
        self._lock = threading.Lock()
        config = self.module.config
        self.n_layers = int(config.num_hidden_layers)
        self.n_heads = int(config.num_attention_heads)
        self.n_special_tokens = self._special_token_count()
        self.max_length = adapter.max_tokens(config, self.tokenizer) - self.n_special_tokens
        self._residue_token_ids = self._residue_vocabulary()

    def __repr__(self) -> str:
        return (f"ProteinLanguageModel({self.name!r}, family={self.family!r}, {self.n_layers} layers x "
                f"{self.n_heads} heads, max_length={self.max_length}, device={self.device!r}, dtype={self.dtype!r})")


    def attention(self, source: str | ChainLike, *, sequence: str | None = None,
                  use_cache: bool = True, progress: Callable[[int, int], None] | None = None) -> Attention:
        """Residue-level attention of every layer and head, computed once per process.

        Parameters
        ----------
        source : str or Chain
            A sequence of one-letter residue codes, or a structure chain (its
            ``sequence`` and ``residue_ids`` are used).  A source with a
            ``model_input(sequence)`` method (a chain, a dataset record) tells
            what the model reads, e.g. the deposited SEQRES sequence, and
            where the observed residues sit in it: the model runs on that
            sequence and the attention is restricted to the observed residues.
        sequence : str, optional
            Passed to ``source.model_input`` (a user-supplied model sequence).
        use_cache : bool
            Look up and store the result in the attention cache.
        progress : callable, optional
            Called as ``progress(layers_done, n_layers)`` after each layer is
            captured (only when the model runs; a cache hit calls nothing).
            The explorer uses it for its progress bar.

        Returns
        -------
        Attention
            ``values`` of shape ``(n_layers, n_heads, L, L)`` over the ``L``
            observed residues; float32 or float16 (and possibly a read-only
            memmap) by the cache's size rule, see :class:`Attention`; with the
            mass each residue sends to special tokens and to unobserved
            residues (``special_token_mass``, ``unobserved_mass``).
        """
        job = self._job(source, sequence)
        # Companions of the entry, captured in the same pass from the float32 weights.
        pairs_key = job.cache_key("strong_pairs", str(DEFAULT_FLOOR))
        masses_key = job.cache_key("token_masses")
        values = self.cache.get(job.key) if use_cache else None
        if values is None:
            shape = (self.n_layers, self.n_heads, job.length, job.length)
            collector = StrongPairCollector(self.n_heads, job.length, DEFAULT_FLOOR)
            masses = np.empty((2, *shape[:3]), dtype=np.float32)
            buffer = self.cache.allocate(job.key, shape) if use_cache else np.empty(shape, dtype=np.float32)
            try:  # float16 / memmap by the cache's rule, filled in place
                self._compute_attention(job, buffer, masses, progress, collector)
            except BaseException:
                if use_cache:
                    self.cache.discard(buffer)
                raise
            strong = collector.result()
            if use_cache:
                values = self.cache.put(job.key, buffer)
                self.cache.put(pairs_key, strong.to_array())
                masses = self.cache.put(masses_key, masses)
            else:
                values, masses = _read_only(buffer), _read_only(masses)
        else:  # a companion may have been evicted alone: the grid then counts from values, masses are unknown
            stored = self.cache.get(pairs_key)
            strong = None if stored is None else StrongPairs.from_array(stored, DEFAULT_FLOOR)
            masses = self.cache.get(masses_key)
        return Attention(values, job.observed, job.residue_ids, self.name, job.chain_id, job.structure_name,
                         model_sequence=job.model_sequence, model_positions=job.positions,
                         sequence_source=job.source_kind, strong_pairs=strong,
                         special_token_mass=None if masses is None else masses[0],
                         unobserved_mass=None if masses is None else masses[1])

    # -- streaming: ONE primitive (the batched visitor); the rest are thin adapters over it ---------------

    def visit_layer_attention_batch(self, sources, visit: LayerVisitor, *, use_cache: bool = True,
                                    masses: bool = False) -> None:
        """Call ``visit(layer, [values_i])`` per layer from ONE padded forward pass, in the calling thread.

        The streaming primitive: every other way of streaming layers is a thin
        adapter over it (a batch of one is the single case).

        ``sources`` are sequences, chains, records or :class:`Job` objects;
        ``values_i`` is protein ``i``'s float32 ``(n_heads, L_i, L_i)`` over its
        observed residues (up to float rounding, the padded keys get zero
        attention but the sums run over a longer row).  With ``masses=True`` the
        visitor is called as ``visit(layer, values, special, unobserved)``, the
        last two lists of float32 ``(n_heads, L_i)``: what each residue sends to
        special tokens and to residues read but not observed.

        Proteins are right-padded to the longest and masked.  One layer of the
        batch is on the device at a time (the capture's).  A forward pass in a
        second thread runs 1.4x slower on a 2-core CPU (the first thread's
        OpenMP workers spin on the cores it needs), so this runs in the calling
        thread.  Arrays may be read-only views of the capture's buffer, valid
        only during the call: copy what you keep.  Proteins the cache holds in
        float32 (with their masses, when asked for) are served from there and do
        not run; nothing is stored (statistics never count the float16 copy).
        """
        self._visit(self._jobs(sources), visit, use_cache, masses, copy=False)

    def visit_layer_attention(self, source: str | ChainLike | Job, visit: LayerVisitor, *,
                              sequence: str | None = None, use_cache: bool = True, masses: bool = False) -> None:
        """:meth:`visit_layer_attention_batch` of one protein: ``visit(layer, values)``, ``values`` float32
        ``(n_heads, L, L)`` (``visit(layer, values, special, unobserved)`` with ``masses=True``)."""
        job = source if isinstance(source, Job) else self._job(source, sequence)
        self._visit([job], lambda layer, *arrays: visit(layer, *(a[0] for a in arrays)), use_cache, masses,
                    copy=False)

    def iter_layer_attention_batch(self, sources, *, use_cache: bool = True
                                   ) -> Iterator[tuple[int, list[np.ndarray]]]:
        """Yield ``(layer, [values_i])``: :meth:`visit_layer_attention_batch` as an iterator.

        The forward pass runs in a thread that waits for the consumer, so one
        layer is held at a time; the arrays are the consumer's to keep.  Do
        not call the same model from inside the loop.
        """
        jobs = self._jobs(sources)  # bad input raises here, not at the first next()
        return self._stream(lambda put: self._visit(jobs, lambda layer, values: put((layer, values)), use_cache,
                                                    False, copy=True))

    def iter_layer_attention(self, source: str | ChainLike, sequence: str | None = None, *,
                             use_cache: bool = True) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(layer, values)`` for each layer from ONE forward pass, in full float32 precision.

        ``values`` has shape ``(n_heads, L, L)``, float32, over the observed
        residues (as :meth:`attention`); :meth:`iter_layer_attention_batch` of one.
        """
        stream = self.iter_layer_attention_batch([self._job(source, sequence)], use_cache=use_cache)
        return ((layer, values[0]) for layer, values in stream)

    def _jobs(self, sources) -> list[Job]:
        return [source if isinstance(source, Job) else self._job(source, None) for source in sources]

    def _visit(self, jobs: list[Job], visit: LayerVisitor, use_cache: bool, masses: bool, copy: bool) -> None:
        """The visitor behind every stream: the cache's float32 entries, one forward pass of the rest."""
        cached = {index: stored for index, job in enumerate(jobs)
                  if (stored := self._cached_float32(job, use_cache, masses)) is not None}
        run = [index for index in range(len(jobs)) if index not in cached]

        def deliver(layer: int, computed: list) -> None:
            arrays: list[list] = [[None] * len(jobs) for _ in range(3 if masses else 1)]
            for index, parts in zip(run, computed):
                for kind in range(len(arrays)):
                    arrays[kind][index] = (_to_host if copy else _host_view)(parts[kind])
            for index, (values, stored_masses) in cached.items():
                arrays[0][index] = np.asarray(values[layer])
                if masses:
                    arrays[1][index], arrays[2][index] = stored_masses[0, layer], stored_masses[1, layer]
            visit(layer, *arrays)

        if run:
            self._forward([jobs[index] for index in run], deliver)
        else:
            for layer in range(self.n_layers):
                deliver(layer, [])

    def _cached_float32(self, job: Job, use_cache: bool, masses: bool) -> tuple[np.ndarray, Any] | None:
        """``(values, masses)`` from the cache when full precision (and with masses when asked for), else None."""
        if not use_cache or job.key not in self.cache:
            return None
        stored = self.cache.get(job.key)
        if stored is None or stored.dtype != np.float32:
            return None
        stored_masses = self.cache.get(job.cache_key("token_masses")) if masses else None
        if masses and stored_masses is None:
            return None
        return stored, stored_masses

    def hidden_states(self, source: str | ChainLike, *, sequence: str | None = None,
                      use_cache: bool = True) -> np.ndarray:
        """The output of every layer for every residue (for probing classifiers).

        Returns
        -------
        ndarray, shape=(n_layers, L, hidden_size), float32
            ``[l]`` is layer ``l``'s output (0-based; the input embeddings are
            not included); special tokens removed and restricted to the
            observed residues as for :meth:`attention`.  Cached in the same
            cache as attention (always float32).
        """
        job = self._job(source, sequence)
        key = job.cache_key("hidden_states")
        values = self.cache.get(key) if use_cache else None
        if values is None:
            values = self._compute_hidden_states(job)
            values = self.cache.put(key, values) if use_cache else _read_only(values)
        return values

    def job(self, source: str | ChainLike, sequence: str | None = None) -> Job:
        """Resolve ``source`` once into a :class:`Job` (what the visitors and iterators accept); bad input raises here."""
        return self._job(source, sequence)

    def _job(self, source: str | ChainLike, sequence: str | None) -> Job:
        """What to run: the model sequence, the observed residues' positions in it, the cache key."""
        if not hasattr(source, "sequence") and isinstance(getattr(source, "chain_ids", None), list):
            ids = source.chain_ids
            raise InvalidSequenceError(
                f"attention is computed per chain, got the whole structure {getattr(source, 'name', '')!r} (chains "
                f"{', '.join(ids)}); pass one chain, e.g. model.attention(structure[{ids[0]!r}])"
                + (f" or structure[{ids[1]!r}]" if len(ids) > 1 else ""))
        model_input = getattr(source, "model_input", None)
        if sequence is not None and not callable(model_input):
            raise InvalidSequenceError("sequence= applies to a chain or record that has model_input(); for a bare "
                                       "sequence pass the sequence itself")
        if isinstance(source, str) or not hasattr(source, "sequence"):
            observed = clean_sequence(source)
            residue_ids = tuple(map(str, range(1, len(observed) + 1)))
            chain_id = structure_name = None
        else:
            observed = clean_sequence(source.sequence)
            residue_ids = tuple(source.residue_ids)
            chain_id = getattr(source, "chain_id", None)
            structure_name = getattr(source, "structure_name", None)
        if callable(model_input):
            given = _as_model_input(model_input(sequence))  # ModelInput checked the positions
            model_sequence, positions, source_kind = clean_sequence(given.sequence), given.positions, str(given.source)
            if len(positions) != len(observed) or len(model_sequence) != len(given.sequence):
                raise InvalidSequenceError(
                    f"model_input gave {len(positions)} positions for {len(observed)} observed residues in a "
                    f"{len(given.sequence)}-residue model sequence")
        else:
            model_sequence, positions, source_kind = observed, np.arange(len(observed)), "observed"
            positions.setflags(write=False)
        if len(model_sequence) > self.max_length:
            raise SequenceTooLongError(
                f"the sequence the model reads has {len(model_sequence)} residues but {self.name} accepts at "
                f"most {self.max_length}. Take a window of it, e.g. chain.truncate({self.max_length}) (counts "
                f"unobserved loops too) or sequence[:{self.max_length}]."
            )
        full = len(positions) == len(model_sequence)  # every residue observed: positions are arange
        key_sequence = model_sequence if full else (
            f"{model_sequence}@{hashlib.sha256(positions.astype('<i8').tobytes()).hexdigest()[:16]}")
        # The family is part of the key: two adapters may tokenise one checkpoint differently;
        # so is a dtype other than float32: half-precision attention never serves a float32 request.
        model_key = f"{self.family}:{self.name}" + ("" if self.dtype == "float32" else f"@{self.dtype}")
        key = CacheKey(model_key, self.revision, key_sequence, kind="attention")
        return Job(observed, residue_ids, chain_id, structure_name, model_sequence, positions, source_kind, key)


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


    def _tokens_of(self, job: Job) -> _Tokens:
        """Model inputs of ``job`` and the token rows/columns of its observed residues, specials and unobserved residues."""
        import torch

        inputs, token_positions = self.encode(job.model_sequence)
        n_tokens = int(inputs["input_ids"].shape[1])
        rows = token_positions[job.positions]
        unobserved = np.delete(token_positions, job.positions)
        special = np.setdiff1d(np.arange(n_tokens), token_positions)
        as_index = lambda indices: torch.as_tensor(indices, dtype=torch.long, device=self.device)  # noqa: E731
        if rows.size and rows[-1] - rows[0] + 1 == rows.size:  # usually: a free view
            rows = slice(int(rows[0]), int(rows[-1]) + 1)
        else:
            rows = as_index(rows)
        return _Tokens(inputs, rows, as_index(special), as_index(unobserved))

    def _forward(self, jobs: list[Job], sink: Callable[[int, list], None]) -> None:
        """ONE forward pass of ``jobs`` (right-padded when several); ``sink(layer, parts)`` per layer, ``parts[i]``
        = ``(values, special, unobserved)`` of job ``i``: float32 device tensors ``(n_heads, L, L)``,
        ``(n_heads, L)``, ``(n_heads, L)``, valid only during the call."""
        tokens = [self._tokens_of(job) for job in jobs]
        inputs = tokens[0].inputs if len(tokens) == 1 else self._padded([t.inputs for t in tokens])
        self._capture(inputs, lambda layer, weights: sink(layer, [_split(weights[b], t) for b, t in enumerate(tokens)]))

    def _padded(self, encoded: list[dict[str, Any]]) -> dict[str, Any]:
        """Model inputs right-padded to the longest (attention mask 0 on padding)."""
        import torch

        for inputs in encoded:  # padding is told apart by the mask
            inputs.setdefault("attention_mask", torch.ones_like(inputs["input_ids"]))
        width = max(inputs["input_ids"].shape[1] for inputs in encoded)
        pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        batch: dict[str, Any] = {}
        for name in encoded[0]:
            value = pad_id if name == "input_ids" else 0
            batch[name] = torch.cat([torch.nn.functional.pad(inputs[name], (0, width - inputs[name].shape[1]),
                                                             value=value) for inputs in encoded])
        return batch

    def _capture(self, inputs: dict[str, Any], on_layer: Callable[[int, Any], None]) -> None:
        """One forward pass of ``inputs``; ``on_layer(layer, weights)`` gets each layer's ``(batch, heads, T, T)``."""
        import torch

        layer = 0

        def sink(weights) -> None:
            nonlocal layer
            on_layer(layer, weights)
            layer += 1

        with self._lock, torch.inference_mode():
            with capturing(self.module, sink):
                self.module(**inputs)
            self.forward_count += 1
            if layer == 0:  # its attention bypasses AttentionInterface: ask for the weights the old way
                output = self.module(**inputs, output_attentions=True)
                self.forward_count += 1
                for weights in output.attentions or ():
                    sink(weights)
                del output
        if layer != self.n_layers:
            raise ModelLoadError(f"{self.name} ran {layer} attention layers through the capture, expected "
                                 f"{self.n_layers} (does its attention use transformers' AttentionInterface?)")

    def _compute_attention(self, job: Job, out: np.ndarray, masses: np.ndarray,
                           progress: Callable[[int, int], None] | None = None,
                           collector: StrongPairCollector | None = None) -> np.ndarray:
        """Fill ``out`` (n_layers, n_heads, L, L), any float dtype, possibly a memmap, and ``masses``
        (2, n_layers, n_heads, L) float32, layer by layer (and ``collector`` with each layer's strong
        pairs, from the float32 weights)."""
        import torch

        def store(layer: int, parts: list) -> None:
            block, special, unobserved = parts[0]
            prefaulter.wait(layer)
            torch.from_numpy(out[layer]).copy_(block)  # converts dtype and moves device -> host in one copy
            torch.from_numpy(masses[0, layer]).copy_(special)
            torch.from_numpy(masses[1, layer]).copy_(unobserved)
            if collector is not None:
                collector.add(layer, block, out[layer])
            if progress is not None:
                progress(layer + 1, self.n_layers)

        with LayerPrefaulter(out) as prefaulter:  # the buffer's page faults, off the forward pass
            self._forward([job], store)
        return out


    def _stream(self, produce: Callable[[Callable[[Any], None]], None]) -> Iterator[Any]:
        """Run ``produce(put)`` (a forward pass) in a thread that hands each item over and waits for the next
        request."""
        handoff: queue.Queue = queue.Queue(maxsize=1)
        stop = threading.Event()

        def put(item) -> None:
            while not stop.is_set():
                try:
                    handoff.put(item, timeout=0.05)
                    return
                except queue.Full:
                    continue
            raise _Stopped

        def run() -> None:
            try:
                produce(put)
                put(_DONE)
            except _Stopped:
                pass
            except BaseException as error:  # handed to the consumer, raised there
                try:
                    put(error)
                except _Stopped:
                    pass

        worker = threading.Thread(target=run, name="protattn-forward", daemon=True)
        worker.start()
        try:
            while True:
                item = handoff.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            worker.join()


    def _compute_hidden_states(self, job: Job) -> np.ndarray:
        import torch

        tokens = self._tokens_of(job)
        inputs, rows = tokens.inputs, tokens.rows
        with self._lock, torch.inference_mode():
            output = self.module(**inputs, output_hidden_states=True)
            self.forward_count += 1
            # hidden_states[0] is the embedding layer's output; [1:] are the layers'.
            return torch.stack([h[0][rows] for h in output.hidden_states[1:]]).float().cpu().numpy()

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



def _split(weights, tokens: _Tokens):
    """One protein's ``(heads, T, T)`` weights -> its observed block ``(heads, L, L)`` (a view when ``rows`` is a
    slice) and the mass each observed residue sends to special tokens and to unobserved residues ``(heads, L)``."""
    rows = weights[:, tokens.rows] if isinstance(tokens.rows, slice) else weights.index_select(1, tokens.rows)
    block = rows[:, :, tokens.rows] if isinstance(tokens.rows, slice) else rows.index_select(2, tokens.rows)
    special = rows.index_select(2, tokens.special).sum(-1)
    unobserved = rows.index_select(2, tokens.unobserved).sum(-1)  # zeros when every residue is observed
    return block, special, unobserved


def _as_model_input(given):
    """``given`` as a :class:`~protattn_widgets.structures.ModelInput` (whose constructor checks the positions)."""
    from ..structures import ModelInput

    if isinstance(given, ModelInput):
        return given
    try:
        return ModelInput(str(given.sequence), given.positions, str(given.source))
    except (ValueError, TypeError, AttributeError) as error:
        raise InvalidSequenceError(f"model_input() gave no usable model input: {error}; positions must be strictly "
                                   "increasing indices into the model sequence") from None


def _to_host(block) -> np.ndarray:
    """A float32 host copy of a device tensor (one copy: converts dtype and moves device -> host)."""
    import torch

    host = np.empty(tuple(block.shape), dtype=np.float32)
    torch.from_numpy(host).copy_(block)
    return host


def _host_view(block) -> np.ndarray:
    """``block`` as a read-only numpy array: a view when it is float32 on the CPU, else a host copy."""
    import torch

    if block.device.type == "cpu" and block.dtype == torch.float32:
        view = block.numpy()
        view.setflags(write=False)
        return view
    return _to_host(block)



def _read_only(values: np.ndarray) -> np.ndarray:
    values.setflags(write=False)
    return values
