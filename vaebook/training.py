"""A fast, deterministic, resumable trainer: up to ten epochs run as one XLA-compiled loop.

Parameters and Adam's moments are passed through ``tf.while_loop`` as plain tensors (pure
functions, no variable updates), and every random draw is ``stateless`` in (seed, step), so
a run depends on its Config alone: rerunning it, or resuming it from a checkpoint, gives the
same bits.
"""

from __future__ import annotations

import contextlib
import functools
import json
import random
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from vaebook import cache, metrics, provenance  # issue 9: provenance (port to the run store)
from vaebook.config import Config
from vaebook.data import swiss_roll
from vaebook.loss import batch_loss, loss_terms, reparameterize
from vaebook.model import VAE, mlp

try:
    import fcntl
except ImportError:  # Windows: no advisory file locks, so two processes may train one run twice
    fcntl = None

# Bump when a change to the training code changes its numbers: it invalidates cached runs.
TRAINING_VERSION = "4"
# TF 1's AdamOptimizer defaults, which the original code used.
ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON = 0.9, 0.999, 1e-8
# Epochs per call of the compiled loop, at most: ten 100-step epochs per call train about 10%
# faster than one (each call pays Python and TensorFlow dispatch for ~40 tensors).
EPOCHS_PER_CALL = 10
# Independent streams of the stateless generator, one per kind of random draw.
_EPS_STREAM, _NOISE_STREAM, _EVAL_STREAM = 0, 1, 2
# The real sample that generated points are compared with is drawn with this seed offset, so
# it is independent of the training points (see metrics.noise_floor).
REFERENCE_SEED_OFFSET = 10_000
# Recorded every eval epoch: cheap. At snapshot epochs: every metric of vaebook.metrics.
EVERY_EVAL, AT_SNAPSHOTS = ("sliced_wasserstein",), tuple(metrics.METRICS)


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


@dataclass(frozen=True)
class Snapshot:
    """The model's output at the end of one epoch, for all n_points."""

    reconstructions: np.ndarray  # decoder outputs for the training inputs (the report's "generated")
    prior_samples: np.ndarray  # decoder outputs for z ~ N(0, I): generation proper


@dataclass
class Run:
    """A finished training run: its losses, snapshots, distances and the trained model."""

    config: Config
    vfe: np.ndarray  # the training loss at every iteration
    reconstruction: np.ndarray  # per-epoch mean of the per-sample reconstruction term
    kl: np.ndarray  # per-epoch mean of the per-sample KL term
    snapshots: dict[int, Snapshot]
    distances: dict[str, np.ndarray]  # "epoch" and "<source>_sliced_wasserstein", every eval epoch
    snapshot_distances: dict[str, np.ndarray]  # "epoch" and "<source>_<metric>", every metric
    weights: list[np.ndarray] = field(repr=False)
    seconds: float = 0.0  # wall time of the training itself (0 for a run loaded from cache)

    @property
    def model(self) -> VAE:
        """The trained model, rebuilt from the stored weights."""
        model = build_model(self.config)
        model.set_weights(self.weights)
        return model


def build_model(config: Config) -> VAE:
    """A VAE with the Glorot-uniform initial weights that ``config.seed`` determines."""
    keras.utils.set_random_seed(config.seed)
    model = VAE(config)
    model.encoder.build((None, 3))
    model.decoder.build((None, config.latent_dim))
    # The kernels Keras has just drawn, drawn again from a private generator: Keras seeds each
    # Dense kernel's initializer with the next random.randint(1, 10**9) of Python's global
    # generator, which other threads of the process (a dask worker's) draw from at any time.
    # Biases are zeros either way.
    draws = random.Random(config.seed)
    for layer in (*model.encoder.layers, *model.decoder.layers):
        layer.kernel.assign(keras.initializers.GlorotUniform(draws.randint(1, 10**9))(layer.kernel.shape))
    return model


def _normal(shape, seed, stream: int, counter) -> tf.Tensor:
    """Standard normal draws that are a pure function of (seed, stream, counter). Philox is
    named explicitly: under XLA on the CPU, "auto_select" is about 8x slower per number."""
    key = tf.stack([tf.cast(seed, tf.int64) * 8 + stream, tf.cast(counter, tf.int64)])
    return tf.random.stateless_normal(shape, seed=key, alg="philox")


def _forward(model: VAE, params, x, eps):
    """The Keras model's encoder and decoder as pure functions of explicit parameter tensors."""
    n_enc = len(model.encoder.trainable_variables)
    out = mlp(params[:n_enc], x, model.config.activation)
    latent = model.config.latent_dim
    mu, logvar = out[:, :latent], out[:, latent:]
    x_hat = mlp(params[n_enc:], reparameterize(mu, logvar, eps), model.config.activation)
    return x_hat, mu, logvar


def _corrupt(config: Config, seed, x, counter):
    """The original code's denoising input: one N(noise_mean, noise_std) draw per point, added
    to all three coordinates. The identity when noise_std is 0."""
    if config.noise_std == 0 and config.noise_mean == 0:
        return x
    shift = _normal((tf.shape(x)[0], 1), seed, _NOISE_STREAM, counter)
    return x + config.noise_mean + config.noise_std * shift


def _compile_epochs(model: VAE, config: Config):
    """Up to EPOCHS_PER_CALL epochs of Adam steps as one XLA computation: (params, adam, first
    step, number of epochs, one epoch's batches, seed) -> next params and adam state, and the
    losses of every step (rows past the last epoch are zeros)."""
    steps, batch, latent = config.steps_per_epoch, config.batch_size, config.latent_dim
    lr = config.learning_rate

    sizes = [batch // 2, batch - batch // 2] if batch > 1 else [batch]

    def step_fn(params, m, v, step, x, seed):
        eps = _normal((batch, latent), seed, _EPS_STREAM, step)
        inputs = _corrupt(config, seed, x, step)
        with tf.GradientTape() as tape:
            tape.watch(params)
            # Two half-batches whose passes are independent until their gradients are summed:
            # XLA runs them on two cores at once (1.3x); the numbers do not depend on the cores.
            halves = zip(*(tf.split(t, sizes) for t in (x, inputs, eps)))
            terms = [loss_terms(xi, *_forward(model, params, ci, ei)) for xi, ci, ei in halves]
            recon, kl = (tf.concat(t, axis=0) for t in zip(*terms))
            loss = batch_loss(recon, kl, config.loss)
        grads = tape.gradient(loss, params)
        t = tf.cast(step + 1, tf.float32)
        alpha = lr * tf.sqrt(1.0 - ADAM_BETA2**t) / (1.0 - ADAM_BETA1**t)
        m = [mi + (1.0 - ADAM_BETA1) * (g - mi) for mi, g in zip(m, grads)]
        v = [vi + (1.0 - ADAM_BETA2) * (tf.square(g) - vi) for vi, g in zip(v, grads)]
        params = [p - alpha * mi / (tf.sqrt(vi) + ADAM_EPSILON) for p, mi, vi in zip(params, m, v)]
        return params, m, v, tf.stack([loss, tf.reduce_mean(recon), tf.reduce_mean(kl)])

    @tf.function(jit_compile=True)
    def run_epochs(params, m, v, step0, n_epochs, batches, seed):
        def body(i, params, m, v, record):
            step = step0 + tf.cast(i, tf.int64)
            params, m, v, losses = step_fn(params, m, v, step, batches[i % steps], seed)
            return i + 1, params, m, v, record.write(i, losses)

        record = tf.TensorArray(tf.float32, size=EPOCHS_PER_CALL * steps, element_shape=(3,))
        _, params, m, v, record = tf.while_loop(
            lambda i, *_: i < n_epochs * steps, body, (tf.constant(0), params, m, v, record)
        )
        return params, m, v, record.stack()

    return run_epochs


def _compile_snapshot(model: VAE, config: Config):
    """Reconstructions of the training inputs and decodes of z ~ N(0, I), both for n_points."""
    n, latent = config.n_points, config.latent_dim

    @tf.function(jit_compile=True)
    def snapshot(params, x, epoch, seed):
        eps = _normal((n, latent), seed, _EVAL_STREAM, 2 * epoch)
        x_hat, _, _ = _forward(model, params, _corrupt(config, seed, x, -1 - epoch), eps)
        z = _normal((n, latent), seed, _EVAL_STREAM, 2 * epoch + 1)
        prior = mlp(params[len(model.encoder.trainable_variables) :], z, config.activation)
        return x_hat, prior

    return snapshot


@functools.lru_cache(maxsize=8)
def _compiled(graph: Config):
    """The epoch and snapshot functions for ``graph``'s settings. A run's seed, length and data
    are inputs of these functions, not part of them, so a sweep compiles once per design."""
    model = build_model(graph)
    return _compile_epochs(model, graph), _compile_snapshot(model, graph)


def _graph(config: Config) -> Config:
    """``config`` without the settings that are inputs of the compiled functions."""
    return config.replace(seed=0, epochs=1, snapshots=(1,), eval_every=1, data="report")


class _State:
    """Everything a run has computed so far; what a checkpoint stores."""

    def __init__(self, config: Config, params: list[np.ndarray]) -> None:
        self.config = config
        self.epoch = 0
        self.params = params
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.losses = np.zeros((config.epochs, config.steps_per_epoch, 3), np.float32)
        self.snapshots: dict[int, Snapshot] = {}
        self.distances: dict[int, dict[str, float]] = {}

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Flat, pickle-free arrays for the cache: named by kind, index and epoch."""
        arrays = {"epoch": np.array(self.epoch), "losses": self.losses[: self.epoch]}
        for name, group in (("param", self.params), ("adam_m", self.m), ("adam_v", self.v)):
            arrays |= {f"{name}_{i}": np.asarray(a) for i, a in enumerate(group)}
        for e, snap in self.snapshots.items():
            arrays[f"recon_{e}"] = snap.reconstructions
            arrays[f"prior_{e}"] = snap.prior_samples
        for e, values in self.distances.items():
            arrays |= {f"dist_{e}_{k}": np.array(val) for k, val in values.items()}
        return arrays

    @classmethod
    def from_arrays(cls, config: Config, arrays: dict[str, np.ndarray]) -> _State:
        """The inverse of ``to_arrays``."""
        n = sum(1 for k in arrays if k.startswith("param_"))
        state = cls(config, [arrays[f"param_{i}"] for i in range(n)])
        state.epoch = int(arrays["epoch"])
        state.m = [arrays[f"adam_m_{i}"] for i in range(n)]
        state.v = [arrays[f"adam_v_{i}"] for i in range(n)]
        state.losses[: state.epoch] = arrays["losses"]
        for key in arrays:
            if key.startswith("recon_"):
                e = int(key.split("_")[1])
                state.snapshots[e] = Snapshot(arrays[key], arrays[f"prior_{e}"])
            elif key.startswith("dist_"):
                _, e, name = key.split("_", 2)
                state.distances.setdefault(int(e), {})[name] = float(arrays[key])
        return state

    def _table(self, epochs: list[int]) -> dict[str, np.ndarray]:
        """The metrics recorded at every one of ``epochs``, as arrays over those epochs."""
        names = sorted(set.intersection(*(set(self.distances[e]) for e in epochs)))
        table = {"epoch": np.array(epochs)}
        return table | {name: np.array([self.distances[e][name] for e in epochs]) for name in names}

    def to_run(self, seconds: float) -> Run:
        """The finished run, as the book and the CLI see it."""
        return Run(
            config=self.config,
            vfe=self.losses[:, :, 0].reshape(-1),
            reconstruction=self.losses[:, :, 1].mean(axis=1),
            kl=self.losses[:, :, 2].mean(axis=1),
            snapshots=dict(sorted(self.snapshots.items())),
            distances=self._table(sorted(self.distances)),
            snapshot_distances=self._table(sorted(self.snapshots)),
            weights=[np.asarray(p) for p in self.params],
            seconds=seconds,
        )


def _run_path(config: Config, suffix: str = ""):
    # issue 9 (port to the run store): the stack a run's numbers depend on names its file, so a
    # run trained by another TensorFlow, Keras, NumPy or XLA instruction set is retrained, not loaded.
    stack = provenance.stack_key()
    return cache.cache_dir() / "runs" / f"{config.key(TRAINING_VERSION)}-{stack}{suffix}.npz"


def is_cached(config: Config) -> bool:
    """Whether a finished run of ``config`` is in the cache (not checked for corruption here)."""
    return _run_path(config).exists()


@contextlib.contextmanager
def _exclusive(config: Config):
    """Hold the run's lock file while it is trained or loaded: a second process asking for the
    same Config (two chapters, two test workers) waits, then loads the finished run instead
    of training it again. The operating system releases the lock if the holder dies."""
    if fcntl is None:
        yield
        return
    path = _run_path(config).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"vaebook: waiting for another process training {path.stem}", file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load(config: Config, path) -> _State | None:
    arrays = cache.load_arrays(path)
    if arrays is None:
        return None
    if str(arrays.pop("config")) != _config_json(config):
        return None  # a hash collision or a stale file: never trust it
    return _State.from_arrays(config, arrays)


def _config_json(config: Config) -> str:
    return json.dumps(config.to_dict(), sort_keys=True)


def _save(state: _State, path) -> None:
    cache.save_arrays(
        path,
        state.to_arrays()
        | {"config": np.array(_config_json(state.config))}
        # issue 9 (port to the run store): the full fingerprint of the stack that trained the run
        | {"stack": np.array(json.dumps(provenance.fingerprint(), sort_keys=True))},
    )


def _distances(snapshot: Snapshot, reference: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    """Distances of reconstructions and prior samples to an independent real sample."""
    out = {}
    for source, points in (("recon", snapshot.reconstructions), ("prior", snapshot.prior_samples)):
        values = metrics.distances(points, reference, names)
        out |= {f"{source}_{name}": value for name, value in values.items()}
    return out


def train(config: Config, progress: bool = True, checkpoint_seconds: float = 15.0) -> Run:
    """Train ``config``, or load it from the cache when it was trained before.

    A run in progress is checkpointed to the cache every ``checkpoint_seconds``; an interrupted
    run resumes from its last checkpoint. Raises ``TrainingDiverged`` if the loss stops being
    finite; nothing of a diverged run is written.
    """
    with _exclusive(config):
        done = _load(config, _run_path(config))
        if done is not None:
            return done.to_run(seconds=0.0)
        return _train(config, progress, checkpoint_seconds)


def _train(config: Config, progress: bool, checkpoint_seconds: float) -> Run:
    final_path, partial_path = _run_path(config), _run_path(config, ".partial")
    state = _load(config, partial_path) or _State(
        config, [v.numpy() for v in build_model(config).trainable_variables]
    )
    steps = config.steps_per_epoch
    inputs = tf.constant(swiss_roll(config.n_points, config.seed, config.data))
    batches = tf.reshape(inputs, (steps, config.batch_size, 3))
    reference = swiss_roll(config.n_points, config.seed + REFERENCE_SEED_OFFSET, config.data)
    run_epochs, snapshot = _compiled(_graph(config))
    seed = tf.constant(config.seed, tf.int64)
    params, m, v = (list(map(tf.constant, group)) for group in (state.params, state.m, state.v))
    snapshot_epochs, eval_epochs = set(config.snapshot_epochs), set(config.eval_epochs)

    start, last_checkpoint = time.perf_counter(), time.perf_counter()
    bar = tqdm(
        total=config.epochs,
        initial=state.epoch,
        disable=not progress,
        unit="epoch",
        desc=f"training {config.key(TRAINING_VERSION)}",
        leave=False,
    )

    def evaluate(params: list[tf.Tensor], epoch: int) -> tuple[Snapshot, dict[str, float]]:
        recon, prior = snapshot(params, inputs, tf.constant(epoch, tf.int64), seed)
        snap = Snapshot(recon.numpy(), prior.numpy())
        return snap, _distances(snap, reference, AT_SNAPSHOTS if epoch in snapshot_epochs else EVERY_EVAL)

    # Snapshots and their distances are a pure function of (params, epoch): a second thread
    # computes them while the XLA loop trains on.
    pending: dict[int, Future] = {}
    with bar, ThreadPoolExecutor(max_workers=1) as evaluator:

        def collect() -> None:
            for e, job in sorted(pending.items()):
                snap, state.distances[e] = job.result()
                if e in snapshot_epochs:
                    state.snapshots[e] = snap
            pending.clear()

        while state.epoch < config.epochs:
            # Up to the next epoch that is evaluated, so that its parameters are at hand.
            first = state.epoch
            last = min(first + EPOCHS_PER_CALL, config.epochs, min(e for e in eval_epochs if e > first))
            params, m, v, record = run_epochs(
                params, m, v, tf.constant(first * steps, tf.int64), tf.constant(last - first), batches, seed
            )
            losses = record.numpy()[: (last - first) * steps].reshape(last - first, steps, 3)
            finite = np.isfinite(losses).all(axis=(1, 2))
            if not finite.all():
                partial_path.unlink(missing_ok=True)
                raise TrainingDiverged(
                    f"training diverged in epoch {first + 1 + int(np.argmin(finite))} of {config.epochs}: "
                    f"the loss became {losses[~np.isfinite(losses)][0]} with "
                    f"learning_rate={config.learning_rate}; try a smaller learning_rate"
                )
            state.losses[first:last] = losses
            if last in eval_epochs:
                pending[last] = evaluator.submit(evaluate, params, last)
            state.epoch = last
            bar.update(last - first)
            now = time.perf_counter()
            if now - last_checkpoint > checkpoint_seconds and last < config.epochs:
                collect()
                state.params, state.m, state.v = ([t.numpy() for t in g] for g in (params, m, v))
                _save(state, partial_path)
                last_checkpoint = now
        collect()
    state.params, state.m, state.v = ([t.numpy() for t in g] for g in (params, m, v))
    _save(state, final_path)
    partial_path.unlink(missing_ok=True)
    return state.to_run(seconds=time.perf_counter() - start)
