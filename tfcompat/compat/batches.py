"""numpy_batches(): NumPy batches out of a tf.data Dataset, safe to pull from any thread.

The Stack Overflow failure ("Tensor ... is not an element of this graph") comes from building
``get_next()`` lazily inside a generator that Keras runs in a worker thread, where the default
graph and session are not the caller's. Here, in graph mode, ``get_next()`` is built once, now,
in the caller's graph, and always run through the session captured now; a lock makes each
batch go to exactly one caller. In eager mode the dataset's own iterator is used, under the
same lock.
"""
import threading

from tfcompat.compat import tfshim
from tfcompat.compat.errors import DataError


class NumpyBatches(object):
    """An iterator of NumPy batches; ``next()`` may be called from any thread."""

    def __init__(self, dataset, session=None):
        if not tfshim.is_dataset(dataset):
            raise DataError("numpy_batches needs a tf.data Dataset, got %s"
                            % type(dataset).__name__)
        self._lock = threading.Lock()
        self._dataset = dataset  # from_arrays' data lives while its batches are read
        self._done = False
        self._owned_session = None
        tf = tfshim.tf()
        self._end = (tf.errors.OutOfRangeError, StopIteration)
        if tfshim.executing_eagerly():
            state = {}
            self._start = lambda: state.update(iterator=iter(dataset))
            self._start()
            self._pull = lambda: tfshim.map_structure(lambda t: t.numpy(),
                                                      next(state["iterator"]))
            return
        v1 = tfshim.v1()
        if session is None:
            session = v1.get_default_session()
        graph = session.graph if session is not None else v1.get_default_graph()
        with graph.as_default():
            iterator = tfshim.initializable_iterator(dataset)
            fetch = iterator.get_next()
        if session is None:
            session = self._owned_session = v1.Session(graph=graph)
        self._start = lambda: session.run(iterator.initializer)
        self._start()
        self._pull = lambda: session.run(fetch)

    def __iter__(self):
        return self

    def __next__(self):
        with self._lock:
            if self._done:
                raise StopIteration
            try:
                return self._pull()
            except self._end:
                self._done = True
                self.close()
                raise StopIteration

    next = __next__

    def restart(self):
        """Start the dataset over, as a new NumpyBatches of it would (graph mode: the same
        ops, its iterator initialised again in the session given)."""
        with self._lock:
            self._start()
            self._done = False

    def generator(self):
        """A Python generator over these batches, for the Keras versions whose fit accepts
        only generators (tf.keras 1.15 fit_generator, Keras 3 fit); as thread-safe as Keras
        makes any generator."""
        for batch in self:
            yield batch

    def close(self):
        if self._owned_session is not None:
            self._owned_session.close()
            self._owned_session = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass


def numpy_batches(dataset, session=None):
    """Iterate ``dataset`` as NumPy batches, safely from any thread (e.g. Keras workers).

    In graph mode the iterator is built now in the graph of ``session`` (default: the default
    session, else a new session on the default graph) and always run in that session."""
    return NumpyBatches(dataset, session)
