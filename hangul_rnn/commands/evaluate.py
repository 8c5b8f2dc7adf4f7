"""``hangul-rnn evaluate NAME [NAME ...]``: score a trained bundle on held-out data and print its metrics.

Several classifier names (or one ensemble saved with ``hangul-rnn ensemble``) are scored as one ensemble (their
class probabilities averaged), with each member's own accuracy listed beside the ensemble's. A single classifier
scored on its whole test split keeps the result in its
bundle's metrics (``test_accuracy``, ``test_loss``, ``test_examples``), where ``models`` and the TUI show it.
A classifier's report adds per-class precision, recall and F1, Cohen's kappa and a 95% interval on accuracy
(:mod:`hangul_rnn.confusion`); ``--against OTHER`` scores a second classifier on the same examples and tests the
difference with McNemar's exact test.
"""

from __future__ import annotations

import argparse
import json

from hangul_rnn.commands._console import byte_progress, count_progress, err_console, out_console


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("evaluate", help="score a trained model on held-out data")
    parser.add_argument("model", nargs="+",
                        help="installed model name or bundle folder; several classifiers are scored as an ensemble")
    parser.add_argument("--split", default="test",
                        help="corpus split (default test), or validation: the share of train held out while "
                             "training (generators without a test split always use their validation tail)")
    parser.add_argument("--corpus", default=None, metavar="SPEC",
                        help="score on another corpus than the model's own: text:FILE for a generator (cleaned by "
                             "its own rule, the whole file), tsv:FILE with the same labels for a classifier")
    parser.add_argument("--limit", type=int, default=None, help="first N documents only")
    parser.add_argument("--against", default=None, metavar="MODEL",
                        help="another classifier scored on the same examples: both accuracies, the examples only "
                             "one got right and McNemar's exact test of the difference")
    parser.add_argument("--adapt", type=float, default=0.0, metavar="LR",
                        help="generators: dynamic evaluation, an SGD step of this size on each window after it is "
                             "scored, so the model learns the held-out text as it reads it, as a compressor does "
                             "(default 0: fixed weights)")
    parser.add_argument("--streams", type=int, default=None, metavar="N",
                        help="generators: read the text as N contiguous streams at once (default: up to 64); "
                             "fewer streams mean more --adapt steps")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(handler=_evaluate)


def _evaluate(args: argparse.Namespace) -> int:
    from hangul_rnn.ensemble import Ensemble
    from hangul_rnn.evaluation import evaluate_against, evaluate_model, record_test_result

    bundles, members, against = _models(args)
    title = " + ".join(b.name for b in bundles)
    with count_progress(f"evaluating {title} on {args.split}") as update:
        if against is not None:
            result = evaluate_against(bundles[0], against, split=args.split, limit=args.limit, progress=update,
                                      corpus=args.corpus)
        else:
            model = bundles[0] if len(bundles) == 1 else Ensemble(members)
            result = evaluate_model(model, split=args.split, limit=args.limit, progress=update, corpus=args.corpus,
                                    streams=args.streams, adapt=args.adapt)
    if len(bundles) == 1 and record_test_result(bundles[0], result, split=args.split, limit=args.limit,
                                                corpus=args.corpus):
        err_console.print(f"[dim]test accuracy recorded in {bundles[0].name}'s metrics[/dim]")
    if args.json:
        print(json.dumps({"model": title, **result}, ensure_ascii=False, indent=2))
        return 0
    kind = bundles[0].task if len(members) == 1 else f"ensemble of {len(members)}"
    _print_result(title, kind, result, args.corpus is not None)
    return 0


def _models(args: argparse.Namespace) -> tuple[list, list, object]:
    """The named models, the networks they are scored as, and the ``--against`` model (or None); what evaluation
    will read is fetched here, after every check that needs no download."""
    from hangul_rnn.ensemble import Ensemble
    from hangul_rnn.errors import UsageError
    from hangul_rnn.evaluation import check_options

    if args.against is not None and len(args.model) > 1:
        raise UsageError("--against compares one model with one other; save several as one with 'hangul-rnn "
                         "ensemble' first")
    check_options(limit=args.limit, adapt=args.adapt, streams=args.streams)  # like the checks below: before a download
    bundles, members = _load(args.model)
    one_generator = args.against is None and len(members) == 1 and members[0].task == "generator"
    if (args.adapt or args.streams is not None) and not one_generator:  # said before any corpus is downloaded
        raise UsageError("--adapt and --streams apply to one generator (text read as streams); not to classifiers")
    if args.against is None:
        if args.corpus is not None and len(members) > 1:
            raise UsageError("--corpus scores one model at a time; give a single model name")
        _fetch_corpora(members, args.split, args.corpus)
        return bundles, members, None
    against = _load([args.against])[0][0]
    Ensemble([bundles[0], against])  # both classifiers with one set of labels: say so before downloading
    _fetch_corpora([*members, *getattr(against, "members", [against])], args.split, args.corpus)
    return bundles, members, against


def _print_result(title: str, kind: str, result: dict, foreign: bool) -> None:
    from rich.table import Table

    on = f"{result['corpus']} ({result['split']})" if foreign else result["split"]
    table = Table(title=f"{title} ({kind}) on {on}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in result.items():
        if key in ("confusion", "label_names", "task", "split", "members", "corpus", "per_class", "against",
                   "mcnemar", "accuracy_ci95"):
            continue
        table.add_row(key.replace("_", " "), _number(value))
        if key == "accuracy" and result.get("accuracy_ci95"):
            table.add_row("accuracy 95% interval", _interval(result["accuracy_ci95"]))
    out_console.print(table)
    if "per_class" in result:
        out_console.print(_per_class_table(result["per_class"]))
    if "confusion" in result:
        names = result["label_names"]
        matrix = Table(title="confusion matrix (rows: true, columns: predicted)")
        matrix.add_column("true \\ predicted")
        for name in names:
            matrix.add_column(str(name), justify="right")
        for name, row in zip(names, result["confusion"]):
            matrix.add_row(str(name), *(f"{n:,}" for n in row))
        out_console.print(matrix)
    if "members" in result:
        alone = Table(title="each member alone")
        alone.add_column("model")
        alone.add_column("accuracy", justify="right")
        for m in result["members"]:
            alone.add_row(m["model"], f"{m['accuracy']:.4f}")
        out_console.print(alone)
    if "against" in result:
        _print_comparison(title, result)


def _interval(bounds: list[float] | None) -> str:
    return f"{bounds[0]:.4f} – {bounds[1]:.4f}" if bounds else "—"


def _number(value: object) -> str:
    """A metric's cell: floats to 4 places, counts with separators, an undefined figure as a dash."""
    if value is None:
        return "—"
    return f"{value:,.4f}" if isinstance(value, float) else f"{value:,}"


def _per_class_table(rows: list[dict]):
    from rich.table import Table

    table = Table(title="per class (precision: of those predicted as it; recall: of those that are it)")
    table.add_column("class")
    for column in ("precision", "recall", "F1", "support"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(str(row["label"]), *(_number(row[k]) for k in ("precision", "recall", "f1", "support")))
    return table


def _print_comparison(title: str, result: dict) -> None:
    """Both models side by side and McNemar's test on the examples only one of them got right."""
    from rich.table import Table

    other, paired = result["against"], result["mcnemar"]
    table = Table(title=f"{title} against {other['model']} on the same {result['examples']:,} examples")
    for column in ("model", "accuracy", "95% interval", "macro F1", "kappa", "only it right"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for name, scored, alone in ((title, result, paired["only_a_right"]),
                                (other["model"], other, paired["only_b_right"])):
        table.add_row(name, _number(scored["accuracy"]), _interval(scored.get("accuracy_ci95")),
                      _number(scored.get("macro_f1")), _number(scored.get("kappa")), f"{alone:,}")
    out_console.print(table)
    p = paired["p_value"]
    verdict = "a real difference at the 5% level" if p < 0.05 else "no significant difference at the 5% level"
    out_console.print(f"McNemar's exact test: p = {p:.3g} ({verdict}; both right {paired['both_right']:,}, "
                      f"both wrong {paired['both_wrong']:,})", highlight=False)


def _load(names: list[str]) -> tuple[list, list]:
    """The models named, and the networks to score: a saved ensemble (``hangul-rnn ensemble NAME …``) is scored as
    its members, and keeps the result itself."""
    from hangul_rnn.bundle import Bundle, load_bundle
    from hangul_rnn.ensemble import Ensemble

    bundles = []
    for name in names:
        with err_console.status(f"loading {name} …"):
            bundles.append(load_bundle(name))
    members: list[Bundle] = []
    for loaded in bundles:
        members.extend(loaded.members if isinstance(loaded, Ensemble) else [loaded])
    return bundles, members


def _fetch_corpora(bundles: list, split: str, corpus: str | None = None) -> None:
    """Download what evaluation will read (a first evaluate on nsmc fetches its test split) with a byte bar, rather
    than inside the spinner where a slow download would look like a hang. Which split that is, and the error for
    one the corpus lacks, come from :func:`hangul_rnn.evaluation.evaluation_source`, before any download."""
    from hangul_rnn.evaluation import evaluation_source

    if len(bundles) > 1:
        from hangul_rnn.ensemble import Ensemble

        Ensemble(bundles)  # a generator among classifiers, or mixed labels: say so before downloading anything
    seen = set()
    for bundle in bundles:
        source, read = evaluation_source(bundle, split, corpus)
        if (source.spec, read) in seen:
            continue
        seen.add((source.spec, read))
        with byte_progress(f"fetching {source.name}/{read}") as update:
            source.paths(read, progress=update)
