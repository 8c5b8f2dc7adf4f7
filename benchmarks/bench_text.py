"""Throughput of hangul_rnn.jamo against other jamo libraries, measured in this run on real corpus text.

    python benchmarks/bench_text.py [--chars N] [--no-stem] [--stem-limit N]

The sample is NSMC reviews plus a slice of the Annals (half each), read from $HANGUL_RNN_CORPORA or
../shared/corpora. Every figure is chars/s of *original* text (best of 3, time.perf_counter) and every ratio is
ours / baseline on the same sample. Baselines:

- decompose: the `jamo` package's ``h2j`` (the reference; the target is ours >= 20x), plus ``jamotools`` and
  ``hgtk`` when installed (hgtk writes compatibility jamo with a ``ᴥ`` end-of-syllable marker, a different form).
- compose: the `jamo` package has no string-level j2h, so the baseline is ``jamo.j2h`` called once per
  lead+vowel(+tail) run found by a regex, and a naive per-character Python loop doing the Unicode arithmetic;
  plus ``jamotools.join_jamos`` and ``hgtk.text.compose`` (on hgtk's own decomposition) when installed.

hgtk is timed on the first 20,000 characters only (it runs at about 10K chars/s); its rate is still chars/s.

Preprocessing rows (on ``to_compat(decompose(sample))``, the sample spelled in compatibility jamo):

- from_compat: ``compose(from_compat(x))`` (syllables, the peers' output) and ``from_compat`` alone, against
  ``hangul_jamo.compose``, ``jamotools.join_jamos`` and ``hangul_utils.join_jamos``, each skipped with the reason
  when not installed (``pip install -e '.[bench]'``); it prints how many lines of each peer's output differ from
  ours (the typed clusters and compound vowels a peer leaves apart, e.g. an NSMC review's 갈ㄱ, where we give 갉).
- compound split: ``jamo_forms.split_compound`` against a per-character dict loop; no peer splits compound jamo
  in a string (python-jamo 0.4.1 ships no ``decompose_jamo``), which the script says.

At the end it runs benchmarks/bench_stem.py's ``run(limit)`` unless --no-stem is given.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing
sys.path.insert(0, str(HERE))  # for bench_stem

from hangul_rnn import jamo as J  # noqa: E402

TARGET_DECOMPOSE_RATIO = 20.0
HGTK_CHARS = 20_000
_RUN_RE = re.compile("[\u1100-\u1112][\u1161-\u1175][\u11a8-\u11c2]?")


def corpora_dir() -> Path:
    env = os.environ.get("HANGUL_RNN_CORPORA")
    return Path(env) if env else HERE.parent.parent / "shared" / "corpora"


def load_sample(chars: int) -> str:
    """Half NSMC reviews (one per line), half Annals text, cut to `chars` characters."""
    root = corpora_dir()
    nsmc_path = root / "nsmc" / "ratings_test.txt"
    annals_path = root / "annals" / "annals_subset_ko.txt.gz"
    if not nsmc_path.is_file() or not annals_path.is_file():
        sys.exit(f"bench_text: corpora not found under {root}; "
                 "set HANGUL_RNN_CORPORA to a folder with nsmc/ and annals/")
    reviews = []
    size = 0
    with nsmc_path.open(encoding="utf-8") as f:
        next(f)  # header
        for line in f:
            review = line.rstrip("\n").split("\t")[1]
            reviews.append(review)
            size += len(review) + 1
            if size >= chars // 2:
                break
    nsmc = "\n".join(reviews)[: chars // 2]
    with gzip.open(annals_path, "rt", encoding="utf-8") as f:
        annals = f.read(chars - len(nsmc))
    return nsmc + "\n" + annals


def best_of_3(fn: Callable[[str], str], arg: str) -> tuple[float, str]:
    best = float("inf")
    result = ""
    for _ in range(3):
        start = time.perf_counter()
        result = fn(arg)
        best = min(best, time.perf_counter() - start)
    return best, result


def naive_compose(text: str) -> str:
    """What one writes without tables: walk the string, do the Unicode arithmetic per syllable."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = ord(text[i])
        if 0x1100 <= c <= 0x1112 and i + 1 < n and 0x1161 <= ord(text[i + 1]) <= 0x1175:
            s = 0xAC00 + ((c - 0x1100) * 21 + ord(text[i + 1]) - 0x1161) * 28
            if i + 2 < n and 0x11A8 <= ord(text[i + 2]) <= 0x11C2:
                s += ord(text[i + 2]) - 0x11A7
                i += 3
            else:
                i += 2
            out.append(chr(s))
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def report(label: str, seconds: float, chars: int, ours: float | None = None) -> float:
    rate = chars / seconds
    ratio = f"   ours/this = {ours / rate:6.1f}x" if ours is not None else ""
    print(f"  {label:<44} {rate / 1e6:8.2f} M chars/s{ratio}")
    return rate


def bench_jamo(chars: int) -> None:
    text = load_sample(chars)
    n = len(text)
    hangul = sum(1 for c in text if J.is_hangul_syllable(c))
    print(f"sample: {n:,} chars ({hangul / n:.0%} Hangul syllables) from {corpora_dir()}")

    import jamo as jamo_pkg

    print("decompose (syllables -> conjoining jamo)")
    t, ours_d = best_of_3(J.decompose, text)
    ours = report("hangul_rnn.jamo.decompose", t, n)
    t, out = best_of_3(lambda s: s.translate(J._DECOMPOSE_TABLE), text)
    assert out == ours_d
    report("  (its str.translate path alone)", t, n, ours)
    t, out = best_of_3(jamo_pkg.h2j, text)
    assert out == ours_d, "jamo.h2j disagrees with hangul_rnn.jamo.decompose"
    h2j_rate = report("jamo.h2j (reference)", t, n, ours)
    try:
        import jamotools
    except ImportError:
        print("  jamotools: not installed, skipped")
    else:
        t, out = best_of_3(lambda s: jamotools.split_syllables(s, jamo_type="JAMO"), text)
        report("jamotools.split_syllables(JAMO)", t, n, ours)
    try:
        import hgtk
    except ImportError:
        print("  hgtk: not installed, skipped")
        hgtk = None
    else:
        # hgtk is ~10,000x slower than ours: timed on a slice so the script ends in seconds, not minutes
        head = text[:HGTK_CHARS]
        t, hgtk_jamo = best_of_3(hgtk.text.decompose, head)
        report(f"hgtk.text.decompose (compat+ᴥ, {len(head):,} ch)", t, len(head), ours)
    ratio = ours / h2j_rate
    verdict = "met" if ratio >= TARGET_DECOMPOSE_RATIO else "NOT met"
    print(f"  target decompose >= {TARGET_DECOMPOSE_RATIO:.0f}x jamo.h2j: {ratio:.1f}x, {verdict}")

    print("compose (conjoining jamo -> syllables; chars/s of original text)")
    t, out = best_of_3(J.compose, ours_d)
    assert out == text, "round trip failed on the sample"
    ours = report("hangul_rnn.jamo.compose", t, n)
    t, out = best_of_3(naive_compose, ours_d)
    assert out == text
    report("naive per-character Python loop", t, n, ours)
    t, out = best_of_3(lambda s: _RUN_RE.sub(lambda m: jamo_pkg.j2h(*m[0]), s), ours_d)
    assert out == text
    report("jamo.j2h per lead+vowel(+tail) run", t, n, ours)
    try:
        import jamotools
    except ImportError:
        pass
    else:
        t, out = best_of_3(jamotools.join_jamos, ours_d)
        report("jamotools.join_jamos", t, n, ours)
    if hgtk is not None:
        t, out = best_of_3(hgtk.text.compose, hgtk_jamo)
        report(f"hgtk.text.compose (own form, {len(head):,} ch)", t, len(head), ours)


def _peer(module: str, attr: str) -> Callable[[str], str] | None:
    try:
        imported = __import__(module)
    except ImportError:
        print(f"  {module}.{attr}: skipped, {module} is not installed (pip install -e '.[bench]')")
        return None
    return getattr(imported, attr)  # type: ignore[no-any-return]


def bench_prep(text: str) -> None:
    from hangul_rnn import jamo_forms as F

    compat = J.to_compat(J.decompose(text))
    n = len(compat)
    print(f"from_compat (compatibility jamo -> syllables; chars/s of the {n:,}-char compatibility-jamo form)")
    t, ours_out = best_of_3(lambda s: J.compose(J.from_compat(s)), compat)
    ours = report("compose(hangul_rnn.jamo.from_compat(x))", t, n)
    t, _ = best_of_3(J.from_compat, compat)
    report("  (from_compat alone, to conjoining jamo)", t, n)
    for module, attr in (("hangul_jamo", "compose"), ("jamotools", "join_jamos"), ("hangul_utils", "join_jamos")):
        peer = _peer(module, attr)
        if peer is not None:
            t, out = best_of_3(peer, compat)
            differ = sum(a != b for a, b in zip(out.split("\n"), ours_out.split("\n")))
            same = "same output" if out == ours_out else f"{differ} lines differ"
            report(f"{module}.{attr} ({same})", t, n, ours)

    print("compound split (ㄺ -> ㄹㄱ, ㅘ -> ㅗㅏ, ㄲ -> ㄱㄱ over the compatibility-jamo form)")
    t, out = best_of_3(F.split_compound, compat)
    ours = report("hangul_rnn.jamo_forms.split_compound", t, n)
    t, _ = best_of_3(lambda s: s.translate(F._SPLIT_TABLES[True]), compat)
    report("  (its str.translate path alone)", t, n, ours)
    parts = {c: "".join(F.split_jamo(c)) for c in set(compat) if F.is_compound_jamo(c)}
    t, naive = best_of_3(lambda s: "".join([parts.get(c, c) for c in s]), compat)
    assert naive == out
    report("per-character dict loop", t, n, ours)
    print("  peers: none splits compound jamo in a string (python-jamo 0.4.1 has no decompose_jamo; hgtk, "
          "jamotools, hangul-jamo, hangul-utils have no such function): row skipped")


def bench_stem(limit: int | None) -> None:
    try:
        import bench_stem
    except ImportError as exc:
        print(f"stemming benchmark skipped: benchmarks/bench_stem.py could not be imported ({exc})")
        return
    print("stemming benchmark (benchmarks/bench_stem.py)")
    bench_stem.run(limit)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chars", type=int, default=1_000_000, help="sample size in characters (default 1,000,000)")
    parser.add_argument("--stem", action=argparse.BooleanOptionalAction, default=True, help="also run bench_stem")
    parser.add_argument("--stem-limit", type=int, default=None, help="passed to bench_stem.run (default: its own)")
    args = parser.parse_args(argv)
    if args.chars < 1:
        parser.error("--chars must be at least 1")
    bench_jamo(args.chars)
    bench_prep(load_sample(args.chars))
    if args.stem:
        bench_stem(args.stem_limit)


if __name__ == "__main__":
    main()
