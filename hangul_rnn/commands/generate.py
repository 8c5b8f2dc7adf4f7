"""``hangul-rnn generate``: stream text from a generator model to stdout as it is produced.

Pieces are written and flushed as they arrive. Several samples are generated together in one batch; the first is
streamed live and the others are printed after it, each separated by a blank line. Notes (unknown prompt words,
speed) go to stderr so that stdout stays the text alone. ``--beam N`` decodes by beam search: text appears once
every beam agrees on it. Nothing here imports TensorFlow: the network runs on :mod:`hangul_rnn.runtime`.
"""

from __future__ import annotations

import argparse
import sys

DEFAULT_MODEL = "annals-syllable"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("generate", help="stream text from a generator model")
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"model name or folder (default: {DEFAULT_MODEL})")
    parser.add_argument("--prompt", default="", help="text to continue (default: start a new line)")
    parser.add_argument("--temperature", type=float, default=1.0, help="0 = greedy, higher = more varied (1.0)")
    parser.add_argument("--top-k", type=int, default=0, help="sample from the k most likely tokens only (0 = off)")
    parser.add_argument("--top-p", type=float, default=1.0, help="nucleus sampling mass in (0, 1] (1 = off)")
    parser.add_argument("--max-tokens", type=int, default=200,
                        help="tokens to generate per sample, in the model's own unit: jamo, syllables or words as "
                             "it was trained (--level; `hangul-rnn models` shows it): the shipped annals-syllable "
                             "counts syllables; a jamo model counts jamo, 2-3 a syllable (default: 200)")
    parser.add_argument("--num-samples", type=int, default=1, help="samples generated together in one batch (1)")
    parser.add_argument("--seed", type=int, default=None, help="random seed for reproducible samples")
    parser.add_argument("--beam", type=int, default=0, metavar="N",
                        help="beam search with N beams instead of sampling (1 = greedy; 0 = off, the default)")
    parser.add_argument("--stop-at", choices=("line", "sentence"), default=None, help="stop at a line/sentence end")
    parser.set_defaults(handler=_generate)


def _checked_options(args: argparse.Namespace):  # -> SamplingOptions
    """The sampling options, after refusing out-of-range counts with one-line usage errors."""
    from hangul_rnn.errors import UsageError
    from hangul_rnn.sampling import SamplingOptions

    options = SamplingOptions(args.temperature, args.top_k, args.top_p).validate()
    if args.max_tokens < 1:
        raise UsageError(f"--max-tokens must be at least 1, got {args.max_tokens}")
    if args.num_samples < 1:
        raise UsageError(f"--num-samples must be at least 1, got {args.num_samples}")
    if args.beam < 0:
        raise UsageError(f"--beam must be at least 1 (0 = sampling), got {args.beam}")
    return options


def _generate(args: argparse.Namespace) -> int:
    from hangul_rnn.commands._console import err_console, out_console

    options = _checked_options(args)  # the cheap checks, before loading the model

    from hangul_rnn.bundle import load_bundle, require_task
    from hangul_rnn.sampling import generate_batch

    bundle = require_task(load_bundle(args.model), "generator")

    def note_unknown(tokens: list[str]) -> None:
        shown = ", ".join(repr(t) if t.strip() != t or not t else t for t in tokens[:20])
        more = f" (+{len(tokens) - 20} more)" if len(tokens) > 20 else ""
        print(f"note: unknown to the model: {shown}{more}", file=sys.stderr)

    stream = generate_batch(
        bundle,
        args.prompt,
        num_samples=args.num_samples,
        options=options,
        max_tokens=args.max_tokens,
        stop_at=args.stop_at,
        seed=args.seed,
        num_beams=args.beam or None,
        on_unknown=note_unknown,
    )
    styled = out_console.is_terminal
    out = sys.stdout

    def write_prompt() -> None:
        if not args.prompt:
            return
        if styled:
            out_console.print(args.prompt, style="bold", end="", markup=False, highlight=False, soft_wrap=True)
            out_console.file.flush()
        else:
            out.write(args.prompt)

    texts = [""] * args.num_samples
    write_prompt()
    out.flush()
    for pieces in stream:
        for i, piece in enumerate(pieces):
            texts[i] += piece
        if pieces[0]:
            out.write(pieces[0])
            out.flush()
    if not texts[0].endswith("\n"):
        out.write("\n")
    for text in texts[1:]:
        out.write("\n")
        write_prompt()
        out.write(text)
        if not text.endswith("\n"):
            out.write("\n")
    out.flush()

    stats = stream.stats
    if err_console.is_terminal and stats.steps:
        ttft = (stats.time_to_first_token or 0.0) * 1000
        err_console.print(
            f"[dim]{stats.tokens} tokens · first token {ttft:.0f} ms · {stats.tokens_per_second:.0f} tokens/s[/dim]"
        )
    return 0
