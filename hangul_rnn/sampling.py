"""Streaming text generation: one decoding loop for the CLI, the TUI and the training loop's per-epoch sample.

The loop knows three things and the details of none: the network (:class:`hangul_rnn.runtime.Runtime`, NumPy: the
prompt is read once, then every new token costs one ``step`` of the recurrent cells carrying their states), the
strategy that picks tokens (a :class:`hangul_rnn.samplers.Sampler`: random with temperature/top-k/top-p, greedy,
beam search), and how ids become text (a per-level :class:`hangul_rnn.tokenizers.PieceDecoder`). It adds the stop
rules (``<eos>``, ``stop_at`` a line or sentence end) and the statistics. All samples of a run, and all beams,
are rows of one batch: one matrix product per layer per step for all of them.

The random sampler reads its :class:`SamplingOptions` *as they are at that moment*: the TUI changes temperature,
top-k or top-p while text streams and the next token uses the new values.

Text comes out as pieces, ready to print as they arrive (the piece decoders say how per level: jamo text only once
its syllables are complete, words with the spaces between them). With beam search a piece is shown once every
beam agrees on it, so it can never be taken back; the best beam's rest comes at the end. A beam whose text has
ended by the stop rules keeps its score and competes on the text it has (what it would say after its end does not
count); once a sample's best beam has ended no other can overtake it, and the sample is done.
Pieces are the generated text only; callers print the prompt themselves.

Typical use::

    stream = generate(bundle, "태조가", temperature=0.8, max_tokens=300, seed=1)
    for piece in stream:
        print(piece, end="", flush=True)
    print(stream.unknown, stream.stats.tokens_per_second)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from hangul_rnn.errors import UsageError
from hangul_rnn.samplers import BeamSampler, RandomSampler, Sampler, SamplingOptions, sample_next

__all__ = [
    "STOP_AT",
    "BeamSampler",
    "GenerationStats",
    "RandomSampler",
    "Sampler",
    "SamplingOptions",
    "StreamingDecoder",
    "TextStream",
    "generate",
    "generate_batch",
    "sample_next",
]

#: Values of ``stop_at``: stop after a line end, or after a sentence end (. ! ? or a line end).
STOP_AT: tuple[str, ...] = ("line", "sentence")

_SENTENCE_END = frozenset(".!?。…")


# --------------------------------------------------------------------------------------------------- stats


@dataclass
class GenerationStats:
    """Numbers about one run of the decoder (filled in while it streams)."""

    prompt_tokens: int = 0
    steps: int = 0  # tokens generated per sample (decoder steps taken)
    tokens: int = 0  # tokens generated over all samples
    time_to_first_token: float | None = None  # seconds from the call to the first sampled token, prompt read included
    elapsed: float = 0.0  # seconds from the call to the last sampled token

    @property
    def tokens_per_second(self) -> float:
        """Generated tokens (all samples) per second of decoding, prompt read included."""
        return self.tokens / self.elapsed if self.elapsed > 0 else 0.0


# --------------------------------------------------------------------------------------------------- decoder


def _unpack(source: Any) -> tuple[Any, Any]:
    """(network, tokenizer) from a Bundle, anything with ``.runtime`` or ``.model`` and ``.tokenizer``, or a
    ``(model or runtime, tokenizer)`` pair (the training loop samples a model that is not saved yet). The network
    is a :class:`Runtime`, or anything with its ``initial_state``/``read``/``step`` (``select`` for beams)."""
    from hangul_rnn.runtime import Runtime

    if isinstance(source, tuple) and len(source) == 2:
        network, tokenizer = source
    else:
        task = getattr(source, "task", None)
        if task and task != "generator":
            name = getattr(source, "name", "") or "this model"
            raise UsageError(f"model {name!r} is a {task}, not a generator; pick a generator model to generate text")
        tokenizer = getattr(source, "tokenizer", None)
        network = getattr(source, "runtime", None) if hasattr(type(source), "runtime") else None
        if network is None:
            network = getattr(source, "model", None)
        if tokenizer is None or network is None:
            raise UsageError("generate needs a generator bundle (or a (model, tokenizer) pair)")
    if not isinstance(network, Runtime) and not all(hasattr(network, a) for a in ("initial_state", "read", "step")):
        network = Runtime.from_keras(network)  # a Keras model: its current weights, in NumPy
    return network, tokenizer


def _is_conjoining_non_lead(ch: str) -> bool:
    """A conjoining vowel or trailing consonant: it would attach to the syllable before it."""
    return len(ch) == 1 and 0x1160 <= ord(ch) <= 0x11FF


#: Memory the decoding loop's per-step arrays may take (rows x vocabulary x float64 x the ~8 arrays a step holds).
DECODE_MEMORY_BUDGET = 2 << 30


def _check_batch(num_samples: int, num_beams: int | None, seed: int | None, vocab_size: int) -> None:
    """Refuse a seed numpy cannot take and a batch whose step arrays would not fit, before allocating anything."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                             or not 0 <= seed < 2**64):
        raise UsageError(f"the seed must be a whole number from 0 to 2**64-1, got {seed!r}")
    if num_beams is not None and (isinstance(num_beams, bool) or not isinstance(num_beams, (int, np.integer))
                                  or num_beams < 0):
        raise UsageError(f"the number of beams must be a whole number >= 0, got {num_beams!r}")
    rows = num_samples * max(1, int(num_beams or 1))
    need = rows * max(1, vocab_size) * 8 * 8
    if need > DECODE_MEMORY_BUDGET:
        raise UsageError(f"{rows:,} streams at once over a {vocab_size:,}-token vocabulary need about "
                         f"{need / 2**30:.1f} GiB per step (at most {DECODE_MEMORY_BUDGET / 2**30:.0f}); "
                         "ask for fewer samples or beams")


class StreamingDecoder:
    """The decoding loop over a generator; :meth:`stream` yields one list of pieces (one per sample) per step.

    ``source`` is a :class:`hangul_rnn.bundle.Bundle` (task "generator"), or any object with ``.runtime`` (or a
    Keras ``.model``) and ``.tokenizer``, or a ``(model, tokenizer)`` pair. The strategy is ``sampler`` when given;
    otherwise ``num_beams`` >= 1 means beam search (:class:`BeamSampler`) and the default is a
    :class:`RandomSampler` over ``options`` (read at every step) seeded with ``seed``. ``num_samples`` streams run
    in one batch from the same prompt. ``on_unknown`` is called once with the prompt's tokens the vocabulary lacks
    (they reach the model as ``<unk>``); they are also kept in :attr:`unknown`. :attr:`stats` fills in as it streams.
    """

    def __init__(
        self,
        source: Any,
        *,
        options: SamplingOptions | None = None,
        seed: int | None = None,
        num_samples: int = 1,
        on_unknown: Callable[[list[str]], None] | None = None,
        sampler: Sampler | None = None,
        num_beams: int | None = None,
    ) -> None:
        self.runtime, self.tokenizer = _unpack(source)
        if self.tokenizer.vocab is None:
            raise UsageError("the model's tokenizer has no vocabulary; it was never fitted")
        self.options = (options if options is not None else SamplingOptions()).validate()
        if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
            raise UsageError(f"the number of samples must be at least 1, got {num_samples!r}")
        self.num_samples = int(num_samples)
        _check_batch(self.num_samples, num_beams, seed, self.tokenizer.vocab_size)
        if sampler is None:
            sampler = BeamSampler(num_beams) if num_beams else RandomSampler(self.options, seed)
        self.sampler = sampler
        self.on_unknown = on_unknown
        self.unknown: list[str] = []
        self.stats = GenerationStats()
        self.runtime.initial_state(1)  # a model that cannot generate says so now, not at the first token
        self._build_tables()

    # ---- vocabulary tables, built once

    def _build_tables(self) -> None:
        from hangul_rnn.piece_decoders import piece_texts
        from hangul_rnn.vocabulary import BOS, EOS, PAD, UNK

        vocab = self.tokenizer.vocab
        self.kind: str = self.tokenizer.kind
        tokens = vocab.tokens
        self._texts = texts = piece_texts(self.tokenizer)
        self._newline = np.array([t == "\n" for t in texts], dtype=bool)
        self._has_text = np.array([bool(t.strip()) for t in texts], dtype=bool)
        self._sentence_end = np.array([t == "\n" or (bool(t.rstrip()) and t.rstrip()[-1] in _SENTENCE_END)
                                       for t in texts], dtype=bool)
        self.eos_id: int | None = vocab.id(EOS) if EOS in vocab else None
        #: Ids never drawn: padding, unknown, the start marker (they carry no text worth generating) and tokens
        #: never seen in training (reserved ids such as an unused ``<eos>``: the model cannot have learnt them).
        banned = {vocab.id(t) for t in (PAD, UNK, BOS) if t in vocab}
        counts = vocab.counts
        if any(counts.values()):
            unseen = {i for i, t in enumerate(tokens) if not counts.get(t)}
            if len(banned | unseen) < len(tokens):
                banned |= unseen
        self.banned: list[int] = sorted(banned)
        #: Ids not drawn as the first token after a jamo prompt: a typed prompt ends in a finished syllable, so a
        #: vowel or trailing consonant would not join it (it would show as a loose compatibility jamo).
        self._after_prompt_banned = self.banned
        if self.kind == "jamo":
            extra = [i for i, t in enumerate(tokens) if _is_conjoining_non_lead(t)]
            if len(extra) + len(self.banned) < len(tokens):
                self._after_prompt_banned = sorted(set(self.banned) | set(extra))
        newline = tokens[int(np.argmax(self._newline))] if self._newline.any() else None
        if newline is not None:
            self.start_id = vocab.id(newline)
        elif BOS in vocab:
            self.start_id = vocab.id(BOS)
        else:
            self.start_id = 1

    # ---- streaming

    def prompt_ids(self, prompt: str) -> list[int]:
        """The ids the model reads first: the prompt's, or the start token (newline) for an empty prompt."""
        if not isinstance(prompt, str):
            raise TypeError(f"a prompt is a str, not {type(prompt).__name__}")
        ids = self.tokenizer.encode(prompt) if prompt else []
        if not ids and prompt.strip():  # else it would be the empty prompt's continuation, without a word
            raise UsageError(f"the prompt {prompt[:40]!r} has nothing this model reads once cleaned (its cleaning "
                             f"'{self.tokenizer.clean}' drops it); give a prompt in the model's script, or none")
        return ids or [self.start_id]

    def stream(self, prompt: str = "", *, max_tokens: int = 200, stop_at: str | None = None) -> Iterator[list[str]]:
        """Validate, encode the prompt (reporting unknown tokens now), and return the step iterator.

        Each item is one piece per sample (``""`` where a sample produced no displayable text this step or has
        already stopped); the last item also carries what each sample's piece decoder held back.
        """
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, (int, np.integer)) or max_tokens < 1:
            raise UsageError(f"max tokens must be at least 1, got {max_tokens!r}")
        if stop_at not in (None, *STOP_AT):
            raise UsageError(f"unknown stop condition {stop_at!r}; choose one of: {', '.join(STOP_AT)}")
        prompt = "" if prompt is None else prompt
        ids = self.prompt_ids(prompt)
        self.unknown = self.tokenizer.unknown_tokens(prompt) if prompt.strip() else []
        if self.unknown and self.on_unknown is not None:
            self.on_unknown(list(self.unknown))
        return _Run(self, prompt, ids, int(max_tokens), stop_at).steps()


class _Run:
    """One run of the loop: the per-sample text state (piece decoders, stop rules) and the per-row token history."""

    def __init__(self, decoder: StreamingDecoder, prompt: str, ids: list[int], max_tokens: int,
                 stop_at: str | None) -> None:
        from hangul_rnn.piece_decoders import piece_decoder

        self.d = decoder
        self.prompt, self.ids, self.max_tokens, self.stop_at = prompt, ids, max_tokens, stop_at
        n = decoder.num_samples
        self.pieces = [piece_decoder(decoder.tokenizer, after=prompt, texts=decoder._texts) for _ in range(n)]
        last_line = prompt.rsplit("\n", 1)[-1]
        self.content = [bool(last_line.strip())] * n  # text on the current line, so a stop can trigger
        self.done = [False] * n
        self.emitted = [0] * n  # tokens of each sample's history already turned into text

    def _rule(self, tid: int, content: bool) -> tuple[bool, bool]:
        """The stop rules for one token: (does the text end with it, is there text on the current line after it)."""
        d = self.d
        if tid == d.eos_id:
            return True, content
        if d._newline[tid]:
            return self.stop_at is not None and content, False
        content = content or bool(d._has_text[tid])
        return self.stop_at == "sentence" and bool(d._sentence_end[tid]), content

    def _emit(self, s: int, tid: int) -> str:
        """Text for token ``tid`` of sample ``s``, applying the stop rules; flushes the sample when it stops."""
        if tid == self.d.eos_id:
            self.done[s] = True
            return self.pieces[s].flush()
        piece = self.pieces[s].push(tid)
        self.done[s], self.content[s] = self._rule(tid, self.content[s])
        if self.done[s]:
            piece += self.pieces[s].flush()
        return piece

    def _emit_all(self, s: int, history: list[int]) -> str:
        out = ""
        for tid in history[self.emitted[s]:]:
            if self.done[s]:
                break
            out += self._emit(s, int(tid))
        self.emitted[s] = len(history)
        return out

    def steps(self) -> Iterator[list[str]]:
        d, sampler = self.d, self.d.sampler
        n, k = d.num_samples, sampler.rows_per_sample
        has_prompt = bool(self.prompt.strip())
        d.stats = stats = GenerationStats(prompt_tokens=len(self.ids))
        beams = _Beams(self, n * k) if k > 1 else None

        t0 = time.perf_counter()
        sampler.start(n)
        logits, state = d.runtime.read(np.tile(np.asarray(self.ids, dtype=np.int64), (n * k, 1)))
        for step in range(self.max_tokens):
            banned = d._after_prompt_banned if (step == 0 and has_prompt) else d.banned
            next_ids, parents = sampler.get_next_token(beams.freeze(logits) if beams else logits, banned)
            now = time.perf_counter()
            if stats.time_to_first_token is None:
                stats.time_to_first_token = now - t0
            stats.elapsed = now - t0
            stats.steps += 1
            stats.tokens += self.done.count(False)
            if beams is not None:
                if not np.array_equal(parents, np.arange(len(parents))):
                    state = d.runtime.select(state, parents)
                beams.advance(parents, next_ids)
                out = self._beam_text(beams, sampler.best_rows(n))
            else:
                out = self._sample_text(next_ids)
            if all(self.done) or step == self.max_tokens - 1:
                best = sampler.best_rows(n)
                for s in range(n):
                    if not self.done[s]:
                        if beams is not None:
                            out[s] += self._emit_all(s, beams.histories[int(best[s])])
                        if not self.done[s]:  # cut by max_tokens: a syllable only just begun is dropped
                            out[s] += self.pieces[s].flush(cut=True)
                yield out
                return
            yield out  # finished samples keep stepping with the rest of the batch; their tokens are ignored
            logits, state = d.runtime.step(next_ids, state)

    def _sample_text(self, next_ids: np.ndarray) -> list[str]:
        """One row per sample: each new token's text."""
        out = [""] * len(self.done)
        for s in range(len(self.done)):
            if not self.done[s]:
                out[s] = self._emit(s, int(next_ids[s]))
                self.emitted[s] += 1
        return out

    def _beam_text(self, beams: _Beams, best: np.ndarray) -> list[str]:
        """What every beam of a sample agrees on can never change: show it now. A sample whose best beam has
        ended is done: no beam still going can score above it (scores only fall), so its text is the best beam's."""
        k = len(beams.histories) // len(self.done)
        out = [""] * len(self.done)
        for s in range(len(self.done)):
            if self.done[s]:
                continue
            if beams.ended[best[s]]:
                out[s] = self._emit_all(s, beams.histories[int(best[s])])
            else:
                out[s] = self._emit_all(s, _common_prefix(beams.histories[s * k : (s + 1) * k]))
        return out


class _Beams:
    """Per beam row: its tokens, whether its text has ended by the stop rules, and whether its line has text."""

    def __init__(self, run: _Run, rows: int) -> None:
        self.run = run
        self.histories: list[list[int]] = [[] for _ in range(rows)]
        self.ended = np.zeros(rows, dtype=bool)
        self.content = np.full(rows, bool(run.content[0]))

    def freeze(self, logits: np.ndarray) -> np.ndarray:
        """``logits`` with each ended row's distribution all on its own last token: a beam whose text has ended
        keeps its score (log 1 = 0) and its place among the beams, and competes with the rest on the text it has."""
        if not self.ended.any():
            return logits
        frozen = np.array(logits, copy=True)
        rows = np.flatnonzero(self.ended)
        frozen[rows] = -np.inf
        frozen[rows, [self.histories[r][-1] for r in rows]] = 0.0
        return frozen

    def advance(self, parents: np.ndarray, next_ids: np.ndarray) -> None:
        self.histories = [self.histories[p] + [int(t)] for p, t in zip(parents, next_ids)]
        self.ended, self.content = self.ended[parents], self.content[parents]
        for r in np.flatnonzero(~self.ended):
            self.ended[r], self.content[r] = self.run._rule(int(next_ids[r]), bool(self.content[r]))


def _common_prefix(rows: list[list[int]]) -> list[int]:
    first = rows[0]
    end = len(first)
    for row in rows[1:]:
        i = 0
        while i < end and row[i] == first[i]:
            i += 1
        end = i
    return first[:end]


class TextStream(Iterator[Any]):
    """The one stream type :func:`generate` and :func:`generate_batch` return.

    Iterating gives text pieces of the first sample, empty ones skipped (``generate``), or, for a batch, one list
    of pieces per step with one piece per sample (``generate_batch``). Alongside: :attr:`texts` (each sample's
    text so far), :attr:`stats`, :attr:`unknown`, :attr:`decoder`.
    """

    def __init__(self, decoder: StreamingDecoder, steps: Iterator[list[str]], *, batch: bool = False) -> None:
        self.decoder = decoder
        self.batch = batch
        self.texts = [""] * decoder.num_samples
        self._steps = steps

    def __iter__(self) -> TextStream:
        return self

    def __next__(self) -> Any:
        while True:
            pieces = next(self._steps)
            for i, piece in enumerate(pieces):
                if piece:
                    self.texts[i] += piece
            if self.batch:
                return pieces
            if pieces[0]:
                return pieces[0]

    @property
    def stats(self) -> GenerationStats:
        return self.decoder.stats

    @property
    def unknown(self) -> list[str]:
        return self.decoder.unknown


def _options(
    options: SamplingOptions | None, temperature: float | None, top_k: int | None, top_p: float | None
) -> SamplingOptions:
    """``options`` as given (the very object, so later changes are seen) unless single values are passed too."""
    if options is None:
        options = SamplingOptions()
    if temperature is not None:
        options.temperature = temperature
    if top_k is not None:
        options.top_k = top_k
    if top_p is not None:
        options.top_p = top_p
    return options.validate()


def generate(
    bundle: Any,
    prompt: str = "",
    *,
    options: SamplingOptions | None = None,
    temperature: float | None = None,
    top_k: int | None = None,
    top_p: float | None = None,
    max_tokens: int = 200,
    stop_at: str | None = None,
    seed: int | None = None,
    num_beams: int | None = None,
    sampler: Sampler | None = None,
    on_unknown: Callable[[list[str]], None] | None = None,
) -> TextStream:
    """Stream one sample's text pieces after ``prompt``. Errors in the arguments raise here, not at first ``next``.

    ``temperature``/``top_k``/``top_p`` set fields of ``options`` (a new :class:`SamplingOptions` when None); the
    options object is read before every token, so changing it while iterating changes the next token.
    ``num_beams`` >= 1 decodes by beam search instead (1 is greedy); ``sampler`` any other strategy.
    """
    return generate_batch(bundle, prompt, num_samples=1, options=options, temperature=temperature, top_k=top_k,
                          top_p=top_p, max_tokens=max_tokens, stop_at=stop_at, seed=seed, num_beams=num_beams,
                          sampler=sampler, on_unknown=on_unknown, _batch=False)


def generate_batch(
    bundle: Any,
    prompt: str = "",
    *,
    num_samples: int,
    options: SamplingOptions | None = None,
    temperature: float | None = None,
    top_k: int | None = None,
    top_p: float | None = None,
    max_tokens: int = 200,
    stop_at: str | None = None,
    seed: int | None = None,
    num_beams: int | None = None,
    sampler: Sampler | None = None,
    on_unknown: Callable[[list[str]], None] | None = None,
    _batch: bool = True,
) -> TextStream:
    """``num_samples`` samples from one prompt in one batch; each step yields one piece per sample.

    The returned :class:`TextStream` has ``.stats``, ``.unknown``, ``.texts`` and ``.decoder`` like
    :func:`generate`'s.
    """
    decoder = StreamingDecoder(bundle, options=_options(options, temperature, top_k, top_p), seed=seed,
                               num_samples=num_samples, on_unknown=on_unknown, sampler=sampler, num_beams=num_beams)
    return TextStream(decoder, decoder.stream(prompt, max_tokens=max_tokens, stop_at=stop_at), batch=_batch)
