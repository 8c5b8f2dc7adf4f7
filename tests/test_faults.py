"""Faults and hostile inputs end in one line, never a traceback, a hang or a silent wrong answer (issue 15)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hangul_rnn.errors import CorpusError


def _raw_server(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A loopback TCP server that reads a request and runs ``answer`` on the connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.recv(4096)
                try:
                    answer(conn)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/file.txt"
    stop.set()
    thread.join(2)
    listener.close()


@pytest.fixture
def not_http() -> Iterator[str]:
    yield from _raw_server(lambda conn: conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"))


@pytest.fixture
def trickle() -> Iterator[str]:
    def answer(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(40):
            conn.sendall(b"x")
            time.sleep(0.1)

    yield from _raw_server(answer)


def test_a_server_that_does_not_speak_http_is_one_error(not_http: str, tmp_path: Path) -> None:
    from hangul_rnn.download import download

    with pytest.raises(CorpusError, match="does not answer in HTTP"):
        download(not_http, tmp_path / "f.txt", sha256=None, size=None, retries=0, backoff=0)


def test_a_trickling_download_gives_up(trickle: str, tmp_path: Path) -> None:
    from hangul_rnn.download import download

    with pytest.raises(CorpusError, match="too slow"):
        download(trickle, tmp_path / "f.txt", sha256=None, size=None, retries=0, timeout=0.5, backoff=0)


def test_an_uncreatable_destination_is_one_error(tmp_path: Path) -> None:
    from hangul_rnn.download import download

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CorpusError, match="cannot create the download folder"):
        download("http://127.0.0.1:9/x", blocker / "sub" / "f.txt", sha256=None, size=None, retries=0)


def test_generate_refuses_seeds_and_batches_it_cannot_take(capsys: pytest.CaptureFixture[str]) -> None:
    from hangul_rnn.cli import main

    for argv in (["--seed", "-1"], ["--num-samples", "1000000"], ["--beam", "100000"]):
        assert main(["generate", "--max-tokens", "2", *argv]) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("hangul-rnn: error: ") and err.count("\n") == 1, err


@pytest.mark.parametrize("change", [{"seed": 1099511627776}, {"max_len": 10**9}, {"units": 10**9},
                                    {"seq_len": 10**9}])
def test_train_sizes_are_checked_before_anything_is_allocated(change: dict) -> None:
    from hangul_rnn.config import default_config
    from hangul_rnn.errors import UsageError

    task = "classifier" if "max_len" in change else "generator"
    with pytest.raises(UsageError):
        default_config(task, **change)


def test_sample_next_refuses_dead_logits_and_bad_options() -> None:
    import numpy as np

    from hangul_rnn.errors import UsageError
    from hangul_rnn.samplers import SamplingOptions, sample_next

    for logits in (np.full(5, np.nan), np.full(5, -np.inf), np.array([0.0, np.nan, np.nan])):
        with pytest.raises(ValueError, match="no finite value"):
            sample_next(logits)
    with pytest.raises(UsageError):
        sample_next(np.zeros(5), SamplingOptions(temperature=-1.0))


def test_an_unwritable_output_is_one_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "hangul_rnn.cli", "generate", "--max-tokens", "5"],
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
                              cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 1
    assert proc.stderr == "hangul-rnn: error: cannot write the output: No space left on device\n"


def test_a_models_folder_that_cannot_be_written_is_found_before_training(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from hangul_rnn.config import TrainConfig
    from hangul_rnn.errors import HangulRNNError
    from hangul_rnn.training import train

    home = tmp_path / "home-is-a-file"
    home.write_text("not a folder")
    monkeypatch.setenv("HANGUL_RNN_HOME", str(home))
    corpus = tmp_path / "c.txt"
    corpus.write_text("가나다라마바사\n" * 20, encoding="utf-8")
    with pytest.raises(HangulRNNError, match="cannot write to the models folder"):
        train(TrainConfig(corpus=f"text:{corpus}", units=4, epochs=1), name="x")


def test_os_errors_read_as_one_line_naming_the_path() -> None:
    from hangul_rnn.cli import os_error_line

    assert os_error_line(PermissionError(13, "Permission denied", "/x/y")) == "/x/y: Permission denied"
    assert os_error_line(OSError(28, "No space left on device")) == "cannot write the output: No space left on device"


def _tsv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_tsv_labels_are_digits_in_range(tmp_path: Path) -> None:
    from hangul_rnn.corpora import get_corpus

    with pytest.raises(CorpusError, match="not an integer"):
        list(get_corpus("tsv:" + str(_tsv(tmp_path, "좋다\t1\n별로\t1_0\n"))).examples("train"))
    with pytest.raises(CorpusError, match="out of range"):
        list(get_corpus("tsv:" + str(_tsv(tmp_path, "좋다\t1\n별로\t99999999999\n"))).examples("train"))


def test_tsv_column_indices_given_as_text_are_indices(tmp_path: Path) -> None:
    from hangul_rnn.corpora import get_corpus

    path = _tsv(tmp_path, "1\t좋다\t1\n2\t별로\t0\n")
    rows = list(get_corpus(f"tsv:{path}", text_column="1", label_column="2").examples("train"))
    assert rows == [("좋다", 1), ("별로", 0)]  # the first row is data, not a header


def test_a_classifier_on_one_label_is_refused(tmp_path: Path) -> None:
    from hangul_rnn.config import TrainConfig
    from hangul_rnn.errors import UsageError
    from hangul_rnn.training import train

    path = _tsv(tmp_path, "".join(f"문장 {i}\t1\n" for i in range(30)))
    with pytest.raises(UsageError, match="one label only"):
        train(TrainConfig(task="classifier", corpus=f"tsv:{path}", level="syllable", units=4, epochs=1), name="one")


def test_a_folder_or_fifo_given_as_a_corpus_says_what_it_is(tmp_path: Path) -> None:
    import os

    from hangul_rnn.corpora import get_corpus

    with pytest.raises(CorpusError, match="is a folder"):
        list(get_corpus(f"text:{tmp_path}").texts("train"))
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        with pytest.raises(CorpusError, match="named pipe"):
            list(get_corpus(f"text:{fifo}").texts("train"))


def test_text_that_cleans_to_nothing_is_said_not_scored() -> None:
    from hangul_rnn.bundle import load_bundle
    from hangul_rnn.errors import UsageError
    from hangul_rnn.scoring import explain, score, score_batch

    model = load_bundle("nsmc-classifier")
    for text in ("😀😀", "\x00", "\x01\x02"):
        with pytest.raises(UsageError, match="nothing the model reads"):
            score(model, text)
    with pytest.raises(UsageError, match="text 2"):
        score_batch(model, ["좋다", "🎬🎬"])
    with pytest.raises(UsageError, match="nothing the model reads"):
        explain(model, "😀 😀")
    assert explain(model, "좋다 😀 정말").words == ["좋다", "😀", "정말"]  # an emoji word inside a text is fine


def test_a_prompt_that_cleans_to_nothing_is_an_error() -> None:
    from hangul_rnn.bundle import load_bundle
    from hangul_rnn.errors import UsageError
    from hangul_rnn.sampling import generate

    with pytest.raises(UsageError, match="prompt"):
        generate(load_bundle("annals-syllable"), "😀", max_tokens=2)


def test_explain_groups_the_words_of_a_long_text_and_says_so() -> None:
    from hangul_rnn.bundle import load_bundle
    from hangul_rnn.scoring import MAX_EXPLAIN_STEPS, explain, score

    model = load_bundle("nsmc-classifier")
    text = " ".join(["재미있었어요", "배우가", "별로"] * 300)
    result = explain(model, text)
    assert len(result.words) <= MAX_EXPLAIN_STEPS + 1 and result.note and "words at a time" in result.note
    assert " ".join(result.words) == text
    # float32 sums in another order (prefixes vs the whole text): equal to about 1e-6 of the value
    assert result.prefix_scores[-1] == pytest.approx(score(model, text).probabilities[result.target], rel=1e-4)
    assert explain(model, "재미있었어요 배우가").note is None


def test_binary_data_on_score_stdin_is_one_error(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import io
    import sys

    from hangul_rnn.cli import main

    for data in (b"\x00\x01\xff\xfe", "좋다\x00\n".encode()):
        stdin = io.TextIOWrapper(io.BytesIO(data))
        monkeypatch.setattr(sys, "stdin", stdin)
        assert main(["score"]) == 2
        err = capsys.readouterr().err
        assert "stdin" in err and err.count("\n") == 1


def test_the_tui_without_a_terminal_refuses_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "hangul_rnn.cli", "tui"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 1
    assert proc.stderr.startswith("hangul-rnn: error: the TUI needs a terminal") and proc.stderr.count("\n") == 1


def test_ctrl_c_while_generate_streams_is_one_line() -> None:
    import os
    import signal
    import subprocess
    import sys

    if not hasattr(signal, "SIGINT") or os.name != "posix":
        pytest.skip("needs POSIX signals")
    # As from a terminal: a suite started in the background (`pytest &`) hands its children an ignored SIGINT, and
    # Python then installs no KeyboardInterrupt at all; the stream would run to its end.
    proc = subprocess.Popen([sys.executable, "-m", "hangul_rnn.cli", "generate", "--max-tokens", "100000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parent.parent,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdout is not None
    proc.stdout.read(64)  # streaming has begun
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.decode() == "hangul-rnn: interrupted\n"


def test_a_padded_array_larger_than_memory_is_refused_before_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    from hangul_rnn import limits
    from hangul_rnn.errors import UsageError

    monkeypatch.setattr(limits, "physical_memory", lambda: 8 << 30)
    limits.check_padded(150_000, 1000)  # NSMC at --max-len 1000: 1.7 GiB, fits
    with pytest.raises(UsageError, match="--max-len"):
        limits.check_padded(150_000, 100_000)  # 168 GiB


@pytest.fixture
def hangs_up() -> Iterator[str]:
    yield from _raw_server(lambda conn: None)  # reads the request, closes without a word


def test_a_server_that_hangs_up_is_retried_not_called_non_http(hangs_up: str, tmp_path: Path) -> None:
    from hangul_rnn.download import download

    with pytest.raises(CorpusError, match="after 2 attempts"):
        download(hangs_up, tmp_path / "f.txt", sha256=None, size=None, retries=1, backoff=0)


def test_a_full_disk_while_saving_is_one_line_naming_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    import hangul_rnn.ensemble
    from hangul_rnn import paths
    from hangul_rnn.catalog import resolve_bundle_path
    from hangul_rnn.cli import main

    other = shutil.copytree(resolve_bundle_path("nsmc-classifier"), tmp_path / "copy")  # a second member

    def full(path: Path, data: object) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(hangul_rnn.ensemble, "write_json", full)
    assert main(["ensemble", "both", "nsmc-classifier", str(other)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "config.json: No space left on device" in err, err
    models = paths.models_dir()
    assert not models.exists() or [p.name for p in models.iterdir()] == []  # nothing half-written left behind
