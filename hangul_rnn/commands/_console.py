"""Rich output shared by the subcommands: one stderr console for progress, plain stdout for results.

Progress bars go to stderr so that stdout stays pipeable (``hangul-rnn generate | tee out.txt``); they disappear
when stderr is not a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

err_console = Console(stderr=True)
out_console = Console()


@contextmanager
def count_progress(description: str, total: int | None = None) -> Iterator[Callable[..., None]]:
    """A bar for counted work; yields ``update(done, total=None, description=None)``: items done so far (and the
    total, once known; a new description when the work moves on to another stage)."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as progress:
        task = progress.add_task(description, total=total)

        def update(done: int, total: int | None = None, description: str | None = None) -> None:
            changes: dict = {"completed": done}
            if total is not None:
                changes["total"] = total
            if description is not None:
                changes["description"] = description
            progress.update(task, **changes)

        yield update


@contextmanager
def byte_progress(description: str) -> Iterator[Callable[[int, int | None], None]]:
    """A bar for downloads; yields ``update(done_bytes, total_bytes_or_None)``."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as progress:
        task = progress.add_task(description, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)
