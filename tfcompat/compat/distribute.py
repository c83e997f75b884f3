"""Distributed feeding: the tf.distribute strategy a model was built under (or the Keras 3
distribution set on JAX), how data is split over its replicas, and where a runtime cannot.

Keras' own fit distributes the dataset it is handed: it splits each global batch over the
replicas (the batch size is the global one, Keras' convention) and, across workers, gives
each worker its part of every batch (tf.data auto-sharding). tfcompat therefore feeds a
distributed model only through Keras' own fit (DATASET_EAGER, DATASET_GRAPH), and makes
right what Keras leaves to the caller across workers: every worker must draw the same
from_arrays order (worker 0's seed is agreed by an all-reduce before training), and sharding
is by DATA (each worker keeps its part of each batch), stated on the dataset instead of
tf.data's AUTO trying files first and warning.
"""
import collections
import json
import os

from tfcompat import versions
from tfcompat.compat import tfshim
from tfcompat.compat.errors import DataError, UnsupportedPathError

TF_DISTRIBUTE = "tf.distribute"
KERAS_DISTRIBUTION = "keras.distribution"

# Only Keras' own fit distributes: the other paths train outside it.
KERAS_FIT_PATHS = ("DATASET_EAGER", "DATASET_GRAPH")

KERAS3_MULTI_WORKER_ISSUE = "keras-team/keras#20585"
KERAS3_INDIVISIBLE_BATCH_ISSUE = "keras-team/keras#21167"

# Strategy classes by the name users construct them by.
PUBLIC_NAMES = {"CollectiveAllReduceStrategy": "MultiWorkerMirroredStrategy",
                "CollectiveAllReduceStrategyV1": "MultiWorkerMirroredStrategy",
                "MirroredStrategyV1": "MirroredStrategy"}


class Distribution(collections.namedtuple("Distribution",
                                          "api name replicas workers worker handle")):
    """How a model is distributed: ``api`` (TF_DISTRIBUTE or KERAS_DISTRIBUTION), the
    strategy's or distribution's class ``name``, ``replicas`` in sync (all workers), the
    number of ``workers`` (processes) and this one's index, and the strategy or
    distribution object itself (``handle``)."""

    __slots__ = ()

    def describe(self):
        """'MirroredStrategy: 2 replicas on 1 worker' for messages and doctor."""
        where = ("1 worker" if self.workers == 1
                 else "%d workers (this is worker %d)" % (self.workers, self.worker))
        return "%s: %d replica%s on %s" % (self.name, self.replicas,
                                            "" if self.replicas == 1 else "s", where)

    def split(self):
        """How Keras' fit splits data here, one line (tfcompat doctor)."""
        text = ("each global batch (batch_size) split over the %d replicas by Keras' own fit"
                % self.replicas)
        if self.workers > 1:
            text += ("; each worker keeps its part of every batch (tf.data DATA sharding), "
                     "from_arrays order agreed with worker 0")
        return text

    def as_dict(self):
        return {"api": self.api, "name": self.name, "replicas": self.replicas,
                "workers": self.workers, "worker": self.worker, "split": self.split()}


def _tf_strategy(model):
    """The tf.distribute strategy ``model`` was built under, else the current scope's; None
    for the default (no) strategy."""
    tf = _tf_or_none()
    distribute = getattr(tf, "distribute", None) if tf is not None else None
    if distribute is None or not hasattr(distribute, "has_strategy"):
        return None  # before TF 1.14 no strategy scope a Keras model can be built under
    # tf.keras and tf_keras keep it as _distribution_strategy, Keras 3 (TF backend) as
    # _distribute_strategy; both None when built outside any scope.
    for name in ("_distribution_strategy", "_distribute_strategy"):
        strategy = getattr(model, name, None) if model is not None else None
        if strategy is not None:
            return strategy
    return distribute.get_strategy() if distribute.has_strategy() else None


def _tf_or_none():
    try:
        return tfshim.tf()
    except ValueError:  # TensorFlowMissingError
        return None


def _of_strategy(strategy):
    extended = strategy.extended
    workers = int(getattr(extended, "_num_workers", 1) or 1)
    worker = int(getattr(extended, "_id_in_cluster", None)
                 or getattr(extended, "_task_id", None) or 0) if workers > 1 else 0
    name = type(strategy).__name__
    name = PUBLIC_NAMES.get(name, name)
    return Distribution(TF_DISTRIBUTE, name, int(strategy.num_replicas_in_sync), workers,
                        worker, strategy)


def _keras_distribution():
    """Keras 3's global distribution (keras.distribution.set_distribution), else None."""
    import keras

    distribution = keras.distribution.distribution()
    if distribution is None:
        return None
    mesh = distribution.device_mesh
    axis = getattr(distribution, "batch_dim_name", None)
    shape = dict(zip(mesh.axis_names, mesh.shape))
    replicas = int(shape[axis]) if axis in shape else int(mesh.devices.size)
    import jax

    return Distribution(KERAS_DISTRIBUTION, type(distribution).__name__, replicas,
                        int(jax.process_count()), int(jax.process_index()), distribution)


def of(flavor, backend, model=None):
    """The Distribution ``model`` (else the current scope or Keras 3 setting) runs under, or
    None where it runs on one device."""
    if flavor is None:
        return None
    if flavor == versions.KERAS3 and backend == "jax":
        return _keras_distribution()
    # Keras 3 on torch (or numpy) ignores a tf.distribute scope and its models keep no
    # strategy: the current scope is what tells (and check() refuses it).
    strategy = _tf_strategy(model)
    return _of_strategy(strategy) if strategy is not None else None


def refuses(path_name, runtime):
    """Why the path ``path_name`` cannot feed the model's distribution here, or None."""
    dist = runtime.distribution
    if dist is None:
        return None
    if path_name not in KERAS_FIT_PATHS:
        return ("cannot feed a model distributed by %s: only Keras' own fit distributes "
                "(DATASET_EAGER, DATASET_GRAPH)" % dist.describe())
    if not runtime.has("keras_fit_distributes"):
        return not_distributed(runtime, dist)
    if dist.workers > 1 and not trains_across_workers(runtime):
        return multi_worker_refusal(runtime, dist)
    return None


def not_distributed(runtime, dist=None):
    """Why Keras' own fit does not distribute here under ``dist`` (the Distribution, if any),
    and what to use instead."""
    what = dist.describe() if dist is not None else "a tf.distribute strategy"
    if runtime.keras_flavor == versions.KERAS3 and runtime.keras_backend not in (
            "tensorflow", "jax"):
        return ("Keras 3 on the %s backend is not distributed by %s: tf.distribute distributes "
                "Keras 3 on its TensorFlow backend only, and keras.distribution runs on JAX "
                "(a %s model trains on one device whatever the scope); use KERAS_BACKEND="
                "tensorflow with this strategy, KERAS_BACKEND=jax with "
                "keras.distribution.DataParallel, or torch's DistributedDataParallel in your "
                "own training loop" % (runtime.keras_backend, what, runtime.keras_backend))
    return ("needs %s to distribute a model built under %s; this is %s"
            % (versions.requirement("keras_fit_distributes", runtime.keras_flavor),
               dist.name if dist is not None else what, runtime.describe()))


def trains_across_workers(runtime):
    """Whether tfcompat feeds several workers here: Keras' own fit trains across them, and
    an eager all-reduce agrees the from_arrays order (see prepare)."""
    return runtime.has("multi_worker_fit") and runtime.eager


def multi_worker_refusal(runtime, dist=None):
    """Why this runtime cannot train across workers (``dist``: the Distribution, if any)."""
    what = dist.describe() if dist is not None else "a multi-worker strategy"
    if runtime.keras_flavor == versions.KERAS3 and runtime.keras_backend == "tensorflow":
        return ("Keras 3 on the TensorFlow backend cannot train across workers under %s "
                "(its fit fails on the PerReplica batches: %s): use tf_keras "
                "(pip install tf_keras, TF_USE_LEGACY_KERAS=1) or Keras 3 on the JAX backend"
                % (what, KERAS3_MULTI_WORKER_ISSUE))
    if not runtime.has("keras_fit_distributes") and runtime.keras_flavor == versions.KERAS3:
        return not_distributed(runtime, dist)
    if runtime.keras_flavor == versions.KERAS3:
        return ("tfcompat feeds a keras.distribution in one process%s; across JAX "
                "processes use Keras' own fit on a dataset sharded per process"
                % (" (this is %s)" % what if dist is not None else ""))
    if runtime.has("multi_worker_fit"):  # graph mode: no eager all-reduce to agree an order
        return ("tfcompat feeds several workers (%s) only executing eagerly (TF 2); in graph "
                "mode use Keras' own fit on a dataset shuffled with a seed, sharded by DATA "
                "(tf.data.experimental.AutoShardPolicy.DATA)" % what)
    return ("needs %s to train across workers under %s; this is %s"
            % (versions.requirement("multi_worker_fit", runtime.keras_flavor), what,
               runtime.describe()))


def check(runtime):
    """UnsupportedPathError where no path can feed this runtime's distribution."""
    dist = runtime.distribution
    if dist is not None and not runtime.has("keras_fit_distributes"):
        raise UnsupportedPathError(not_distributed(runtime, dist))
    if dist is not None and dist.workers > 1 and not trains_across_workers(runtime):
        raise UnsupportedPathError(multi_worker_refusal(runtime, dist))


def prepare(runtime, feed, steps_name):
    """Make ``feed`` (an intake.Feed) right for the workers of this runtime's distribution:
    from_arrays data draws worker 0's order on every worker; the dataset is sharded by DATA;
    a dataset of unknown size needs ``steps_name`` (every worker runs as many steps).
    Nothing changes on one worker, where Keras splits each batch over the replicas itself."""
    dist = runtime.distribution
    if dist is not None and dist.api == KERAS_DISTRIBUTION and feed.source is not None:
        _check_divisible(dist, feed.source)
    if dist is None or dist.workers == 1 or dist.api != TF_DISTRIBUTE:
        return
    if feed.steps is None and tfshim.cardinality(feed.data) is None:
        raise DataError("pass %s (batches per epoch): under %s every worker must run as "
                        "many steps, and the size of %s is unknown"
                        % (steps_name, dist.describe(), feed.role))
    if feed.source is not None and feed.source.shuffle:
        feed.source.seed = agreed_seed(dist.handle, feed.source.seed)
    feed.shard = data_sharded


def _check_divisible(dist, source):
    """Keras 3 on JAX places each batch's rows evenly on the devices, and fails deep in JAX
    (IndivisibleError) on a batch they do not divide: said here, before training."""
    last = source.n % source.batch_size
    for size, what in ((source.batch_size, "batch_size=%d" % source.batch_size),
                       (last, "the last batch of each epoch (%d samples, batch_size=%d: %d "
                              "left)" % (source.n, source.batch_size, last))):
        if size and size % dist.replicas:
            raise DataError("%s places every batch evenly on its %d devices, and %s does "
                            "not divide by %d (%s): pick a batch_size and a number of "
                            "samples that do" % (dist.describe(), dist.replicas, what,
                                                 dist.replicas, KERAS3_INDIVISIBLE_BATCH_ISSUE))


def agreed_seed(strategy, seed):
    """Worker 0's ``seed`` on every worker: an all-reduce of it (the others add 0)."""
    tf = tfshim.tf()
    run = getattr(strategy, "run", None) or strategy.experimental_run_v2

    def worker_zero_seed():
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        # float64 carries a 32-bit seed exactly; every collective implementation takes it.
        return tf.where(tf.equal(replica, 0), tf.constant(float(seed), tf.float64),
                        tf.constant(0.0, tf.float64))

    total = strategy.reduce(tf.distribute.ReduceOp.SUM, run(worker_zero_seed), axis=None)
    return int(total.numpy())


def data_sharded(dataset):
    """``dataset`` set to shard by DATA across workers unless it says how itself."""
    tf = tfshim.tf()
    policy = tf.data.experimental.AutoShardPolicy
    options = dataset.options()
    if options.experimental_distribute.auto_shard_policy != policy.AUTO:
        return dataset
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = policy.DATA
    return dataset.with_options(options)


def jax_device_count():
    import jax

    return int(jax.device_count())


def cluster_from_environment():
    """(this worker's index, the number of workers) from TF_CONFIG, or None (doctor)."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        return None
    try:
        config = json.loads(text)
        workers = len(config["cluster"].get("chief", [])) + len(config["cluster"]["worker"])
        return int(config["task"]["index"]), workers, config["task"]["type"]
    except (ValueError, KeyError, TypeError):
        return None
