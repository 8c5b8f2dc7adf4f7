"""download(): a local HTTP server on 127.0.0.1 stands in for the web (nothing here touches the network)."""

from __future__ import annotations

import hashlib
import http.server
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from hangul_rnn import corpora
from hangul_rnn import download as dl
from hangul_rnn.errors import ChecksumError, CorpusError, UsageError

PAYLOAD = ("조선왕조실록 " * 5000).encode("utf-8") + bytes(range(256))
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


class _Server:
    """Serves PAYLOAD at /file; knobs: honour Range or not, cut the body short once, count requests."""

    def __init__(self) -> None:
        self.honour_range = True
        self.cut_after: int | None = None  # send only this many bytes of the body, once
        self.requests: list[dict[str, str]] = []
        self.payload = PAYLOAD
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server.requests.append(dict(self.headers))
                if self.path == "/missing":
                    self.send_error(404)
                    return
                data = server.payload
                start = 0
                match = re.match(r"bytes=(\d+)-", self.headers.get("Range", ""))
                if match and server.honour_range:
                    start = int(match.group(1))
                    if start >= len(data):
                        self.send_error(416)
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if server.cut_after is not None:
                    self.wfile.write(body[: server.cut_after])
                    server.cut_after = None
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/file"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    with _Server() as s:
        yield s


def test_download_verifies_and_reports_progress(server: _Server, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    dest = tmp_path / "sub" / "corpus.txt"
    out = dl.download(server.url, dest, sha256=PAYLOAD_SHA, size=len(PAYLOAD),
                      progress=lambda d, t: seen.append((d, t)))
    assert out == dest and dest.read_bytes() == PAYLOAD
    assert not dl.part_path(dest).exists()
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_checksum_mismatch_deletes_the_download(server: _Server, tmp_path: Path) -> None:
    dest = tmp_path / "corpus.txt"
    with pytest.raises(ChecksumError, match=r"corpus file corpus.txt: sha256 mismatch .*deleted"):
        dl.download(server.url, dest, sha256="0" * 64, size=len(PAYLOAD), backoff=0)
    assert list(tmp_path.iterdir()) == []


def test_size_mismatch_is_a_checksum_error(server: _Server, tmp_path: Path) -> None:
    dest = tmp_path / "corpus.txt"
    with pytest.raises(ChecksumError, match="size mismatch"):
        dl.download(server.url, dest, sha256=None, size=len(PAYLOAD) + 1, backoff=0)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_part_is_resumed_with_range(server: _Server, tmp_path: Path) -> None:
    dest = tmp_path / "corpus.txt"
    dl.part_path(dest).write_bytes(PAYLOAD[:1000])
    dl.download(server.url, dest, sha256=PAYLOAD_SHA, size=len(PAYLOAD))
    assert dest.read_bytes() == PAYLOAD
    assert server.requests[0].get("Range") == "bytes=1000-"


def test_dropped_connection_is_retried_and_resumed(server: _Server, tmp_path: Path) -> None:
    server.cut_after = 4096
    dest = tmp_path / "corpus.txt"
    dl.download(server.url, dest, sha256=PAYLOAD_SHA, size=len(PAYLOAD), backoff=0)
    assert dest.read_bytes() == PAYLOAD
    assert len(server.requests) == 2
    assert server.requests[1].get("Range") == "bytes=4096-"


def test_server_ignoring_range_restarts_from_zero(server: _Server, tmp_path: Path) -> None:
    server.honour_range = False
    dest = tmp_path / "corpus.txt"
    dl.part_path(dest).write_bytes(PAYLOAD[:1000])
    dl.download(server.url, dest, sha256=PAYLOAD_SHA, size=len(PAYLOAD))
    assert dest.read_bytes() == PAYLOAD  # not the first 1000 bytes twice


def test_complete_part_is_verified_without_refetching(server: _Server, tmp_path: Path) -> None:
    dest = tmp_path / "corpus.txt"
    dl.part_path(dest).write_bytes(PAYLOAD)
    dl.download(server.url, dest, sha256=PAYLOAD_SHA, size=len(PAYLOAD))
    assert dest.read_bytes() == PAYLOAD and server.requests == []


def test_full_disk_is_not_retried_and_keeps_what_fitted(server: _Server, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    real_open_part = dl._open_part

    class FullDisk:
        """The part file on a disk that fills up after 10,000 bytes."""

        def __init__(self, f) -> None:
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc: object) -> None:
            self.f.close()

        def write(self, chunk: bytes) -> int:
            room = 10_000 - self.f.tell()
            if len(chunk) > room:
                self.f.write(chunk[:room])
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.f.write(chunk)

        def flush(self) -> None:
            self.f.flush()

    monkeypatch.setattr(dl, "_open_part", lambda part, append: FullDisk(real_open_part(part, append=append)))
    dest = tmp_path / "corpus.txt"
    with pytest.raises(CorpusError, match=r"No space left on device.*10,000 bytes .* kept") as info:
        dl.download(server.url, dest, sha256=PAYLOAD_SHA, size=len(PAYLOAD), backoff=0)
    assert "\n" not in str(info.value)
    assert len(server.requests) == 1  # a local write failure is not retried like a network error
    assert dl.part_path(dest).read_bytes() == PAYLOAD[:10_000]
    monkeypatch.setattr(dl, "_open_part", real_open_part)  # space freed: the next run resumes
    dl.download(server.url, dest, sha256=PAYLOAD_SHA, size=len(PAYLOAD))
    assert dest.read_bytes() == PAYLOAD and server.requests[-1].get("Range") == "bytes=10000-"


def test_http_404_is_not_retried(server: _Server, tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="HTTP 404"):
        dl.download(server.url.replace("/file", "/missing"), tmp_path / "x.txt", sha256=None, size=None, backoff=0)
    assert len(server.requests) == 1


def test_unreachable_server_gives_up_after_retries(tmp_path: Path) -> None:
    with _Server() as s:
        url = s.url
    with pytest.raises(CorpusError, match=r"could not download .*after 3 attempts"):
        dl.download(url, tmp_path / "x.txt", sha256=None, size=None, retries=2, backoff=0, timeout=2)


def test_file_url(tmp_path: Path) -> None:
    src = tmp_path / "src.txt"
    src.write_bytes(PAYLOAD)
    out = dl.download(src.as_uri(), tmp_path / "out" / "x.txt", sha256=PAYLOAD_SHA, size=len(PAYLOAD))
    assert out.read_bytes() == PAYLOAD


def _with_url(manifest: corpora.CorpusManifest, url: str, sha256: str | None) -> corpora.CorpusManifest:
    (file,) = manifest.splits["train"]
    return replace(manifest, splits={"train": (replace(file, url=url, sha256=sha256, size=len(PAYLOAD)),)})


def test_corpus_path_downloads_into_data_dir(
    server: _Server, monkeypatch: pytest.MonkeyPatch, recwarn: pytest.WarningsRecorder
) -> None:
    from hangul_rnn import paths

    monkeypatch.delenv("HANGUL_RNN_CORPORA", raising=False)
    corpus = corpora.Corpus(_with_url(corpora.get_corpus("annals").manifest, server.url, PAYLOAD_SHA))
    with pytest.raises(CorpusError, match="not downloaded"):
        corpus.path(download=False)
    assert server.requests == []
    seen: list[int] = []
    path = corpus.path(progress=lambda d, t: seen.append(d))
    assert path == paths.data_dir() / "annals" / "corpus.txt"
    assert path.read_bytes() == PAYLOAD and seen[-1] == len(PAYLOAD)
    # The second time it is found in the data dir: no request, and the cached verification means no re-hash needed.
    assert corpus.path(download=False) == path
    assert len(server.requests) == 1
    assert next(corpus.texts()).startswith("조선왕조실록")


def test_corpus_download_mismatch_leaves_nothing(server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    from hangul_rnn import paths

    monkeypatch.delenv("HANGUL_RNN_CORPORA", raising=False)
    corpus = corpora.Corpus(_with_url(corpora.get_corpus("annals").manifest, server.url, "f" * 64))
    with pytest.raises(ChecksumError, match="corpus.txt"):
        corpus.path()
    folder = paths.data_dir() / "annals"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_unknown_sha_download_says_so_once(server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HANGUL_RNN_CORPORA", raising=False)
    corpora._warned.clear()
    corpus = corpora.Corpus(_with_url(corpora.get_corpus("annals").manifest, server.url, None))
    with pytest.warns(UserWarning, match="no sha256 is published") as record:
        corpus.path()
        corpus.path()
    assert sum("no sha256" in str(w.message) for w in record) == 1


def test_corrupt_file_in_data_dir_is_replaced(server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    from hangul_rnn import paths

    monkeypatch.delenv("HANGUL_RNN_CORPORA", raising=False)
    corpora._warned.clear()
    stale = paths.data_dir() / "annals" / "corpus.txt"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x" * len(PAYLOAD))  # right size, wrong bytes
    corpus = corpora.Corpus(_with_url(corpora.get_corpus("annals").manifest, server.url, PAYLOAD_SHA))
    with pytest.raises(CorpusError, match="not downloaded"):
        with pytest.warns(UserWarning, match="did not match"):
            corpus.path(download=False)
    assert not stale.exists()
    assert corpus.path().read_bytes() == PAYLOAD


def test_training_downloads_its_corpus_as_a_stage_that_can_be_cancelled(
    server: _Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A first run on a corpus not yet on disk: the download shows as bytes and a cancel there loses nothing."""
    import threading

    from hangul_rnn import paths, preparation, training
    from hangul_rnn.config import TrainConfig
    from hangul_rnn.errors import TrainingCancelled
    from hangul_rnn.events import DataProgress, TrainFinished

    text = "임금이 말하기를 , ‘ 좋다 . ’ 하였다 .\n".encode() * 300
    server.payload = text
    manifest = corpora.get_corpus("annals").manifest
    (file,) = manifest.splits["train"]
    manifest = replace(manifest, splits={"train": (
        replace(file, url=server.url, sha256=hashlib.sha256(text).hexdigest(), size=len(text)),)})
    monkeypatch.delenv("HANGUL_RNN_CORPORA", raising=False)
    monkeypatch.setattr(preparation, "load_corpus", lambda spec: corpora.Corpus(manifest))
    config = TrainConfig(task="generator", corpus="annals", level="jamo", units=8, embedding_dim=4,
                         seq_len=20, batch_size=16, epochs=1, sample_chars=0, patience=0)
    downloaded = paths.data_dir() / "annals" / file.filename

    cancel = threading.Event()
    events: list = []

    def cancel_in_download(event) -> None:
        events.append(event)
        if isinstance(event, DataProgress) and event.stage.startswith("downloading"):
            cancel.set()

    with pytest.raises(TrainingCancelled):
        training.train(config, name="g", cancel=cancel, on_event=cancel_in_download, models_root=tmp_path)
    assert isinstance(events[-1], TrainFinished) and events[-1].cancelled
    assert not downloaded.exists() and not (tmp_path / "g").exists()

    events.clear()
    bundle = training.train(config, name="g", on_event=events.append, models_root=tmp_path)
    progress = [e for e in events if isinstance(e, DataProgress) and e.stage.startswith("downloading")]
    assert progress and (progress[-1].done, progress[-1].total) == (len(text), len(text))
    assert downloaded.read_bytes() == text and bundle.path == tmp_path / "g"


def test_evaluate_fetches_the_split_it_reads_before_scoring(server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from hangul_rnn import paths
    from hangul_rnn.commands.evaluate import _fetch_corpora

    monkeypatch.delenv("HANGUL_RNN_CORPORA", raising=False)
    manifest = _with_url(corpora.get_corpus("annals").manifest, server.url, PAYLOAD_SHA)
    monkeypatch.setattr(corpora, "get_corpus", lambda spec: corpora.Corpus(manifest))
    classifier = SimpleNamespace(config={"corpus": "annals"}, task="classifier")
    with pytest.raises(UsageError, match="has no split 'dev'"):  # a typo: evaluate's own error, before any download
        _fetch_corpora([classifier], "dev")
    assert server.requests == []
    bundle = SimpleNamespace(config={"corpus": "annals"}, task="generator")
    _fetch_corpora([bundle], "test")  # annals has no test split: a generator's held-out tail is in its train text
    (file,) = manifest.splits["train"]
    assert (paths.data_dir() / "annals" / file.filename).read_bytes() == PAYLOAD
    assert len(server.requests) == 1  # one corpus, fetched once


def test_offline_first_run_says_how_to_use_local_copies_and_leaves_no_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    from hangul_rnn import paths

    monkeypatch.delenv("HANGUL_RNN_CORPORA", raising=False)
    with _Server() as s:
        url = s.url  # closed again at once: nothing listens there any more
    corpus = corpora.Corpus(_with_url(corpora.get_corpus("nsmc").manifest, url, PAYLOAD_SHA))
    monkeypatch.setattr(dl.time, "sleep", lambda seconds: None)
    with pytest.raises(CorpusError) as info:
        corpus.path()
    message = str(info.value)
    assert "HANGUL_RNN_CORPORA=DIR" in message and "DIR/nsmc/ratings_train.txt" in message
    assert ".part" not in message and "resume" not in message  # nothing arrived, so nothing to resume from
    assert "\n" not in message
    assert not (paths.data_dir() / "nsmc").exists()  # no empty folder left behind


def test_a_partial_download_is_kept_and_named_with_its_size(tmp_path: Path) -> None:
    dest = tmp_path / "new" / "x.txt"
    dl.part_path(dest).parent.mkdir()
    dl.part_path(dest).write_bytes(PAYLOAD[:1000])
    with _Server() as s:
        url = s.url
    with pytest.raises(CorpusError, match=r"resume from the 1,000 bytes kept in .*x\.txt\.part"):
        dl.download(url, dest, sha256=None, size=len(PAYLOAD), retries=0, backoff=0, timeout=2)
    assert dl.part_path(dest).stat().st_size == 1000
