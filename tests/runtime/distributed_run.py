"""One distributed training run, in a fresh interpreter (devices are set before TF starts).

    python distributed_run.py FLAVOR STRATEGY FEEDING EPOCHS

STRATEGY: ``mirrored`` (MirroredStrategy over 2 logical CPUs), ``multiworker``
(MultiWorkerMirroredStrategy from TF_CONFIG), ``jax`` (Keras 3 DataParallel over the host
devices XLA_FLAGS makes) or ``jax-model`` (Keras 3 ModelParallel, its batch axis over them).
FEEDING: ``tfcompat`` (tfcompat.fit / evaluate / predict on
from_arrays data, no seed), ``partial`` (tfcompat.fit on from_arrays data of N_PARTIAL samples,
which the global batch does not divide: each epoch ends on a short batch) or ``keras`` (Keras'
own fit on a seeded, shuffled tf.data Dataset).

The model counts: an Embedding of one zero weight per sample id, the loss the id's weight,
SGD with learning rate = the global batch: each time a sample is trained on, its weight falls
by exactly 1 (the gradient of a batch mean is 1/batch per sample, summed over the replicas
and workers). The weights after each epoch are -(times each id was seen so far). The last
line printed is a JSON report.
"""
import json
import os
import sys

N, BATCH = 32, 8
N_PARTIAL = 36  # 4 full batches of 8, then one of 4


def logical_cpus(tf):
    """Two logical CPU devices, made as this TF makes them; their names."""
    if not tf.executing_eagerly():
        # TF 1 graph mode: the session's config makes them.
        config = tf.compat.v1.ConfigProto(device_count={"CPU": 2})
        tf.compat.v1.keras.backend.set_session(tf.compat.v1.Session(config=config))
        return ["/cpu:0", "/cpu:1"]
    config = tf.config
    cpu = config.experimental.list_physical_devices("CPU")[0]
    if hasattr(config, "set_logical_device_configuration"):
        config.set_logical_device_configuration(cpu, [config.LogicalDeviceConfiguration()] * 2)
        return [d.name for d in config.list_logical_devices("CPU")]
    # TF 2.0: the experimental virtual device configuration.
    experimental = config.experimental
    experimental.set_virtual_device_configuration(
        cpu, [experimental.VirtualDeviceConfiguration()] * 2)
    return [d.name for d in experimental.list_logical_devices("CPU")]


def strategy_of(kind, tf):
    if kind == "mirrored":
        return tf.distribute.MirroredStrategy(logical_cpus(tf))
    cls = (getattr(tf.distribute, "MultiWorkerMirroredStrategy", None)
           or tf.distribute.experimental.MultiWorkerMirroredStrategy)
    return cls()


def build(k, n=N, replicas=None):
    """The counting model of ``n`` ids. ``replicas`` (tf.keras, Keras 2 in TF): a count that
    holds in short batches too: each sample's loss is scaled by its replica's batch size, so
    a replica's mean loss is its sum and, as tf.keras divides each replica's loss by the
    replicas in sync, every sample's gradient is 1/replicas, whatever the batch it is in."""
    inp = k.layers.Input(shape=(1,), dtype="int32")
    embedded = k.layers.Embedding(n, 1, embeddings_initializer="zeros")(inp)
    model = k.models.Model(inp, k.layers.Flatten()(embedded))
    if replicas is None:
        model.compile(k.optimizers.SGD(float(BATCH)), lambda y_true, y_pred: y_pred[:, 0])
        return model
    import tensorflow as tf

    def loss(y_true, y_pred):
        return y_pred[:, 0] * tf.cast(tf.shape(y_pred)[0], y_pred.dtype)

    model.compile(k.optimizers.SGD(float(replicas)), loss)
    return model


def replica_values(kind, strategy, model, k):
    """Per weight, its value on each replica of this process."""
    import numpy as np

    values = []
    for weight in model.weights:
        if kind.startswith("jax"):
            values.append([np.asarray(s.data) for s in weight.value.addressable_shards])
            continue
        import tensorflow as tf

        variable = getattr(weight, "value", weight)  # Keras 3 wraps a tf.Variable
        variable = variable if not callable(variable) else weight
        if tf.executing_eagerly():
            values.append([np.asarray(v.numpy())
                           for v in strategy.experimental_local_results(variable)])
        else:  # TF 1 graph mode: the MirroredVariable's per-device variables
            session = k.backend.get_session()
            values.append(session.run(list(variable.values)))
    return values


def run(flavor, kind, feeding, epochs):
    import numpy as np

    if kind in ("jax", "jax-model"):
        import keras

        devices = keras.distribution.list_devices()
        if kind == "jax":
            distribution = keras.distribution.DataParallel(devices=devices)
        else:  # a data-parallel axis of a model-parallel mesh, no weight split on it
            mesh = keras.distribution.DeviceMesh((len(devices), 1), ("batch", "model"),
                                                 devices)
            distribution = keras.distribution.ModelParallel(
                layout_map=keras.distribution.LayoutMap(mesh), batch_dim_name="batch")
        keras.distribution.set_distribution(distribution)
        strategy = None
    else:
        import tensorflow as tf

        strategy = strategy_of(kind, tf)
    import tfcompat
    from tfcompat.compat.flavors import keras_module

    k = keras_module(flavor)
    n = N_PARTIAL if feeding == "partial" else N
    replicas = strategy.num_replicas_in_sync if feeding == "partial" else None
    if strategy is not None:
        with strategy.scope():
            model = build(k, n, replicas)
    else:
        model = build(k, n, replicas)
    ids = np.arange(n, dtype="int32").reshape(-1, 1)
    zeros = np.zeros((n, 1), "float32")
    seen = []

    class Seen(k.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append([-float(v) for v in self.model.get_weights()[0].ravel()])

    report = {"runtime": tfcompat.detect(model=model).as_dict().get("distribution")}
    if feeding == "keras":
        import tensorflow as tf

        data = tf.data.Dataset.from_tensor_slices((ids, zeros)).shuffle(N, seed=1).batch(BATCH)
        history = model.fit(data, epochs=epochs, verbose=0, callbacks=[Seen()])
    elif feeding == "partial":
        data = tfcompat.from_arrays(ids, zeros, batch_size=BATCH)
        history = tfcompat.fit(model, data, epochs=epochs, verbose=0, callbacks=[Seen()])
    else:
        data = tfcompat.from_arrays(ids, zeros, batch_size=BATCH)
        history = tfcompat.fit(model, data, epochs=epochs, verbose=0, callbacks=[Seen()])
        ordered = tfcompat.from_arrays(ids, zeros, batch_size=BATCH, shuffle=False)
        report["evaluate"] = [float(v) for v in np.ravel(tfcompat.evaluate(model, ordered,
                                                                           verbose=0))]
        report["predict"] = np.asarray(tfcompat.predict(
            model, tfcompat.from_arrays(ids, batch_size=BATCH, shuffle=False, repeat=False),
            verbose=0)).ravel().tolist()
        if kind.startswith("jax"):  # a batch 2 devices cannot split evenly: refused first
            try:
                tfcompat.fit(model, tfcompat.from_arrays(ids, zeros, batch_size=5), verbose=0)
                report["indivisible"] = None
            except Exception as exc:
                report["indivisible"] = [type(exc).__name__, str(exc)]
    counts = [seen[0]] + [[b - a for a, b in zip(before, after)]
                          for before, after in zip(seen, seen[1:])]
    replicas = replica_values(kind, strategy, model, k)
    report.update(
        counts=counts,
        loss=[float(v) for v in history.history["loss"]],
        weights=[float(v) for v in model.get_weights()[0].ravel()],
        replicas=len(replicas[0]),
        replicas_equal=all(np.array_equal(vs[0], v) for vs in replicas for v in vs))
    return report


def main(argv):
    flavor, kind, feeding, epochs = argv[1], argv[2], argv[3], int(argv[4])
    try:
        report = dict(ok=True, **run(flavor, kind, feeding, epochs))
    except Exception as exc:  # the report says what failed; the test judges
        import traceback

        report = dict(ok=False, error=type(exc).__name__, message=str(exc)[:2000],
                      where=traceback.format_exc()[-2000:])
    sys.stdout.flush()
    print("\nREPORT " + json.dumps(report))
    sys.stdout.flush()
    os._exit(0)  # a multi-worker TF may hang in its exit handlers; the report is out


if __name__ == "__main__":
    main(sys.argv)
