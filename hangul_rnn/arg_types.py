"""Type checks at the library's public edges: a wrong type is a TypeError that says what was expected.

Python's duck typing turns some wrong arguments into quiet wrong answers rather than errors: ``fit("a string")``
fits on the string's characters, ``decode([1.7])`` truncates to id 1, ``encode(b"...")`` sees no Hangul and
``encode(None)`` cleans to nothing. These checks are one line at each public entry point, cheap enough for
every call (an ``isinstance`` per argument, a generator wrapper per stream of texts).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from numbers import Integral
from typing import Any


def require_text(value: Any, what: str = "text") -> str:
    """``value`` if it is a ``str``; TypeError naming ``what`` and the type given otherwise."""
    if not isinstance(value, str):
        hint = " (decode bytes first, e.g. .decode('utf-8'))" if isinstance(value, (bytes, bytearray)) else ""
        raise TypeError(f"{what} must be a str, not {type(value).__name__}{hint}")
    return value


def require_texts(values: Any, what: str = "texts") -> Iterator[str]:
    """The items of an iterable of ``str``, each checked as it is read; a single ``str`` or ``bytes`` (which
    would iterate as characters or numbers) is a TypeError up front."""
    if isinstance(values, (str, bytes, bytearray)):
        raise TypeError(f"{what} must be an iterable of str (a list of texts), not a single {type(values).__name__}; "
                        "wrap it in a list")
    if not isinstance(values, Iterable) or isinstance(values, Mapping):  # a mapping would give its keys
        raise TypeError(f"{what} must be an iterable of str, not {type(values).__name__}")
    return (require_text(v, f"each of {what}") for v in values)


def require_ids(values: Any, what: str = "ids") -> list[int]:
    """The ids as Python ints; a float (even 1.0), a bool or a string among them is a TypeError."""
    if isinstance(values, (str, bytes, bytearray, Mapping)) or not isinstance(values, Iterable):
        raise TypeError(f"{what} must be an iterable of ints, not {type(values).__name__}")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, Integral):
            raise TypeError(f"{what} must be whole numbers (token ids), got {v!r} ({type(v).__name__})")
        out.append(int(v))
    return out
