"""tf.distribute strategies for training (DESIGN §4) and the workarounds multi-worker Keras needs.

Under ``multiworker`` every worker runs :func:`hangul_rnn.training.train`; only the chief keeps its bundle, and a
worker that stops answering ends the others with a one-line reason instead of a TensorFlow traceback.
"""

from __future__ import annotations

import re

from hangul_rnn.config import STRATEGIES
from hangul_rnn.errors import UsageError


def make_strategy(name: str):
    """The tf.distribute strategy called ``name`` (see module docs of DESIGN §4)."""
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        if gpus:
            return tf.distribute.MirroredStrategy()
        cpus = [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices=cpus, cross_device_ops=tf.distribute.ReductionToOneDevice())
    if name == "multiworker":
        try:
            return tf.distribute.MultiWorkerMirroredStrategy()
        except RuntimeError as exc:  # TF ran something in this process before: collectives can no longer be set up
            raise UsageError(f"--strategy multiworker must start before TensorFlow runs anything in the process "
                             f"({exc}); train in a fresh process with TF_CONFIG set") from None
    raise UsageError(f"unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}")


def peer_failure(exc: BaseException) -> str | None:
    """A one-line reason when ``exc`` means another worker or device of the run went away, else None.

    Under ``multiworker`` a worker stopped with Ctrl-C, killed or cut off leaves the others waiting in an
    all-reduce until TensorFlow's health check (about a minute) aborts it with one of these errors. That is a
    stopped run, not a crash: the last complete epoch is on disk and ``--resume`` continues it.
    """
    import tensorflow as tf

    kinds = (tf.errors.UnavailableError, tf.errors.CancelledError, tf.errors.DeadlineExceededError,
             tf.errors.AbortedError)
    if not isinstance(exc, kinds):
        return None
    message = getattr(exc, "message", None) or str(exc)
    tasks = sorted(set(re.findall(r"/job:\w+/replica:\d+/task:\d+", message)) - {_own_task()})
    if tasks:  # TF often names this process too (its own collective was aborted); the peers are the news
        detail = "no heartbeat from " + ", ".join(tasks)
    else:  # TF's first line is often just "Graph execution error:"; the reason is further down
        lines = [line.strip() for line in message.splitlines() if line.strip()]
        detail = next((line for line in lines if "abort" in line.lower() or "unavailable" in line.lower()),
                      lines[0] if lines else "")[:160]
    return f"a worker or device of the run stopped answering ({type(exc).__name__}: {detail})"


def _own_task() -> str:
    """This process's task name as TensorFlow writes it, from ``TF_CONFIG`` ("" when there is none)."""
    import json
    import os

    try:
        task = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {})
        return f"/job:{task['type']}/replica:0/task:{int(task['index'])}"
    except (ValueError, KeyError, TypeError, AttributeError):
        return ""


def is_chief(strategy) -> bool:
    """True unless ``strategy`` is multi-worker and this process is not its chief (worker 0 when none is named)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    task_type = getattr(resolver, "task_type", None)
    if resolver is None or not task_type or task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return task_type == "worker" and int(resolver.task_id or 0) == 0 and not has_chief


def prebuild_for_multiworker(model, strategy, train_ds) -> None:
    """Build the model's loss, metric and optimizer state from one local batch, then skip Keras's own build step.

    Keras 3's ``fit``/``evaluate`` first build that state from a *distributed* batch, which they average with
    ``strategy.reduce``; MultiWorkerMirroredStrategy cannot reduce an ``(x, y)`` tuple and fails ("Attempt to
    convert a value (PerReplica...) to a Tensor", keras-team/keras#20585). Only shapes matter to the build, so a
    batch of the plain dataset does the same job.

    Then each step's logs are averaged over the workers with ``strategy.reduce("MEAN", value, axis=0)``, which
    fails on the scalar logs a step returns ("Invalid reduction dimension 0 for input with 0 dimensions"); the
    steps are wrapped to return each log as a 1-element vector, which that reduce averages back to a scalar.
    """
    import tensorflow as tf

    x, y = next(iter(train_ds))
    with strategy.scope():
        model._symbolic_build(data_batch=(x, y))
    model._maybe_symbolic_build = lambda *args, **kwargs: None

    def as_vectors(step):
        def wrapped(batch):
            return {k: tf.reshape(v, [1]) for k, v in step(batch).items()}

        return wrapped

    model.train_step = as_vectors(model.train_step)
    model.test_step = as_vectors(model.test_step)
