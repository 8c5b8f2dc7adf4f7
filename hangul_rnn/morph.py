"""Kiwi morpheme stems: content morphemes of a text, with verbs and adjectives as lemmas.

``stem("재미있을 것 같아요")`` gives ``["재미있다", "같다"]``: particles, endings, suffixes and punctuation are
dropped, nouns/adverbs/determiners/foreign words/numbers are kept as Kiwi writes them, and every verb-like
morpheme (VV, VA, VX, VCN, including Kiwi's ``-I``/``-R`` irregular/regular variants such as ``VV-I``) becomes its
dictionary form, stem + ``다`` (Kiwi already restores irregular stems: 들었다 → 듣 → 듣다).

Why it looks like this:

- kiwipiepy is imported only inside functions, so ``import hangul_rnn.morph`` costs nothing; the model takes a
  couple of seconds to load and is loaded once per worker count (:func:`get_kiwi`).
- :func:`stem_batch` hands the whole iterable to ``Kiwi.tokenize``, which analyses it on worker threads while this
  thread filters the results; the filter is a single dict lookup per morpheme so it keeps up with Kiwi.
- :func:`cached_stem_batch` keeps corpus-sized results on disk (gzip JSON lines, never pickle), keyed by the texts,
  the stop tags, the kiwipiepy version and :data:`CACHE_VERSION`; re-stemming NSMC's 200K reviews takes minutes.
  The folder is pruned least-recently-used first to :data:`CACHE_MAX_BYTES`.
- One Kiwi serves every thread without a lock: the TUI scores single sentences while a training run stems a
  corpus, and a lock would stall the scorer for the whole batch. Kiwi's analysis is re-entrant (a test checks it).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hangul_rnn import atomic, lru, paths
from hangul_rnn.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from kiwipiepy import Kiwi

__all__ = [
    "CACHE_VERSION",
    "DEFAULT_STOP_TAGS",
    "LEMMA_TAGS",
    "PROGRESS_EVERY",
    "cached_stem_batch",
    "get_kiwi",
    "kiwi_version",
    "stem",
    "stem_batch",
]

#: Bump when the output of :func:`stem_batch` changes for the same input (filter rules, lemma rules), so old cache
#: files are no longer used.
CACHE_VERSION = 1

#: Morphemes of these tags are dropped by default (Kiwi / Sejong tag set). Kept, by not being listed: nouns NNG NNP
#: NR NP, verbs/adjectives VV VA VX (auxiliaries carry negation: 않다, 못하다) and VCN (아니다), determiners MM,
#: adverbs MAG MAJ (안, 못, 하지만), interjections IC, roots XR, foreign words SL, hanja SH, numbers SN, other
#: symbols SW (ㅋㅋ, ㅠㅠ, ♥ — strong sentiment cues in reviews), emoji W_EMOJI, hashtags W_HASHTAG, unknown UN
#: and user tags. A tag Kiwi adds later is kept unless listed here.
DEFAULT_STOP_TAGS: frozenset[str] = frozenset(
    {
        # bound noun (것, 수, 때문) and the copula (이다): grammatical, in nearly every sentence
        "NNB",
        "VCP",
        # particles
        "JKS", "JKC", "JKG", "JKO", "JKB", "JKV", "JKQ", "JX", "JC",
        # endings
        "EP", "EF", "EC", "ETN", "ETM",
        # prefix and suffixes (XR, the root, is kept)
        "XPN", "XSN", "XSV", "XSA", "XSM",
        # punctuation, brackets, separators, list markers
        "SF", "SP", "SS", "SSO", "SSC", "SE", "SO", "SB",
        # one-off strings that only grow the vocabulary
        "W_URL", "W_EMAIL", "W_MENTION", "W_SERIAL",
        # Kiwi's split-off codas and saisiot
        "Z_CODA", "Z_SIOT",
    }
)

#: Base tags whose morphemes are written as lemmas (form + "다"). Kiwi marks conjugation with a suffix on the tag
#: (``VV-I`` irregular, ``VV-R`` regular); the part before ``-`` is what counts, both here and for stop tags.
LEMMA_TAGS: frozenset[str] = frozenset({"VV", "VA", "VX", "VCP", "VCN"})

#: The stem cache folder is pruned (least recently used files first) back to this size after each write. All of
#: NSMC stemmed one way takes about 8 MB, so this keeps dozens of corpus/option combinations.
CACHE_MAX_BYTES = 512 * 1024 * 1024

#: :func:`stem_batch` reports progress after every this many texts (and once at the end).
PROGRESS_EVERY = 1000

_DROP, _KEEP, _LEMMA = 0, 1, 2

_kiwis: dict[int, Kiwi] = {}
_kiwi_lock = threading.Lock()


def _resolve_workers(num_workers: int | None) -> int:
    if num_workers is None:
        return os.cpu_count() or 1
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 1:
        # Kiwi's 0 means "no worker threads", and then it cannot analyse an iterable at all
        raise UsageError(f"num_workers must be a whole number >= 1, not {num_workers!r}")
    return num_workers


def get_kiwi(num_workers: int | None = None) -> Kiwi:
    """The shared :class:`kiwipiepy.Kiwi` for ``num_workers`` threads (default ``os.cpu_count()``), made on first use.

    The model loads in a few seconds, so each worker count gets exactly one instance for the life of the process.
    ``num_workers`` below 1 is a :class:`UsageError` (Kiwi without worker threads cannot take a batch).
    """
    n = _resolve_workers(num_workers)
    kiwi = _kiwis.get(n)
    if kiwi is not None:
        return kiwi
    with _kiwi_lock:
        kiwi = _kiwis.get(n)
        if kiwi is None:
            from kiwipiepy import Kiwi  # imported here so that importing this module stays cheap

            kiwi = Kiwi(num_workers=n)
            _kiwis[n] = kiwi
    return kiwi


def kiwi_version() -> str:
    """The installed kiwipiepy version (part of the cache key: another analyser version may stem differently)."""
    import kiwipiepy

    return str(kiwipiepy.__version__)


class _TagFilter:
    """Maps each Kiwi tag to drop / keep / lemma once, so the per-morpheme work is one dict lookup."""

    __slots__ = ("_actions", "_stop")

    def __init__(self, stop_tags: Iterable[str]) -> None:
        if isinstance(stop_tags, str):
            raise UsageError("stop_tags must be a collection of tag names such as {'JKS', 'EF'}, not one string")
        self._stop = frozenset(stop_tags)
        self._actions: dict[str, int] = {}

    def action(self, tag: str) -> int:
        act = self._actions.get(tag)
        if act is None:
            base = tag.split("-", 1)[0]
            if tag in self._stop or base in self._stop:
                act = _DROP
            elif base in LEMMA_TAGS:
                act = _LEMMA
            else:
                act = _KEEP
            self._actions[tag] = act
        return act

    def stems(self, tokens: Iterable[Any]) -> list[str]:
        out: list[str] = []
        actions = self._actions
        for tok in tokens:
            tag = tok.tag
            act = actions.get(tag)
            if act is None:
                act = self.action(tag)
            if act == _KEEP:
                out.append(tok.form)
            elif act == _LEMMA:
                out.append(tok.form + "다")
        return out


def stem(text: str, *, stop_tags: Iterable[str] = DEFAULT_STOP_TAGS) -> list[str]:
    """Content morphemes of one text, verbs and adjectives as lemmas: ``stem("재미있을")`` → ``["재미있다"]``.

    Blank text gives ``[]``. For many texts use :func:`stem_batch`, which is several times faster.
    """
    if not isinstance(text, str):
        raise TypeError(f"stem() takes a str, not {type(text).__name__}")
    filt = _TagFilter(stop_tags)
    if not text.strip():
        return []
    return filt.stems(get_kiwi().tokenize(text))


def _checked(texts: Iterable[str]) -> Iterator[str]:
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"stem_batch() takes strings, got a {type(text).__name__}")
        yield text


def stem_batch(
    texts: Iterable[str],
    *,
    num_workers: int | None = None,
    stop_tags: Iterable[str] = DEFAULT_STOP_TAGS,
    progress: Callable[[int], None] | None = None,
) -> list[list[str]]:
    """:func:`stem` of every text, in order, analysed by Kiwi on ``num_workers`` threads (default: all cores).

    ``texts`` may be any iterable, a generator included; it is read once. ``progress(n_done)`` is called after every
    :data:`PROGRESS_EVERY` texts and once at the end, so a caller can draw a bar.
    """
    filt = _TagFilter(stop_tags)
    kiwi = get_kiwi(num_workers)
    results: list[list[str]] = []
    append = results.append
    stems = filt.stems
    if progress is None:
        for tokens in kiwi.tokenize(_checked(texts)):
            append(stems(tokens))
        return results
    next_report = PROGRESS_EVERY
    for tokens in kiwi.tokenize(_checked(texts)):
        append(stems(tokens))
        if len(results) >= next_report:
            progress(len(results))
            next_report += PROGRESS_EVERY
    progress(len(results))
    return results


# --------------------------------------------------------------------------------------------------- disk cache

_CACHE_FORMAT = "hangul-rnn/stems"


def _cache_key(texts: Sequence[str], stop_tags: frozenset[str]) -> str:
    h = hashlib.sha256()
    header = {
        "format": _CACHE_FORMAT,
        "cache_version": CACHE_VERSION,
        "kiwipiepy": kiwi_version(),
        "stop_tags": sorted(stop_tags),
        "count": len(texts),
    }
    h.update(json.dumps(header, sort_keys=True).encode("utf-8"))
    for text in texts:
        data = text.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))  # length prefix: no two different lists hash the same stream
        h.update(data)
    return h.hexdigest()


def _read_cache(path: Path, key: str, count: int) -> list[list[str]] | None:
    """The cached stems, or None where the file is missing; a damaged file gives a warning and None."""
    if not path.exists():
        return None
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            header = json.loads(f.readline())
            if not isinstance(header, dict) or header.get("key") != key or header.get("count") != count:
                raise ValueError("header does not match")
            loads = json.loads
            result: list[list[str]] = [loads(line) for line in f]
        if len(result) != count or not all(isinstance(r, list) for r in result):
            raise ValueError(f"holds {len(result)} rows, expected {count}")
        _touch(path)
        return result
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        warnings.warn(f"ignoring damaged stem cache {path} ({exc}); stemming again", RuntimeWarning, stacklevel=3)
        return None


def _touch(path: Path) -> None:
    """Mark a cache file as just used, so pruning removes the files no run has read for longest."""
    lru.touch(path)


def prune_cache(folder: Path, max_bytes: int | None = None) -> int:
    """Delete the least recently used stem files until ``folder`` holds at most ``max_bytes``; return bytes freed.

    Each corpus, stop-tag set and kiwipiepy version leaves its own files, and nothing else ever removes them;
    :func:`cached_stem_batch` calls this after each write. Files another process is writing (``*.tmp``) are left.
    """
    return lru.prune(folder, ("*.jsonl.gz",), CACHE_MAX_BYTES if max_bytes is None else max_bytes)


def _write_cache(path: Path, key: str, stems: list[list[str]]) -> None:
    """gzip JSON lines (a header, then one stem list per text), written atomically."""
    header = {"format": _CACHE_FORMAT, "key": key, "count": len(stems)}
    lines = [json.dumps(header)]
    lines.extend(json.dumps(s, ensure_ascii=False) for s in stems)
    atomic.write_bytes(path, gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=5, mtime=0))


def cached_stem_batch(
    texts: Sequence[str],
    *,
    stop_tags: Iterable[str] = DEFAULT_STOP_TAGS,
    num_workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    cache_dir: Path | None = None,
) -> list[list[str]]:
    """:func:`stem_batch` with its result kept on disk, so the same texts are stemmed once.

    The file is ``<cache_dir or paths.cache_dir()/"stems">/<sha256>.jsonl.gz``, the key covering the texts, the stop
    tags, the kiwipiepy version and :data:`CACHE_VERSION`. A damaged file is reported with a warning and rebuilt; a
    cache that cannot be written (read-only disk) is warned about and the stems are still returned.
    """
    if isinstance(stop_tags, str):
        raise UsageError("stop_tags must be a collection of tag names such as {'JKS', 'EF'}, not one string")
    if not isinstance(texts, Sequence):
        texts = list(texts)
    stop = frozenset(stop_tags)
    folder = Path(cache_dir) if cache_dir is not None else paths.cache_dir() / "stems"
    key = _cache_key(texts, stop)
    path = folder / f"{key}.jsonl.gz"
    cached = _read_cache(path, key, len(texts))
    if cached is not None:
        if progress is not None:
            progress(len(cached))
        return cached
    result = stem_batch(texts, num_workers=num_workers, stop_tags=stop, progress=progress)
    try:
        _write_cache(path, key, result)
        prune_cache(folder)
    except OSError as exc:
        warnings.warn(f"could not write stem cache {path} ({exc})", RuntimeWarning, stacklevel=2)
    return result
