"""from_arrays: no graph constants, every sample once per epoch, a new order each epoch, seeded."""
import gc
import os

import numpy as np
import pytest

import tfcompat
from tfcompat.compat import tfshim

from .feeding_support import fresh, graph_mode, linear_model, task


def epochs(dataset, count, steps):
    """``count`` epochs of ``steps`` batches each, as lists of x arrays."""
    batches = tfcompat.numpy_batches(dataset)
    return [np.concatenate([np.asarray(tfshim.flatten(next(batches))[0]) for _ in range(steps)])
            for _ in range(count)]


@pytest.mark.skipif(not graph_mode(), reason="a GraphDef exists in graph mode only")
def test_graphdef_stays_small_with_100_mb_of_arrays():
    tf = tfshim.tf()
    x = np.ones((25000, 1000), "float32")  # 100 MB
    y = np.zeros((25000, 1), "float32")
    assert x.nbytes >= 100 * 10 ** 6
    graph = tf.Graph()
    with graph.as_default():
        batches = tfcompat.numpy_batches(tfcompat.from_arrays(x, y, batch_size=256))
        xb, yb = next(batches)
    assert xb.shape == (256, 1000) and yb.shape == (256, 1)
    assert graph.as_graph_def().ByteSize() < 10 ** 6
    # The same through fit on the Keras graph, on every path that runs here.
    flavor = tfcompat.detect().keras_flavor
    for name in tfcompat.detect(flavor=flavor).available_paths:
        k = fresh(flavor)
        model = linear_model(k, features=1000)
        tfcompat.fit(model, tfcompat.from_arrays(x, y, batch_size=256), steps_per_epoch=2,
                     path=name)
        keras_graph = model.outputs[0].graph
        assert keras_graph.as_graph_def().ByteSize() < 10 ** 6, name


@pytest.mark.parametrize("shuffle", [True, False])
def test_each_epoch_has_every_sample_once(shuffle):
    x = np.arange(1000).reshape(-1, 1)
    first, second = epochs(tfcompat.from_arrays(x, x, batch_size=64, shuffle=shuffle,
                                                repeat=True), 2, 16)
    for epoch in (first, second):
        assert sorted(epoch[:, 0]) == list(range(1000))
    assert (list(first[:, 0]) != list(second[:, 0])) is shuffle
    if not shuffle:
        assert list(first[:, 0]) == list(range(1000))


def test_seed_makes_the_order_reproducible():
    x = np.arange(500).reshape(-1, 1)
    a = epochs(tfcompat.from_arrays(x, batch_size=50, seed=7, repeat=True), 2, 10)
    b = epochs(tfcompat.from_arrays(x, batch_size=50, seed=7, repeat=True), 2, 10)
    c = epochs(tfcompat.from_arrays(x, batch_size=50, seed=8, repeat=True), 2, 10)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_one_pass_without_repeat_and_a_short_last_batch():
    x, y = task(100)
    batches = list(tfcompat.numpy_batches(tfcompat.from_arrays(x, y, batch_size=32,
                                                               repeat=False)))
    assert [len(b[0]) for b in batches] == [32, 32, 32, 4]
    rows = np.concatenate([b[0] for b in batches])
    targets = np.concatenate([b[1] for b in batches])
    assert np.allclose(rows.dot([0.5, -1.0, 0.25, 1.5]) + 1, targets[:, 0])  # pairs kept


def test_several_inputs_and_dtypes_are_kept():
    a = np.arange(40, dtype="int32").reshape(20, 2)
    b = np.linspace(0, 1, 20).astype("float64")
    y = np.arange(20, dtype="uint8")
    (xa, xb), yb = next(tfcompat.numpy_batches(tfcompat.from_arrays([a, b], y, batch_size=5,
                                                                     shuffle=False)))
    assert xa.dtype == np.int32 and xb.dtype == np.float64 and yb.dtype == np.uint8
    assert np.array_equal(xa, a[:5]) and np.array_equal(yb, y[:5])


def test_repeated_dataset_lets_fit_know_its_epoch_length():
    flavor = tfcompat.detect().keras_flavor
    k = fresh(flavor)
    model = linear_model(k)
    x, y = task(96)
    history = tfcompat.fit(model, tfcompat.from_arrays(x, y, batch_size=32), epochs=2)
    assert len(history.history["loss"]) == 2



@pytest.mark.skipif(graph_mode(), reason="tensors of the arrays are an eager construction")
def test_gathering_from_tensors_gives_the_same_batches_as_numpy():
    from tfcompat.compat.arrays import ArraySource
    from tfcompat.compat.paths.dataset_eager import TENSOR_GATHER_MAX

    x = np.arange(300, dtype="float32").reshape(-1, 1)
    y = (np.arange(300) % 3).astype("int64")
    runs = []
    for tensor_gather_max in (0, TENSOR_GATHER_MAX):
        batches = tfcompat.numpy_batches(
            ArraySource(x, y, 32, True, 5).dataset(repeat=True,
                                                   tensor_gather_max=tensor_gather_max))
        runs.append([next(batches) for _ in range(20)])  # two passes of 10 batches
    for (xa, ya), (xb, yb) in zip(*runs):
        assert np.array_equal(xa, xb) and np.array_equal(ya, yb)


def two_inputs():
    """Two x arrays of different dtypes and int64 targets, 300 rows: short last batches of 32."""
    x = [np.arange(300, dtype="float32").reshape(-1, 1), np.arange(600).reshape(-1, 2)]
    return x, (np.arange(300) % 3).astype("int64")


@pytest.mark.skipif(not graph_mode(), reason="batch_op is a graph-mode construction")
def test_batch_op_gathers_the_datasets_batches_from_numpy_or_variables():
    from tfcompat.compat import arrays
    from tfcompat.compat.paths.tensor_input import VARIABLE_GATHER_MAX

    tf = tfshim.tf()
    v1 = tfshim.v1()
    x, y = two_inputs()
    plans = [[(None, False), (tf.float32, False)], [(tf.float32, True)]]  # cast, add an axis
    expected = tfcompat.numpy_batches(arrays.ArraySource(x, y, 32, True, 5).dataset(repeat=True))
    expected = [next(expected) for _ in range(20)]  # two passes of 10, the last of each short
    for cap, variables in ((VARIABLE_GATHER_MAX, 3), (0, 0)):
        with tf.Graph().as_default() as graph, v1.Session() as session:
            feed = arrays.graph_feed(graph, arrays.ArraySource(x, y, 32, True, 5), plans)
            xs, ys = feed.batch_op(session, cap)
            made = [op for op in graph.get_operations() if op.type in ("VarHandleOp",
                                                                       "VariableV2")]
            assert len(made) == variables
            assert v1.global_variables() == [] and v1.trainable_variables() == []
            assert graph.as_graph_def().ByteSize() < 10 ** 5
            for (xa, ya), _ in zip(expected, range(20)):
                (xb, xc), (yb,) = session.run([xs, ys])
                assert xb.dtype == np.float32 and xc.dtype == np.float32 and yb.shape[1:] == (1,)
                assert np.array_equal(xa[0], xb) and np.array_equal(xa[1], xc)
                assert np.array_equal(ya[:, None], yb)


@pytest.mark.skipif(not graph_mode(), reason="GraphFeed is a graph-mode construction")
@pytest.mark.parametrize("cap", ["variables", "numpy"])
def test_a_graph_feed_takes_new_arrays_of_its_layout_without_new_ops(cap):
    """Sources of one layout bound in turn to one GraphFeed: the same ops (and variables) give
    each one's batches; a source taken while the first is held gets a second GraphFeed."""
    import weakref

    from tfcompat.compat import arrays
    from tfcompat.compat.paths.tensor_input import VARIABLE_GATHER_MAX

    tf = tfshim.tf()
    v1 = tfshim.v1()
    limit = VARIABLE_GATHER_MAX if cap == "variables" else 0
    with tf.Graph().as_default() as graph, v1.Session() as session:
        ops, refs = None, []
        for shift in range(3):
            x, y = two_inputs()
            x = [x[0] + 1000 * shift, x[1]]
            refs.append(weakref.ref(x[0]))
            source = arrays.ArraySource(x, y, 32, False, None)
            feed = arrays.graph_feed(graph, source, None)
            xs, ys = feed.batch_op(session, limit)
            for start in (0, 32, 64):
                (xb, _), (yb,) = session.run([xs, ys])
                assert np.array_equal(xb, x[0][start:start + 32])
                assert np.array_equal(yb, y[start:start + 32])
            if shift == 0:
                busy = arrays.graph_feed(graph, arrays.ArraySource(x, y, 32, False, None), None)
                assert busy is not feed
                busy.release()
            feed.release()
            ops = ops or len(graph.get_operations())
            assert len(graph.get_operations()) == ops
            del x, y, source, xb, yb
            gc.collect()
            assert refs[-1]() is None  # nothing of the arrays is kept after the release


def test_tensor_gathering_where_it_measured_faster():
    from tfcompat.compat.paths.dataset_eager import gathers_in_tensors

    cell = os.environ.get("TFCOMPAT_CELL")
    if cell is None:
        pytest.skip("not in a tox cell")
    assert gathers_in_tensors(tfcompat.detect()) is (cell in ("tf215", "tf221-tfkeras"))


def test_numpy_generator_gives_the_same_batches_as_the_dataset():
    from tfcompat.compat.arrays import ArraySource

    x, y = two_inputs()
    from_dataset = tfcompat.numpy_batches(ArraySource(x, y, 32, True, 5).dataset(repeat=True))
    from_generator = ArraySource(x, y, 32, True, 5).batches()
    for _ in range(20):  # two passes of 10 batches, the last of each short
        (xa, ya), (xb, yb) = next(from_dataset), next(from_generator)
        assert isinstance(xb, tuple) and len(xb) == 2
        assert all(np.array_equal(a, b) for a, b in zip(xa, xb)) and np.array_equal(ya, yb)


def test_numpy_generator_feeds_keras3_off_tensorflow_only():
    from tfcompat.compat.paths.dataset_eager import feeds_numpy

    cell = os.environ.get("TFCOMPAT_CELL")
    if cell is None:
        pytest.skip("not in a tox cell")
    assert feeds_numpy(tfcompat.detect()) is (cell in ("keras3-jax", "keras3-torch"))


def test_numpy_batches_are_aligned_for_zero_copy():
    """Gathered batches start on 64-byte boundaries, which TensorFlow and JAX take without a
    copy (bench/distributed.py: Keras 3 on JAX feeds measurably faster so)."""
    from tfcompat.compat.arrays import ALIGN, ArraySource

    x, y = two_inputs()
    batches = ArraySource(x, y, 7, True, 5).batches()
    for _ in range(30):
        xs, ys = next(batches)
        for array in list(xs) + [ys]:
            assert array.ctypes.data % ALIGN == 0
    source = ArraySource(x, y, 7, True, 5)
    rows = source._epoch_rows(None)[:7]
    expected = [a[rows] for a in x] + [y[rows]]
    got = source._gatherer(None)[0](rows)
    assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(got, expected))
