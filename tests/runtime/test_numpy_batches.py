"""numpy_batches: thread-safe, and the seed's failing generator made to work."""
import threading

import numpy as np
import pytest

import tfcompat
from tfcompat.compat import tfshim

from .feeding_support import (
    BATCH,
    STEPS,
    fresh,
    graph_mode,
    keras_loss,
    linear_model,
    task,
    zipped_dataset,
)


def _pull_in_threads(batches, threads=8):
    seen, errors = [], []

    def work():
        try:
            for batch in batches:
                seen.append(np.asarray(batch))
        except Exception as exc:  # reported below, with the thread's error
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert not any(w.is_alive() for w in workers), "a thread hung"
    assert not errors, errors
    return seen


@pytest.mark.parametrize("source", ["range", "from_arrays"])
def test_eight_threads_see_each_element_exactly_once(source):
    n = 100000
    if source == "range":
        dataset = tfshim.dataset_class().range(n).batch(1000)
    else:
        dataset = tfcompat.from_arrays(np.arange(n), batch_size=997, repeat=False)
    seen = _pull_in_threads(tfcompat.numpy_batches(dataset))
    values = np.sort(np.concatenate(seen))
    assert len(values) == n
    assert np.array_equal(values, np.arange(n))


def _seed_generator(session, x, y):
    """The seed's code: the pipeline and get_next() built inside the generator, lazily."""
    cls = tfshim.dataset_class()
    ds = cls.zip((cls.from_tensor_slices(x), cls.from_tensor_slices(y))).repeat().batch(BATCH)
    next_val = tfshim.initializable_iterator(ds).get_next()
    while True:
        yield session.run(next_val)


@pytest.mark.skipif(not graph_mode(), reason="the seed's failure is a graph-mode one")
def test_the_seed_generator_fails_in_a_worker_thread():
    """The failure shape: a generator built in one thread, first pulled in another."""
    flavor = tfcompat.detect().keras_flavor
    k = fresh(flavor)
    linear_model(k)
    x, y = task()
    gen = _seed_generator(k.backend.get_session(), x, y)
    errors = []

    def work():
        try:
            next(gen)
        except Exception as exc:
            errors.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(60)
    assert errors and "is not an element of this graph" in str(errors[0])


@pytest.mark.parametrize("flavor", tfcompat.detect().flavors_installed)
def test_numpy_batches_built_here_train_in_keras_worker_threads(flavor):
    """The same data through numpy_batches, built in the main thread, pulled by Keras' worker
    thread (fit_generator with workers=1), trains."""
    k = fresh(flavor)
    model = linear_model(k)
    x, y = task()
    before = keras_loss(model, x, y)
    batches = tfcompat.numpy_batches(zipped_dataset(x.astype("float32"), y.astype("float32")),
                                     session=k.backend.get_session() if graph_mode() else None)
    pulled_by = set()

    def generator():
        for batch in batches:
            pulled_by.add(threading.current_thread().ident)
            yield batch

    if hasattr(model, "fit_generator"):
        history = model.fit_generator(generator(), steps_per_epoch=STEPS, epochs=5, verbose=0,
                                      workers=1)
        assert pulled_by - {threading.current_thread().ident}, "no worker thread pulled"
    else:  # Keras 3: fit takes the generator itself
        history = model.fit(generator(), steps_per_epoch=STEPS, epochs=5, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert keras_loss(model, x, y) < 0.2 * before
