"""Fetch one file over HTTP(S) with progress, resume, retry and a size/sha256 check.

Corpora are tens of megabytes fetched from raw.githubusercontent.com, so a dropped connection must not throw away what
already arrived: bytes go to ``DEST.part``, a later attempt (in this call or a later run) asks for the rest with an HTTP
``Range`` header, and only a file whose size and sha256 match is renamed to ``DEST``. A file that does not match is
deleted, never used: a silently corrupt corpus would train a silently wrong model.

Only the standard library is used (``urllib``), and nothing is printed: callers pass ``progress`` (the CLI wraps it in
a rich bar, the TUI in a widget).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from hangul_rnn import __version__
from hangul_rnn.errors import ChecksumError, CorpusError

#: ``progress(done_bytes, total_bytes_or_None)``; called after every chunk and once at the start.
Progress = Callable[[int, "int | None"], None]

_CHUNK = 1 << 16

#: Slowest transfer accepted once an attempt has run ``timeout`` seconds, in bytes a second: a server trickling a
#: byte every few seconds never trips the socket timeout, and would otherwise hold a download open for ever.
MIN_RATE = 1024
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


class _Retry(Exception):
    """A failure worth another attempt (connection dropped, server error, short body)."""


def sha256_file(path: Path, *, chunk: int = 1 << 20) -> str:
    """The hex sha256 of a file, read in chunks so a 100 MB corpus never sits in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def part_path(dest: Path) -> Path:
    """Where the bytes of ``dest`` collect until they are verified: ``dest`` + ``.part``."""
    return dest.with_suffix(dest.suffix + ".part")


def download(
    url: str,
    dest: Path,
    *,
    sha256: str | None,
    size: int | None,
    progress: Progress | None = None,
    retries: int = 3,
    timeout: float = 30,
    backoff: float = 1.0,
) -> Path:
    """Download ``url`` to ``dest`` and return ``dest`` once its size and sha256 (where known) are checked.

    ``retries`` is the number of extra attempts after a network error, with exponential ``backoff`` seconds between
    them; each attempt resumes from the ``.part`` file. HTTP 4xx answers (other than 408/429) are not retried: the
    URL is wrong, and asking again will not fix it; nor is a local write failure (disk full, no permission).
    Raises :class:`CorpusError` when the file could not be fetched (a ``.part`` file with bytes in it is kept so the
    next run resumes; an empty one, and folders this call created that stay empty, are removed) and
    :class:`ChecksumError` when it arrived but does not match (the ``.part`` file is deleted). An exception from
    ``progress`` (a cancelled training run) passes straight through, keeping a ``.part`` file that has bytes.
    """
    dest = Path(dest)
    created = _make_folder(dest.parent)
    part = part_path(dest)
    attempt = 0
    try:
        while True:
            try:
                _fetch(url, part, size=size, progress=progress, timeout=timeout)
                break
            except _Retry as exc:
                attempt += 1
                if attempt > retries:
                    raise CorpusError(
                        f"could not download {url}: {exc} (after {attempt} attempts); {_next_step(part)}"
                    ) from exc
                time.sleep(backoff * (2 ** (attempt - 1)))
    except BaseException:
        _tidy(part, created)
        raise
    try:
        _verify_part(part, dest, sha256=sha256, size=size)
    except ChecksumError:
        _tidy(part, created)
        raise
    os.replace(part, dest)
    return dest


def _check_rate(received: int, elapsed: float, timeout: float) -> None:
    """Give up an attempt that, after ``timeout`` seconds, averages under :data:`MIN_RATE` bytes a second."""
    if elapsed > timeout and received / elapsed < MIN_RATE:
        raise _Retry(f"too slow: {received:,} bytes in {elapsed:.0f} s (under {MIN_RATE} bytes/s)")


def _make_folder(folder: Path) -> list[Path]:
    """Create ``folder`` and any missing parents; the ones created, deepest first (for :func:`_tidy`)."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CorpusError(f"cannot create the download folder {folder}: {exc.strerror or exc}") from None
    return missing


def _tidy(part: Path, created: list[Path]) -> None:
    """After a failed download: drop an empty ``.part`` file and the folders this call created, if left empty.

    A first run without network must not leave an empty corpus folder behind, nor a zero-byte file that a message
    would present as something to resume from. A part with bytes in it stays, so the next run resumes.
    """
    try:
        if part.exists() and part.stat().st_size == 0:
            part.unlink()
    except OSError:
        return
    for folder in created:
        try:
            folder.rmdir()  # only succeeds when empty
        except OSError:
            return


def _next_step(part: Path) -> str:
    """What to do after a failed download, promising a resume only when there are bytes to resume from."""
    try:
        kept = part.stat().st_size
    except OSError:
        kept = 0
    if kept:
        return f"run the command again to resume from the {kept:,} bytes kept in {part}"
    return "run the command again to retry"


def _verify_part(part: Path, dest: Path, *, sha256: str | None, size: int | None) -> None:
    """Delete ``part`` and raise :class:`ChecksumError` unless it has the expected size and sha256."""
    got_size = part.stat().st_size
    if size is not None and got_size != size:
        part.unlink(missing_ok=True)
        raise ChecksumError(
            f"corpus file {dest.name}: size mismatch (expected {size:,} bytes, got {got_size:,}); "
            "the download was deleted, try again"
        )
    if sha256 is not None:
        got = sha256_file(part)
        if got != sha256.lower():
            part.unlink(missing_ok=True)
            raise ChecksumError(
                f"corpus file {dest.name}: sha256 mismatch (expected {sha256.lower()}, got {got}); "
                "the download was deleted, try again"
            )


def _disk_error(part: Path, exc: OSError) -> CorpusError:
    """A local write failure (disk full, no permission) is not a network error: retrying cannot help."""
    kept = part.stat().st_size if part.exists() else 0
    reason = exc.strerror or str(exc)
    if not kept:
        return CorpusError(f"cannot write {part} ({reason}); free some space or fix the folder and run the command "
                           "again")
    return CorpusError(f"cannot write {part} ({reason}); {kept:,} bytes downloaded so far are kept there, "
                       "free some space or fix the folder and run the command again to resume")


def _open_part(part: Path, *, append: bool):
    try:
        return open(part, "ab" if append else "wb")
    except OSError as exc:
        raise _disk_error(part, exc) from None


def _write(out, chunk: bytes, part: Path) -> None:
    try:
        out.write(chunk)
    except OSError as exc:
        try:
            out.flush()  # keep whatever fitted, so the next run resumes after it
        except OSError:
            pass
        raise _disk_error(part, exc) from None


def _fetch(  # noqa: C901 - every HTTP outcome (resume, restart, short read, disk full) handled where it occurs
    url: str, part: Path, *, size: int | None, progress: Progress | None, timeout: float
) -> None:
    """One attempt: append the missing bytes to ``part`` (or rewrite it when the server cannot resume)."""
    start = part.stat().st_size if part.exists() else 0
    if size is not None and start > size:  # not a prefix of the file we want: start over
        part.unlink()
        start = 0
    if size is not None and start == size:  # a previous run got everything but stopped before verifying
        if progress is not None:
            progress(start, size)
        return
    request = urllib.request.Request(url, headers={"User-Agent": f"hangul-rnn/{__version__}"})
    if start:
        request.add_header("Range", f"bytes={start}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and start:  # range not satisfiable: our part is no prefix of theirs
            part.unlink(missing_ok=True)
            raise _Retry("server refused to resume (HTTP 416); starting over") from exc
        if exc.code in (408, 429) or exc.code >= 500:
            raise _Retry(f"HTTP {exc.code} {exc.reason}") from exc
        raise CorpusError(f"could not download {url}: HTTP {exc.code} {exc.reason}") from exc
    except http.client.RemoteDisconnected as exc:  # closed before answering: a network hiccup, worth a retry
        raise _Retry(str(exc) or "server closed the connection") from exc
    except http.client.HTTPException as exc:  # BadStatusLine & co: not an HTTP server, asking again won't help
        raise CorpusError(f"could not download {url}: the server does not answer in HTTP "
                          f"({exc.__class__.__name__})") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise _Retry(str(reason)) from exc

    with response:
        status = getattr(response, "status", None) or 200  # file:// answers have no status
        offset = 0
        total = size
        if status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if match is None or int(match.group(1)) != start:
                raise _Retry("server sent a range that does not continue the partial file")
            offset = start
            if match.group(3) != "*":
                total = int(match.group(3))
        length = response.headers.get("Content-Length")
        expected_body = int(length) if length and length.isdigit() else None
        if total is None and expected_body is not None:
            total = offset + expected_body
        received = 0
        try:
            # A server that ignores Range answers 200 with the whole file: rewrite the part from byte 0.
            with _open_part(part, append=bool(offset)) as out:
                if progress is not None:
                    progress(offset, total)
                started = time.monotonic()
                read = getattr(response, "read1", None) or response.read  # read1: what has arrived, not 64 KiB
                while chunk := read(_CHUNK):
                    _write(out, chunk, part)
                    received += len(chunk)
                    _check_rate(received, time.monotonic() - started, timeout)
                    if progress is not None:
                        progress(offset + received, total)
        except (TimeoutError, http.client.HTTPException, ConnectionError, OSError) as exc:
            raise _Retry(f"connection lost after {offset + received:,} bytes ({exc})") from exc
        if expected_body is not None and received < expected_body:
            raise _Retry(f"connection closed after {offset + received:,} of {offset + expected_body:,} bytes")
