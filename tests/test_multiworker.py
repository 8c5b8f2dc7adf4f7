"""Multi-worker training (DESIGN §4): two local worker processes on loopback train one tiny generator together.

Each worker is a fresh Python process (MultiWorkerMirroredStrategy must be created before TensorFlow runs anything
in the process) with its own ``TF_CONFIG``; worker 0 is the chief and the only one whose bundle lands in its models
folder. Both must exit 0 within the timeout; the processes are killed whatever happens. The same pair then resumes
the run for one more epoch.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hangul_rnn.bundle import load_bundle

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = REPO_ROOT / "corpora" / "samples"
TIMEOUT_S = 150

WORKER = r"""
import json, sys
from hangul_rnn.config import TrainConfig
from hangul_rnn.training import train

corpus, root, epochs, resume = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "resume"
cfg = TrainConfig(task="generator", corpus="text:" + corpus, level="syllable", cell="gru", units=16,
                  embedding_dim=8, seq_len=20, batch_size=16, epochs=epochs, learning_rate=1e-2,
                  validation_fraction=0.1, sample_chars=5, patience=0, strategy="multiworker")
bundle = train(cfg, name="mw", models_root=root, resume=resume)
print("RESULT " + json.dumps({"path": str(bundle.path), "loss": bundle.history["loss"],
                              "val_loss": bundle.metrics.get("val_loss")}), flush=True)
"""


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _result(out: str) -> dict:
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    assert lines, f"worker printed no result:\n{out[-3000:]}"
    return json.loads(lines[-1][len("RESULT "):])


#: Runs WORKER and turns hangul-rnn's one-line error into an ``ERROR`` line and exit code 1, as the CLI would.
RUNNER = ("import sys\nfrom hangul_rnn.errors import HangulRNNError\n"
          "try:\n    exec(sys.argv.pop(1))\n"
          "except HangulRNNError as exc:\n    print('ERROR ' + str(exc), flush=True)\n    sys.exit(1)\n")


def _small_corpus(tmp_path: Path) -> Path:
    lines = (SAMPLES / "annals_sample.txt").read_text(encoding="utf-8").splitlines()[:50]
    corpus = tmp_path / "small.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return corpus


def _start_workers(tmp_path: Path, corpus: Path, roots: list[Path], epochs: int, mode: str) -> list[subprocess.Popen]:
    """Two workers of one cluster on fresh loopback ports, worker 0 (the chief) first."""
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs: list[subprocess.Popen] = []
    for i in range(2):
        env = dict(os.environ, TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}}),
                   TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
        procs.append(subprocess.Popen([sys.executable, "-c", RUNNER, WORKER, str(corpus), str(roots[i]), str(epochs),
                                       mode], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True))
    return procs


def _reap(procs: list[subprocess.Popen]) -> None:
    """Kill whatever still runs, whatever happened."""
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        try:
            proc.communicate(timeout=10)
        except (subprocess.TimeoutExpired, ValueError):
            pass


def _run_workers(tmp_path: Path, corpus: Path, roots: list[Path], epochs: int, mode: str) -> tuple[dict, dict]:
    """Start two workers, wait for both, and return their RESULT lines (chief first)."""
    procs: list[subprocess.Popen] = []
    outputs: list[str] = ["", ""]
    try:
        procs = _start_workers(tmp_path, corpus, roots, epochs, mode)
        deadline = time.monotonic() + TIMEOUT_S
        for i, proc in enumerate(procs):
            try:
                outputs[i], _ = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pytest.fail(f"worker {i} did not finish within {TIMEOUT_S} s")
    finally:
        _reap(procs)
    for i, proc in enumerate(procs):
        assert proc.returncode == 0, f"worker {i} exited {proc.returncode}:\n{outputs[i][-3000:]}"
    return _result(outputs[0]), _result(outputs[1])


@pytest.mark.slow
@pytest.mark.ci
def test_two_local_workers_train_one_generator_and_resume_it(tmp_path: Path) -> None:
    corpus = _small_corpus(tmp_path)
    roots = [tmp_path / f"models{i}" for i in range(2)]

    chief, other = _run_workers(tmp_path, corpus, roots, 2, "new")
    # the chief's bundle is in its models folder; the other worker's checkpoints went to a temporary folder
    assert Path(chief["path"]) == roots[0] / "mw"
    assert not (roots[1] / "mw").exists() and Path(other["path"]) != roots[1] / "mw"
    # gradients and logs are all-reduced: both workers saw the same losses
    assert len(chief["loss"]) == 2 and chief["loss"] == pytest.approx(other["loss"], rel=1e-5)
    assert chief["val_loss"] == pytest.approx(other["val_loss"], rel=1e-5)

    bundle = load_bundle(roots[0] / "mw")
    assert bundle.task == "generator" and bundle.metrics["epochs_done"] == 2
    assert bundle.config["hyperparameters"]["strategy"] == "multiworker"
    assert bundle.history["loss"] == pytest.approx(chief["loss"])

    # Resume: every worker must see the bundle (here a copy stands in for a shared folder); the copy is read,
    # never written, and the chief's bundle gains the third epoch.
    shutil.copytree(roots[0] / "mw", roots[1] / "mw")
    copy_before = (roots[1] / "mw" / "model.keras").read_bytes()
    chief, other = _run_workers(tmp_path, corpus, roots, 1, "resume")
    assert Path(chief["path"]) == roots[0] / "mw"
    assert len(chief["loss"]) == 3 and chief["loss"][:2] == pytest.approx(bundle.history["loss"])
    assert chief["loss"] == pytest.approx(other["loss"], rel=1e-5)
    assert load_bundle(roots[0] / "mw").metrics["epochs_done"] == 3
    assert (roots[1] / "mw" / "model.keras").read_bytes() == copy_before


@pytest.mark.slow
@pytest.mark.ci
def test_a_killed_worker_stops_the_chief_with_one_line_and_its_checkpoint_kept(tmp_path: Path) -> None:
    """Worker 1 is killed mid-run: the chief's all-reduce is aborted by TensorFlow's coordination service and the
    chief exits 1 with hangul-rnn's one-line error, its last complete epoch on disk for --resume."""
    corpus = _small_corpus(tmp_path)
    roots = [tmp_path / f"models{i}" for i in range(2)]
    procs: list[subprocess.Popen] = []
    try:
        procs = _start_workers(tmp_path, corpus, roots, 500, "new")
        deadline = time.monotonic() + TIMEOUT_S
        while not (roots[0] / "mw" / "metrics.json").exists():  # the chief has saved an epoch
            assert time.monotonic() < deadline and procs[0].poll() is None, "the chief saved no epoch"
            time.sleep(0.5)
        procs[1].kill()
        out, _ = procs[0].communicate(timeout=TIMEOUT_S)
    finally:
        _reap(procs)
    assert procs[0].returncode == 1, out[-3000:]
    errors = [line for line in out.splitlines() if line.startswith("ERROR ")]
    assert len(errors) == 1, out[-3000:]
    assert "stopped answering" in errors[0] and "--resume" in errors[0]
    assert "/job:worker/replica:0/task:0" not in errors[0], "the chief named itself as the peer that went away"
    kept = load_bundle(roots[0] / "mw")
    assert f"epoch {kept.metrics['epochs_done']} is kept in {roots[0] / 'mw'}" in errors[0]


def test_a_peer_failure_names_the_peers_and_not_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """TensorFlow's abort message can name every task, this one included; the one-line reason names the others."""
    import tensorflow as tf

    from hangul_rnn.distribute import peer_failure

    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["a:1", "b:2"]},
                                                "task": {"type": "worker", "index": 0}}))
    exc = tf.errors.UnavailableError(None, None, "Collective ops aborted on /job:worker/replica:0/task:0:\n"
                                     "task /job:worker/replica:0/task:1 stopped sending heartbeats")
    reason = peer_failure(exc)
    assert reason is not None and "no heartbeat from /job:worker/replica:0/task:1)" in reason
    assert peer_failure(ValueError("not a peer")) is None
