"""Build ``nsmc-raw/reviews.tsv.gz`` from the ``raw/*.json`` folder of e9t/nsmc, the corpus's canonical source.

Why a converter and not a download: upstream the corpus is 14,730 per-movie JSON files, not one file, and a training
run should not start 14,730 requests on its own. A user clones the repository once and converts it here::

    git clone https://github.com/e9t/nsmc
    python -m hangul_rnn.nsmc_raw nsmc/raw corpora/nsmc-raw/reviews.tsv.gz
    export HANGUL_RNN_CORPORA=$PWD/corpora

The TSV is what ``../shared/corpora/nsmc-raw`` holds: header ``review_id movie_id rating review``, rows sorted by
review id, each tab, CR or LF inside a review replaced by one space. Converting e9t/nsmc at cc0670e8 gives exactly
its uncompressed bytes (sha256 :data:`CONTENT_SHA256`, checked); only the gzip wrapper differs from the shared copy
(written by another gzip), which the manifest lists as a known copy.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
from pathlib import Path

from hangul_rnn import atomic
from hangul_rnn.errors import CorpusError, HangulRNNError

#: sha256 of the uncompressed TSV converted from e9t/nsmc at cc0670e872d4ac27bfe36c87456783004b39ef6c.
CONTENT_SHA256 = "5762168dbe7af992cd633d877b961214c660bf31f45d05e291ba5665fc18abc2"
HEADER = "review_id\tmovie_id\trating\treview\n"
_FIELDS = ("review_id", "movie_id", "rating", "review")
_SPACED = re.compile(r"[\t\r\n]")

__all__ = ["CONTENT_SHA256", "build", "tsv_text"]


def tsv_text(raw_dir: Path) -> str:
    """The TSV of every review in ``raw_dir/*.json`` (a list of review objects per movie), sorted by review id."""
    files = sorted(Path(raw_dir).glob("*.json"))
    if not files:
        raise CorpusError(f"no *.json files in {raw_dir}; point at the raw/ folder of a clone of e9t/nsmc")
    rows: list[tuple[int, str, str, str]] = []
    for path in files:
        try:
            reviews = json.loads(path.read_text(encoding="utf-8"))
            for r in reviews:
                rows.append((int(r["review_id"]), str(r["movie_id"]), str(r["rating"]), str(r["review"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise CorpusError(f"{path}: not a list of NSMC reviews with {', '.join(_FIELDS)} ({exc})") from None
    rows.sort()
    return HEADER + "".join(f"{i}\t{movie}\t{rating}\t{_SPACED.sub(' ', text)}\n" for i, movie, rating, text in rows)


def build(raw_dir: Path, dest: Path) -> tuple[int, str]:
    """Write ``dest`` (gzip, no name or time in the header, so it rebuilds byte for byte with one zlib);
    returns the number of reviews and the sha256 of the uncompressed TSV."""
    text = tsv_text(raw_dir)
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    def write(fh) -> None:
        with gzip.GzipFile(filename="", mode="wb", fileobj=fh, compresslevel=9, mtime=0) as f:
            f.write(data)

    atomic.write_with(Path(dest), write)
    return text.count("\n") - 1, digest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hangul_rnn.nsmc_raw", description=__doc__.split("\n\n")[0])
    parser.add_argument("raw_dir", type=Path, help="the raw/ folder of a clone of https://github.com/e9t/nsmc")
    parser.add_argument("dest", type=Path, help="where to write reviews.tsv.gz (e.g. CORPORA/nsmc-raw/reviews.tsv.gz)")
    args = parser.parse_args(argv)
    try:
        count, digest = build(args.raw_dir, args.dest)
    except HangulRNNError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    same = "the canonical content" if digest == CONTENT_SHA256 else f"NOT the canonical content ({CONTENT_SHA256})"
    print(f"{args.dest}: {count:,} reviews; uncompressed sha256 {digest}: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
