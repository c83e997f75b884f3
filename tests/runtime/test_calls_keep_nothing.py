"""Graph mode (TF 1): calls in a loop keep nothing and threads keep to their own data.

fit / evaluate on new from_arrays data every call add no op to the graph (beyond Keras' own
fit(dataset) on DATASET_GRAPH, measured here on a reused Dataset) and keep no reference to
the arrays; threads evaluating one model on one Dataset each get all of its batches; fit on
from_arrays data runs in any thread, as Keras' own fit does there."""
import gc
import threading
import weakref

import numpy as np
import pytest

import tfcompat
from tfcompat import FeedingPath

from .feeding_support import (
    BATCH,
    flavor_params,
    fresh,
    graph_mode,
    linear_model,
    task,
    zipped_dataset,
)

pytestmark = pytest.mark.skipif(not graph_mode(), reason="graphs and sessions are TF 1's")


def graph_paths(flavor):
    return tfcompat.detect(flavor=flavor).available_paths


def ops(model):
    return len(model.outputs[0].graph.get_operations())


def keras_growth(model, x, y):
    """Ops Keras' own fit + evaluate add per call on one reused Dataset."""
    with model.outputs[0].graph.as_default():
        ds = zipped_dataset(x.astype("float32"), y.astype("float32"))
    counts = []
    for _ in range(3):
        model.fit(ds, steps_per_epoch=3, verbose=0)
        model.evaluate(ds, steps=2, verbose=0)
        counts.append(ops(model))
    assert counts[2] - counts[1] == counts[1] - counts[0]
    return counts[2] - counts[1]


@pytest.mark.parametrize("flavor", flavor_params())
def test_calls_on_new_arrays_add_no_op_and_keep_no_array(flavor):
    for path in graph_paths(flavor):
        k = fresh(flavor)
        model = linear_model(k)
        expected = 0
        if path == FeedingPath.DATASET_GRAPH:
            expected = keras_growth(model, *task())
        added, refs = [], []
        for call in range(4):
            x, y = task(seed=call)
            refs.append(weakref.ref(x))
            data = tfcompat.from_arrays(x, y, batch_size=BATCH)
            before = ops(model)
            tfcompat.fit(model, data, steps_per_epoch=3, verbose=0, path=path)
            tfcompat.evaluate(model, data, steps=2, verbose=0, path=path)
            added.append(ops(model) - before)
            del x, y, data
            gc.collect()
        assert added[1:] == [expected] * 3, (path, added)
        assert [ref() is None for ref in refs] == [True] * 4, path
        # The same Dataset object again and again: nothing new either.
        x, y = task()
        dataset = zipped_dataset(x, y)
        added = []
        for _ in range(3):
            before = ops(model)
            tfcompat.fit(model, dataset, steps_per_epoch=3, verbose=0, path=path)
            tfcompat.evaluate(model, dataset, steps=2, verbose=0, path=path)
            added.append(ops(model) - before)
        assert added[1:] == [expected] * 2, (path, added)


def in_threads(model, session, fns):
    """Run each of ``fns`` in its own thread at the same time, in the model's graph and Keras'
    session (as Keras' own calls need in a thread); their results, or their exceptions."""
    graph = model.outputs[0].graph
    start = threading.Barrier(len(fns))
    results = [None] * len(fns)

    def run(number):
        with graph.as_default(), session.as_default():
            start.wait()
            try:
                results[number] = fns[number]()
            except Exception as exc:  # handed to the test, which fails on it
                results[number] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(fns))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.mark.parametrize("flavor", flavor_params())
def test_threads_evaluating_one_model_on_one_dataset_get_their_own_batches(flavor):
    if tfcompat.detect().tf_version < (1, 14):
        pytest.xfail("concurrent evaluate on one Dataset is supported from TF 1.14 (README)")
    for path in graph_paths(flavor):
        k = fresh(flavor)
        model = linear_model(k)
        session = k.backend.get_session()
        x, y = task(1024)
        with model.outputs[0].graph.as_default():
            dataset = zipped_dataset(x, y)
        alone = tfcompat.evaluate(model, dataset, steps=32, verbose=0, path=path)
        together = in_threads(model, session, [
            lambda: tfcompat.evaluate(model, dataset, steps=32, verbose=0, path=path)] * 3)
        for result in together:
            assert not isinstance(result, Exception), (path, result)
            assert np.allclose(result, alone, rtol=1e-5), (path, result, alone)
        # from_arrays data of one layout at the same time: each thread its own arrays.
        sets = [task(512, seed=s) for s in range(3)]
        alone = [tfcompat.evaluate(model, tfcompat.from_arrays(a, b, shuffle=False),
                                   steps=16, verbose=0, path=path) for a, b in sets]
        together = in_threads(model, session, [
            (lambda a, b: lambda: tfcompat.evaluate(model, tfcompat.from_arrays(
                a, b, shuffle=False), steps=16, verbose=0, path=path))(a, b) for a, b in sets])
        for result, expected in zip(together, alone):
            assert not isinstance(result, Exception), (path, result)
            assert np.allclose(result, expected, rtol=1e-5), (path, result, expected)


@pytest.mark.parametrize("flavor", flavor_params())
def test_fit_on_arrays_runs_in_thread_after_thread(flavor):
    for path in graph_paths(flavor):
        k = fresh(flavor)
        model = linear_model(k)
        session = k.backend.get_session()
        x, y = task()
        keras_own = in_threads(model, session, [
            lambda: model.fit(x.astype("float32"), y, batch_size=BATCH, verbose=0)])
        assert not isinstance(keras_own[0], Exception), keras_own
        for _ in range(3):
            result = in_threads(model, session, [
                lambda: tfcompat.fit(model, tfcompat.from_arrays(x, y, batch_size=BATCH),
                                     steps_per_epoch=3, verbose=0, path=path)])[0]
            assert not isinstance(result, Exception), (path, result)
            assert len(result.history["loss"]) == 1
