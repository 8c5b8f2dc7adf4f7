"""Numbers as people read them, as plain strings: the CLI (rich) and the TUI (Textual) show the same figures the
same way, so a model's size or accuracy reads alike in `hangul-rnn models` and the Models tab."""

from __future__ import annotations

__all__ = ["short_count", "percent"]


def short_count(n: int | float) -> str:
    """801154 -> "801K", 2082393 -> "2.1M", 950 -> "950": parameter and token counts in a narrow column."""
    if n >= 1_000_000:
        return f"{n / 1e6:.1f}M"
    if n >= 1_000:
        return f"{n / 1e3:.0f}K"
    return f"{n:g}"


def percent(share: float) -> str:
    """0.86556 -> "86.6%": accuracies, one decimal (the second is noise at NSMC's 50K test reviews)."""
    return f"{share:.1%}"


def duration(seconds: float) -> str:
    """A rough, readable duration for an estimate ("40s", "12 min", "3.5 h")."""
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
