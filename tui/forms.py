"""Reading numbers out of form fields with inline error messages instead of exceptions."""

from __future__ import annotations

from textual.widgets import Input


class FormError(ValueError):
    """A form field holds something that is not what it asks for; the message is shown next to the form."""


def int_field(field: Input, label: str, *, minimum: int = 1, maximum: int | None = None) -> int:
    raw = field.value.strip()
    try:
        value = int(raw)
    except ValueError:
        raise FormError(f"{label} must be a whole number, not {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise FormError(f"{label} must be {bound}, got {value}")
    return value


def float_field(field: Input, label: str, *, minimum: float, maximum: float, inclusive_min: bool = True) -> float:
    raw = field.value.strip()
    try:
        value = float(raw)
    except ValueError:
        raise FormError(f"{label} must be a number, not {raw!r}") from None
    too_low = value < minimum if inclusive_min else value <= minimum
    if too_low or value > maximum:
        low = "[" if inclusive_min else "("
        raise FormError(f"{label} must be in {low}{minimum}, {maximum}], got {value}")
    return value


def float_value(field: Input, label: str) -> float:
    """The field's number, its range left to the caller's check (``TrainConfig.validate`` for a training option)."""
    raw = field.value.strip()
    try:
        return float(raw)
    except ValueError:
        raise FormError(f"{label} must be a number, not {raw!r}") from None
