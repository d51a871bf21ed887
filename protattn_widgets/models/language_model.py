"""A loaded protein language model that answers with residue-level attention."""

from __future__ import annotations

import hashlib
import queue
import threading
from dataclasses import dataclass
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

__all__ = ["ProteinLanguageModel", "ChainLike"]

_TOKEN_DECORATION = "▁Ġ#"  # sentencepiece / byte-BPE / wordpiece markers around a residue


class ChainLike(Protocol):
    """Anything with a sequence and author residue ids (a structure's chain)."""

    sequence: str
    residue_ids: list[str]


class _Stopped(Exception):
    """The consumer of :meth:`ProteinLanguageModel.iter_layer_attention` left early."""


_DONE = object()


@dataclass(frozen=True)
class _Job:
    """One attention request, resolved: observed residues, what the model reads, the cache key."""

    observed: str
    residue_ids: tuple[str, ...]
    chain_id: str | None
    structure_name: str | None
    model_sequence: str
    positions: np.ndarray  # index in model_sequence of each observed residue
    source_kind: str  # "observed" | "deposited" | "user"
    key: CacheKey

    @property
    def length(self) -> int:
        return len(self.observed)


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
            memmap) by the cache's size rule, see :class:`Attention`.
        """
        job = self._job(source, sequence)
        # A companion of the entry, captured in the same pass from the float32 weights.
        pairs_key = CacheKey(f"{job.key.model}:strong-pairs@{DEFAULT_FLOOR}", job.key.revision, job.key.sequence)
        values = self.cache.get(job.key) if use_cache else None
        if values is None:
            shape = (self.n_layers, self.n_heads, job.length, job.length)
            collector = StrongPairCollector(self.n_heads, job.length, DEFAULT_FLOOR)
            if use_cache:
                buffer = self.cache.allocate(job.key, shape)  # float16 / memmap by the cache's rule, filled in place
                try:
                    self._compute_attention(job, buffer, progress, collector)
                except BaseException:
                    self.cache.discard(buffer)
                    raise
                values = self.cache.put(job.key, buffer)
                strong = collector.result()
                self.cache.put(pairs_key, strong.to_array(), spill=False)
            else:
                buffer = np.empty(shape, dtype=np.float32)
                values = _read_only(self._compute_attention(job, buffer, progress, collector))
                strong = collector.result()
        else:  # the companion may have been evicted alone: the grid then counts from values
            stored = self.cache.get(pairs_key, count=False)
            strong = None if stored is None else StrongPairs.from_array(stored, DEFAULT_FLOOR)
        return Attention(values, job.observed, job.residue_ids, self.name, job.chain_id, job.structure_name,
                         model_sequence=job.model_sequence, model_positions=job.positions,
                         sequence_source=job.source_kind, strong_pairs=strong)

    def iter_layer_attention(self, source: str | ChainLike, sequence: str | None = None, *,
                             use_cache: bool = True) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(layer, values)`` for each layer from ONE forward pass, in full float32 precision.

        ``values`` has shape ``(n_heads, L, L)``, float32, over the observed
        residues (as :meth:`attention`).  Only one layer is held at a time
        (the forward pass waits for the consumer), so memory does not grow
        with the number of layers.  When the cache already holds this
        attention in float32 it is served from there and the model does not
        run; nothing is stored (statistics must not depend on the float16
        copy).  Do not call the same model from inside the loop.
        """
        job = self._job(source, sequence)  # bad input raises here, not at the first next()
        cached = self._cached_float32(job, use_cache)
        if cached is not None:
            return ((layer, np.asarray(cached[layer])) for layer in range(self.n_layers))
        return self._stream(lambda put: self._run_capture(job, lambda layer, block: put((layer, _to_host(block)))))

    def visit_layer_attention(self, source: str | ChainLike | _Job, visit: Callable[[int, np.ndarray], None], *,
                              sequence: str | None = None, use_cache: bool = True) -> None:
        """Call ``visit(layer, values)`` for each layer from ONE forward pass, in the calling thread.

        What :meth:`iter_layer_attention` yields, without its thread: a
        forward pass in a second thread runs 1.4x slower on a 2-core CPU
        (the first thread's OpenMP workers spin on the cores it needs).
        ``values`` may be a read-only view of the capture's buffer, valid only
        during the call: copy what you keep.
        """
        job = source if isinstance(source, _Job) else self._job(source, sequence)
        cached = self._cached_float32(job, use_cache)
        if cached is not None:
            for layer in range(self.n_layers):
                visit(layer, np.asarray(cached[layer]))
            return
        self._run_capture(job, lambda layer, block: visit(layer, _host_view(block)))

    def _cached_float32(self, job: _Job, use_cache: bool) -> np.ndarray | None:
        """The cache's copy when it is full precision (statistics never count the float16 one)."""
        stored = self.cache.get(job.key) if use_cache and job.key in self.cache else None
        return stored if stored is not None and stored.dtype == np.float32 else None

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
        key = CacheKey(f"{job.key.model}:hidden_states", job.key.revision, job.key.sequence)
        values = self.cache.get(key) if use_cache else None
        if values is None:
            values = self._compute_hidden_states(job)
            values = self.cache.put(key, values) if use_cache else _read_only(values)
        return values

    def job(self, source: str | ChainLike, sequence: str | None = None) -> _Job:
        """Resolve ``source`` once (what :meth:`iter_layer_attention_batch` accepts); bad input raises here."""
        return self._job(source, sequence)

    def _job(self, source: str | ChainLike, sequence: str | None) -> _Job:
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
            given = model_input(sequence)
            model_sequence = clean_sequence(given.sequence)
            positions = np.asarray(given.positions, dtype=np.int64).reshape(-1)
            source_kind = str(given.source)
            if (len(positions) != len(observed) or (positions.size and (positions[0] < 0
                    or positions[-1] >= len(model_sequence) or np.any(np.diff(positions) <= 0)))):
                raise InvalidSequenceError(
                    f"model_input gave {len(positions)} positions for {len(observed)} observed residues in a "
                    f"{len(model_sequence)}-residue model sequence; they must be strictly increasing indices")
        else:
            model_sequence, positions, source_kind = observed, np.arange(len(observed)), "observed"
        if len(model_sequence) > self.max_length:
            raise SequenceTooLongError(
                f"the sequence the model reads has {len(model_sequence)} residues but {self.name} accepts at "
                f"most {self.max_length}. Take a window of it, e.g. chain.truncate({self.max_length}) (counts "
                f"unobserved loops too) or sequence[:{self.max_length}]."
            )
        positions.setflags(write=False)
        full = len(positions) == len(model_sequence)  # every residue observed: positions are arange
        key_sequence = model_sequence if full else (
            f"{model_sequence}@{hashlib.sha256(positions.astype('<i8').tobytes()).hexdigest()[:16]}")
        # The family is part of the key: two adapters may tokenise one checkpoint differently;
        # so is a dtype other than float32: half-precision attention never serves a float32 request.
        model_key = f"{self.family}:{self.name}" + ("" if self.dtype == "float32" else f"@{self.dtype}")
        key = CacheKey(model_key, self.revision, key_sequence)
        return _Job(observed, residue_ids, chain_id, structure_name, model_sequence, positions, source_kind, key)

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

    def _tokens_of(self, job: _Job) -> tuple[dict[str, Any], slice | Any]:
        """Model inputs and the token rows of the observed residues (a slice when they are one run)."""
        import torch

        inputs, token_positions = self.encode(job.model_sequence)
        rows = token_positions[job.positions]
        if rows.size and rows[-1] - rows[0] + 1 == rows.size:  # usually: a free view
            return inputs, slice(int(rows[0]), int(rows[-1]) + 1)
        return inputs, torch.as_tensor(rows, device=self.device)

    def _run_capture(self, job: _Job, sink) -> None:
        """One forward pass; ``sink(layer, block)`` gets each layer's ``(n_heads, L, L)`` residue block."""
        inputs, rows = self._tokens_of(job)
        self._capture(inputs, lambda layer, weights: sink(layer, _residue_block(weights[0], rows)))

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

    def _compute_attention(self, job: _Job, out: np.ndarray, progress: Callable[[int, int], None] | None = None,
                           collector: StrongPairCollector | None = None) -> np.ndarray:
        """Fill ``out`` (n_layers, n_heads, L, L), any float dtype, possibly a memmap, layer by layer
        (and ``collector`` with each layer's strong pairs, from the float32 weights)."""
        import torch

        def store(layer: int, block) -> None:
            prefaulter.wait(layer)
            torch.from_numpy(out[layer]).copy_(block)  # converts dtype and moves device -> host in one copy
            if collector is not None:
                collector.add(layer, block, out[layer])
            if progress is not None:
                progress(layer + 1, self.n_layers)

        with LayerPrefaulter(out) as prefaulter:  # the buffer's page faults, off the forward pass
            self._run_capture(job, store)
        return out

    def iter_layer_attention_batch(self, sources, *, use_cache: bool = True
                                   ) -> Iterator[tuple[int, list[np.ndarray]]]:
        """Yield ``(layer, [values_i])`` for several proteins from ONE padded forward pass.

        ``sources`` are what :meth:`iter_layer_attention` takes (sequences,
        chains, records) or jobs from :meth:`job`; ``values_i`` is protein
        ``i``'s float32 ``(n_heads, L_i, L_i)`` over its observed residues,
        as :meth:`iter_layer_attention` gives it (up to float rounding: the
        padded keys get zero attention, but the sums run over a longer row).
        Proteins are right-padded to the longest and masked.  One layer of the
        batch is on the device at a time (the capture's), its residue blocks
        copied to the host before the next layer runs; the forward pass waits
        for the consumer.  Proteins the cache holds in float32 are served
        from there and do not run.
        """
        jobs, cached, run = self._batch_plan(sources, use_cache)
        if not run:
            return ((layer, [np.asarray(cached[i][layer]) for i in range(len(jobs))]) for layer in range(self.n_layers))
        stream = self._stream(lambda put: self._run_capture_batch(
            [jobs[i] for i in run], lambda layer, blocks: put((layer, [_to_host(b) for b in blocks]))))
        return _merge_cached(stream, run, cached, len(jobs))

    def visit_layer_attention_batch(self, sources, visit: Callable[[int, list[np.ndarray]], None], *,
                                    use_cache: bool = True) -> None:
        """Call ``visit(layer, [values_i])`` per layer from ONE padded forward pass, in the calling thread
        (:meth:`iter_layer_attention_batch` without its thread; views valid only during the call)."""
        jobs, cached, run = self._batch_plan(sources, use_cache)
        if not run:
            for layer in range(self.n_layers):
                visit(layer, [np.asarray(cached[i][layer]) for i in range(len(jobs))])
            return

        self._run_capture_batch([jobs[i] for i in run], lambda layer, blocks: visit(
            layer, _in_job_order(layer, [_host_view(b) for b in blocks], run, cached, len(jobs))))

    def _batch_plan(self, sources, use_cache: bool) -> tuple[list[_Job], dict[int, np.ndarray], list[int]]:
        """The jobs, those the cache serves in float32 (by index), and the indices that must run."""
        jobs = [source if isinstance(source, _Job) else self._job(source, None) for source in sources]
        cached = {index: stored for index, job in enumerate(jobs)
                  if (stored := self._cached_float32(job, use_cache)) is not None}
        return jobs, cached, [index for index in range(len(jobs)) if index not in cached]

    def _run_capture_batch(self, jobs: list[_Job], sink: Callable[[int, list], None]) -> None:
        """One padded forward pass; ``sink(layer, [residue block of each job])`` per layer (device tensors)."""
        inputs, rows = self._batch_tokens(jobs)
        self._capture(inputs, lambda layer, weights: sink(layer, [_residue_block(weights[b], r)
                                                                  for b, r in enumerate(rows)]))

    def _batch_tokens(self, jobs: list[_Job]) -> tuple[dict[str, Any], list]:
        """Model inputs of the jobs right-padded to the longest (attention mask 0 on padding), and each one's rows."""
        import torch

        encoded = [self._tokens_of(job) for job in jobs]
        for inputs, _ in encoded:  # padding is told apart by the mask
            inputs.setdefault("attention_mask", torch.ones_like(inputs["input_ids"]))
        width = max(inputs["input_ids"].shape[1] for inputs, _ in encoded)
        pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        batch: dict[str, Any] = {}
        for name in encoded[0][0]:
            value = pad_id if name == "input_ids" else 0
            batch[name] = torch.cat([torch.nn.functional.pad(inputs[name], (0, width - inputs[name].shape[1]),
                                                             value=value) for inputs, _ in encoded])
        return batch, [rows for _, rows in encoded]

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

    def _compute_hidden_states(self, job: _Job) -> np.ndarray:
        import torch

        inputs, rows = self._tokens_of(job)
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


def _residue_block(weights, rows):
    """``weights[:, rows][:, :, rows]`` of one protein's ``(heads, T, T)`` (a view when ``rows`` is a slice)."""
    return weights[:, rows, rows] if isinstance(rows, slice) else weights[:, rows][:, :, rows]


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


def _merge_cached(stream, run: list[int], cached: dict[int, np.ndarray], n: int):
    """Interleave the cache's layers with those a batched forward pass yields, in the jobs' order."""
    for layer, blocks in stream:
        yield layer, _in_job_order(layer, blocks, run, cached, n)


def _in_job_order(layer: int, blocks: list, run: list[int], cached: dict[int, np.ndarray], n: int) -> list:
    """Layer ``layer`` of all ``n`` jobs: ``blocks`` of those that ran (indices ``run``) and the cache's of the rest."""
    values: list = [None] * n
    for index, block in zip(run, blocks):
        values[index] = block
    for index, stored in cached.items():
        values[index] = np.asarray(stored[layer])
    return values


def _read_only(values: np.ndarray) -> np.ndarray:
    values.setflags(write=False)
    return values
