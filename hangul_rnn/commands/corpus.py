"""``hangul-rnn corpus list|info|stats|download``: look at a corpus before training on it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.table import Table

from hangul_rnn.commands._console import byte_progress, count_progress, out_console
from hangul_rnn.stats import STAT_LEVELS, CorpusStats


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("corpus", help="list, inspect and download corpora")
    sub = parser.add_subparsers(dest="corpus_command", metavar="ACTION", required=True)

    p = sub.add_parser("list", help="built-in corpora and where their files are")
    p.set_defaults(handler=_list)

    p = sub.add_parser("info", help="size, documents and label balance of a corpus")
    p.add_argument("name", help="nsmc, annals, text:PATH or tsv:PATH")
    p.add_argument("--split", default=None, help="one split only (default: all)")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    p.set_defaults(handler=_info)

    p = sub.add_parser("stats", help="vocabulary size, token counts and a length histogram")
    p.add_argument("name", help="nsmc, annals, text:PATH or tsv:PATH")
    p.add_argument("--level", choices=list(STAT_LEVELS), default="word")
    p.add_argument("--split", default="train")
    p.add_argument("--limit", type=int, default=None, help="first N documents only")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    p.set_defaults(handler=_stats)

    p = sub.add_parser("download", help="download a built-in corpus (checked against its sha256)")
    p.add_argument("name", help="nsmc or annals")
    p.set_defaults(handler=_download)


def _list(args: argparse.Namespace) -> int:
    from hangul_rnn.corpora import get_corpus, list_corpora

    table = Table(title="corpora")
    for col in ("name", "kind", "splits", "where", "description"):
        table.add_column(col)
    for manifest in list_corpora():
        corpus = get_corpus(manifest.name)
        where = []
        for split in corpus.splits:
            try:
                where.append(str(corpus.path(split, download=False)))
            except Exception:  # noqa: BLE001 - "not here yet" is an answer, not an error
                where.append("(not downloaded)")
        table.add_row(manifest.name, corpus.kind, ", ".join(corpus.splits), "\n".join(where), manifest.description)
    out_console.print(table)
    out_console.print("Also: text:PATH (any UTF-8 text, .gz too) and tsv:PATH (text and label columns).")
    return 0


def _info(args: argparse.Namespace) -> int:
    from hangul_rnn.corpora import get_corpus

    corpus = get_corpus(args.name)
    splits = [args.split] if args.split else list(corpus.splits)
    infos = []
    for split in splits:
        with byte_progress(f"fetching {corpus.name}/{split}") as update:
            corpus.path(split, progress=update)
        infos.append(corpus.info(split))
    if args.json:
        print(json.dumps([_as_dict(i) for i in infos], ensure_ascii=False, indent=2))
        return 0
    table = Table(title=f"corpus {corpus.name}")
    for col in ("split", "file", "bytes", "documents", "characters", "labels"):
        table.add_column(col, justify="right" if col in ("bytes", "documents", "characters") else "left")
    for split, info in zip(splits, infos):
        d = _as_dict(info)
        labels = d.get("label_counts") or {}
        total = sum(labels.values())
        names = corpus.label_names
        label_text = "\n".join(
            f"{names[int(k)] if str(k).isdigit() and int(k) < len(names) else k}: {v:,} ({v / total:.1%})"
            for k, v in sorted(labels.items())
        ) if total else "-"
        if d.get("excluded_documents"):  # nsmc-raw: the NSMC test reviews it never yields
            label_text = f"{d['excluded_documents']:,} excluded" if label_text == "-" else label_text
        table.add_row(
            split,
            Path(str(d.get("path") or "")).name,
            f"{d.get('bytes', 0):,}",
            f"{d.get('documents', 0):,}",
            f"{d.get('characters', 0):,}",
            label_text,
        )
    out_console.print(table)
    return 0


def _as_dict(info: object) -> dict:
    from dataclasses import asdict, is_dataclass

    d = asdict(info) if is_dataclass(info) and not isinstance(info, type) else dict(vars(info))
    return {k: (str(v) if k == "path" else v) for k, v in d.items()}


def _stats(args: argparse.Namespace) -> int:
    from hangul_rnn.stats import corpus_stats

    with count_progress(f"tokenizing {args.name} ({args.level})", total=args.limit) as update:
        stats = corpus_stats(args.name, level=args.level, split=args.split, limit=args.limit, progress=update)
    if args.json:
        print(json.dumps(stats_as_dict(stats), ensure_ascii=False, indent=2))
        return 0
    render_stats(stats)
    return 0


def stats_as_dict(stats: CorpusStats) -> dict:
    return {
        "corpus": stats.corpus,
        "split": stats.split,
        "level": stats.level,
        "documents": stats.documents,
        "tokens": stats.tokens,
        "vocabulary": stats.vocabulary,
        "singletons": stats.singletons,
        "mean_length": round(stats.mean_length, 2),
        "max_length": stats.max_length,
        "length_p95": stats.percentile_length(95),
        "length_p99": stats.percentile_length(99),
        "histogram": stats.histogram(),
        "top_tokens": stats.top_tokens,
    }


def render_stats(stats: CorpusStats, width: int = 40) -> None:
    """Summary table plus a terminal histogram of document lengths (95% line marked)."""
    out_console.print(f"[bold]{stats.corpus}[/] / {stats.split} at level [bold]{stats.level}[/]")
    summary = Table(show_header=False)
    summary.add_column(style="bold")
    summary.add_column(justify="right")
    summary.add_row("documents", f"{stats.documents:,}")
    summary.add_row("tokens", f"{stats.tokens:,}")
    summary.add_row("vocabulary", f"{stats.vocabulary:,}")
    summary.add_row("seen once", f"{stats.singletons:,}")
    summary.add_row("mean length", f"{stats.mean_length:.1f}")
    summary.add_row("max length", f"{stats.max_length:,}")
    summary.add_row("95% of documents ≤", f"{stats.percentile_length(95):,} tokens")
    out_console.print(summary)
    rows = stats.histogram()
    peak = max((c for _, _, c in rows), default=1) or 1
    p95 = stats.percentile_length(95)
    for low, high, count in rows:
        bar = "█" * max(1 if count else 0, round(width * count / peak))
        label = f"{low}" if low == high else f"{low}-{high}"
        mark = "  ◀ 95%" if low <= p95 <= high else ""
        out_console.print(f"{label:>9} │{bar:<{width}} {count:,}{mark}", highlight=False)
    out_console.print("most frequent: " + "  ".join(f"{t}({c:,})" for t, c in stats.top_tokens[:10]), highlight=False)


def _download(args: argparse.Namespace) -> int:
    from hangul_rnn.corpora import get_corpus

    corpus = get_corpus(args.name)
    for split in corpus.splits:
        with byte_progress(f"{corpus.name}/{split}") as update:
            path = corpus.path(split, progress=update)
        out_console.print(f"{corpus.name}/{split}: {path}")
    return 0
