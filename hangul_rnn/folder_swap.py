"""Replacing a model folder so that nothing saved is ever lost: the swap, its recovery, and a lock per name.

A folder cannot be replaced by one atomic rename, so a save is four steps, each one rename or less:

1. the files are written into ``.NAME.tmp-T`` (a crash here leaves an incomplete folder nobody reads);
2. ``.NAME.tmp-T`` is renamed ``.NAME.new-T``, which marks it complete;
3. the folder under the name, if any, is renamed ``.NAME.old-T``;
4. ``.NAME.new-T`` is renamed ``NAME`` and ``.NAME.old-T`` deleted.

A process killed between 3 and 4 leaves no folder under the name, but a complete ``.new`` (and the previous
``.old``) beside it: :func:`recover` puts the newest complete one back, and is called before a name is looked up
(loading, resuming, saving). Leftover hidden folders are deleted only once a good folder is in place, and only
by the holder of the name's lock, so a save in progress in another process is never swept away.

The lock (:func:`name_lock`: a ``.NAME.lock`` file beside the folder, held with ``flock``, deleted on release) is
taken by a training run for its whole length and by every save, so two runs training the same name cannot both
report "saved".
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hangul_rnn.errors import HangulRNNError

_HELD: dict[str, tuple[int, int, int]] = {}  # lock path -> (fd, depth, owning thread) for locks this process holds
_HELD_GUARD = threading.Lock()


class NameBusyError(HangulRNNError):
    """Another process is writing the model of that name (training it, or saving over it)."""


def _lock_path(target: Path) -> Path:
    return target.parent / f".{target.name}.lock"


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on ``fd`` without waiting; False if another process holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


@contextmanager
def name_lock(target: Path, *, enabled: bool = True) -> Iterator[None]:
    """Hold the lock of the model folder ``target`` (re-entrant within one thread: a training run's saves take it
    again); NameBusyError if another process, or another thread of this one (the TUI's listing while its training
    thread saves), holds it. The lock goes with the process: a killed run never leaves a stale lock behind."""
    if not enabled:
        yield
        return
    path = str(_lock_path(target))
    me = threading.get_ident()
    with _HELD_GUARD:
        held = _HELD.get(path)
        if held is not None:
            if held[2] != me:
                raise NameBusyError(f"model {target.name!r} is being written by another run in this process; "
                                    "wait for it to finish or pick another name")
            _HELD[path] = (held[0], held[1] + 1, me)
    if held is None:
        fd = _acquire(target, path)
        with _HELD_GUARD:
            _HELD[path] = (fd, 1, me)
    try:
        yield
    finally:
        with _HELD_GUARD:
            fd, depth, _ = _HELD[path]
            if depth > 1:
                _HELD[path] = (fd, depth - 1, me)
            else:
                del _HELD[path]
                _release(path, fd)


def _acquire(target: Path, path: str) -> int:
    """Open and lock the lock file; retried when the file was deleted by its last holder between our open and our
    lock (then we would hold a lock on a file nobody else can see)."""
    while True:
        try:  # the models folder is checked writable here, before a training run spends an epoch
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise HangulRNNError(f"cannot write to the models folder {target.parent}: "
                                 f"{exc.strerror or exc} ({exc.filename})") from None
        if not _try_lock(fd):
            os.close(fd)
            raise NameBusyError(f"model {target.name!r} is being written by another run (lock {path}); "
                                "wait for it to finish or pick another name")
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def _release(path: str, fd: int) -> None:
    """Delete the lock file while still holding it (so the models folder keeps no litter), then unlock."""
    try:
        os.unlink(path)
    except OSError:
        pass
    os.close(fd)  # closing releases the flock


def _siblings(target: Path, kind: str) -> list[Path]:
    """``.NAME.KIND-*`` folders beside ``target``, newest first."""
    parent = target.parent
    if not parent.is_dir():
        return []
    prefix = f".{target.name}.{kind}-"
    found = [p for p in parent.iterdir() if p.name.startswith(prefix) and p.is_dir()]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def _leftovers(target: Path) -> list[Path]:
    return [p for kind in ("tmp", "new", "old") for p in _siblings(target, kind)]


def _complete_candidate(target: Path) -> Path | None:
    """The folder a crashed swap left that should be under the name: the newest complete new one, else a tmp
    paired with an old one (an older hangul-rnn renamed tmp straight into place), else the newest old one."""
    new = _siblings(target, "new")
    if new:
        return new[0]
    olds = _siblings(target, "old")
    old_tokens = {p.name.rsplit("-", 1)[1] for p in olds}
    for tmp in _siblings(target, "tmp"):
        if tmp.name.rsplit("-", 1)[1] in old_tokens:
            return tmp
    return olds[0] if olds else None


def recover(target: Path) -> bool:
    """Put back the folder a save killed between its renames left hidden; returns whether it did.

    Does nothing when a folder is under the name or another process holds the name's lock (its save is still
    under way). Hidden leftovers are deleted once a folder is back in place.
    """
    if target.exists() or not any(True for _ in _leftovers(target)):
        return False
    try:
        with name_lock(target):
            if target.exists():
                return False
            candidate = _complete_candidate(target)
            if candidate is None:
                return False
            os.replace(candidate, target)
            _clean(target, keep=())
            return True
    except (NameBusyError, OSError):
        return False


def _clean(target: Path, keep: tuple[Path, ...]) -> None:
    for path in _leftovers(target):
        if path not in keep:
            shutil.rmtree(path, ignore_errors=True)


def install_folder(target: Path, write: Callable[[Path], None]) -> None:
    """Fill a new hidden folder beside ``target`` with ``write``, then swap it in (the steps in the module doc).

    A failure while writing removes the temporary folder and leaves the old one untouched; NameBusyError if another
    process holds the name's lock.
    """
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    with name_lock(target):
        recover(target)
        token = uuid.uuid4().hex[:8]
        tmp = parent / f".{target.name}.tmp-{token}"
        new = parent / f".{target.name}.new-{token}"
        old = parent / f".{target.name}.old-{token}"
        tmp.mkdir()
        try:
            write(tmp)
            os.replace(tmp, new)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _swap_in(target, new, old)
        _clean(target, keep=())


def _swap_in(target: Path, new: Path, old: Path) -> None:
    moved_aside = False
    try:
        if target.exists():
            os.replace(target, old)
            moved_aside = True
        os.replace(new, target)
    except BaseException:
        if moved_aside and not target.exists():
            os.replace(old, target)  # put the old folder back
        shutil.rmtree(new, ignore_errors=True)
        raise
