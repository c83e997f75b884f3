"""from_arrays(): a tf.data pipeline of batches of in-memory arrays, never put in a graph.

Each pass starts by drawing its epoch number, and with it a permutation of the rows (NumPy,
seeded by ``seed`` and the epoch): every pass gets a new order, also where Keras re-iterates a
finite dataset each epoch, and the sequence of orders is reproducible. Batches of row numbers
are then gathered, whole batches at a time, from the caller's own NumPy arrays by a NumPy
function inside the pipeline. The arrays are neither copied nor serialised: the GraphDef stays
tiny (no 2 GB limit) and peak memory stays near the arrays' own size. A feeding path may ask
for arrays up to a size limit to be copied once into TF and gathered by tf.gather instead: into
tensors (``dataset(tensor_gather_max=)``) or into variables initialised by feed
(``batch_op(variable_gather_max=)``, graph mode, which skips tf.data altogether: each batch goes
straight to the model); or for the gathered NumPy batches from a generator (``batches``). Which
path asks for what, and up to which size, lives with the path (tfcompat.compat.paths).
"""
import collections
import copy
import itertools
import os
import threading
import weakref

import numpy as np

from tfcompat.compat import tfshim
from tfcompat.compat.errors import DataError

# Dataset -> (the ArraySource that built it, whether it repeats), so fit() knows its epoch
# length and whether the user asked for more than one pass.
_SOURCES = weakref.WeakKeyDictionary()


ALIGN = 64  # bytes: the alignment TensorFlow's and XLA's CPU buffers have


def _take(array, rows):
    """``array[rows]`` in a buffer aligned to ALIGN bytes: TensorFlow (py_func results) and
    JAX (device_put, Keras 3's jit calls) take such a NumPy batch without copying it, and copy
    any other (NumPy's own allocations are 16-byte aligned)."""
    shape = (len(rows),) + array.shape[1:]
    nbytes = int(np.prod(shape)) * array.itemsize
    raw = np.empty(nbytes + ALIGN, np.uint8)
    start = -raw.ctypes.data % ALIGN
    out = raw[start:start + nbytes].view(array.dtype).reshape(shape)
    # mode="clip": rows are in range (they come from a permutation), and "raise" buffers out.
    return np.take(array, rows, axis=0, out=out, mode="clip")


class ArraySource(object):
    """Arrays plus batching options; builds the pipeline in the current graph (or eagerly)."""

    def __init__(self, x, y, batch_size, shuffle, seed):
        self.has_y = y is not None
        self.x = _arrays(x, "x")
        self.y = _arrays(y, "y") if self.has_y else ()
        self.x_is_seq = tfshim.is_sequence(x)
        self.y_is_seq = tfshim.is_sequence(y)
        self.n = samples(self.x + self.y)
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise DataError("batch_size must be a positive integer, got %r" % (batch_size,))
        self.batch_size = int(batch_size)
        self.steps = -(-self.n // self.batch_size)  # batches per epoch, the last may be short
        self.shuffle = bool(shuffle)
        self.seed = (int(seed) % 2 ** 32 if seed is not None
                     else int.from_bytes(os.urandom(4), "little"))
        self._epochs = itertools.count()
        self._lock = threading.Lock()
        self._gathers = {}  # repr(plans) -> gather_rows, for the pipelines' py_funcs
        self._in_order = None

    def in_order(self):
        """This source unshuffled, on the same arrays: one pass in the arrays' order, for
        evaluate and validation. The same object at every call, so caches keyed by the source
        keep working."""
        if not self.shuffle:
            return self
        if self._in_order is None:
            ordered = copy.copy(self)
            ordered.shuffle = False
            ordered._epochs = itertools.count()
            ordered._lock = threading.Lock()
            ordered._in_order = ordered
            self._in_order = ordered
        return self._in_order

    def structured_x(self):
        """The inputs as the caller gave them: one array, or a list of them."""
        return list(self.x) if self.x_is_seq else self.x[0]

    def _epoch_rows(self, _):
        """The row order of the next pass: a new epoch number, a new permutation."""
        with self._lock:
            epoch = next(self._epochs)
        if not self.shuffle:
            return np.arange(self.n, dtype="int64")
        return np.random.RandomState([self.seed, epoch]).permutation(self.n).astype("int64")

    def _gatherer(self, plans):
        """(gather_rows(rows) -> conformed NumPy batches, their tf dtypes, their shapes) for
        ``plans`` (conform.conform_plan: casts and added axes per x and y column, or None)."""
        tf = tfshim.tf()
        columns = self.x + self.y
        per_column = (list(plans[0]) + list(plans[1]) if plans
                      else [(None, False)] * len(columns))
        # (column, NumPy dtype to cast to or None, whether to add a last axis) per output
        conform = [(a, np.dtype(d.as_numpy_dtype) if d is not None else None, expand)
                   for a, (d, expand) in zip(columns, per_column)]
        dtypes = [tf.as_dtype(d if d is not None else a.dtype) for a, d, _ in conform]
        shapes = [(None,) + a.shape[1:] + ((1,) if expand else ()) for a, _, expand in conform]

        def gather_rows(rows):
            return [_conformed(_take(a, rows), dtype, expand) for a, dtype, expand in conform]

        return gather_rows, dtypes, shapes, conform

    def _row_batches(self, repeat=True):
        """Batches of row numbers, forever (or one pass), each pass in a new order (see
        _epoch_rows)."""
        while True:
            rows = self._epoch_rows(None)
            for start in range(0, self.n, self.batch_size):
                yield rows[start:start + self.batch_size]
            if not repeat:
                return

    @property
    def structure(self):
        """What structured() needs to give gathered columns the caller's (x, y) structure."""
        return (len(self.x), self.x_is_seq, self.y_is_seq, self.has_y)

    def _gather_for(self, key):
        return self._gathers[key]

    def batches(self, plans=None):
        """Eager: a generator of (x, y) NumPy batches (or (x,)), forever, a new row order every
        pass as in ``dataset``, conformed by ``plans``."""
        gather_rows = self._gatherer(plans)[0]
        for rows in self._row_batches():
            batch = structured(gather_rows(rows), self.structure)
            yield batch if self.has_y else (batch,)  # Keras 3 reads x alone from (x,)

    def dataset(self, repeat, plans=None, tensor_gather_max=0):
        """The pipeline: passes -> row orders -> batches of rows -> gathered batches.
        ``plans`` are applied by the gather itself, which spares the pipeline a map per batch.
        Arrays up to ``tensor_gather_max`` bytes (eager only) are copied once into tensors
        that tf.gather reads."""
        tf = tfshim.tf()
        cls = tfshim.dataset_class()
        numpy_op = tfshim.numpy_op()
        gather_rows, dtypes, shapes, conform = self._gatherer(plans)
        if sum(a.nbytes for a in self.x + self.y) <= tensor_gather_max:
            tensors = [tf.constant(_conformed(a, dtype, expand)) for a, dtype, expand in conform]
        else:
            tensors = None

        # The pipeline's functions reach this source only through a weak reference: a graph
        # keeps them (and its py_funcs) for as long as it lives, a source only while used.
        key, n, structure = repr(plans), self.n, self.structure
        self._gathers[key] = gather_rows
        next_rows = _Weak(self, ArraySource._epoch_rows)
        gather_rows = _Weak(self, lambda source, rows: source._gather_for(key)(rows))

        def epoch_rows(i):
            rows = numpy_op(next_rows, [i], [tf.int64])[0]
            rows.set_shape([n])
            return rows

        def gather(rows):
            if tensors is not None:
                batch = [tf.gather(t, rows) for t in tensors]
            else:
                batch = numpy_op(gather_rows, [rows], dtypes)
                for tensor, shape in zip(batch, shapes):
                    tensor.set_shape(shape)
            return structured(batch, structure)

        passes = cls.range(1).repeat() if repeat else cls.range(1)
        batch_size = self.batch_size
        ds = passes.map(epoch_rows).flat_map(
            lambda rows: cls.from_tensor_slices(rows).batch(batch_size)).map(gather)
        ds = tfshim.prefetch(ds)
        if not tfshim.has("dataset_prefetch"):
            # Before TF 1.4, a map's function (kept by the graph for as long as it lives)
            # holds its Dataset: the one returned, which keeps this source registered, must
            # be a stage the graph does not hold, or the arrays would live as long as it.
            ds = ds.take(-1)
        _SOURCES[ds] = (self, bool(repeat))
        return ds


class GraphFeed(object):
    """Graph mode: the ops feeding batches of from_arrays data in one graph, built once and
    reused by every ArraySource of the same layout (dtypes and shapes after conforming) bound
    to them in turn. A call on new data adds no op to the graph and keeps no reference to the
    data after it (a graph holds its py_funcs, and with them whatever they reach, for as long
    as it lives). One call holds a GraphFeed at a time (graph_feed); concurrent calls get
    one each."""

    def __init__(self, dtypes, shapes, source):
        self._dtypes, self._shapes = dtypes, shapes
        self._structure = source.structure
        self._lock = threading.Lock()
        self._rows = self._gather = self._source = self._conform = None
        self._loaded = None  # (weak ref to the ArraySource, session) the variables hold
        self._variables = None  # ([(variable, its loading placeholder)], gathered tensors)
        self._numpy_tensors = None
        self._dataset = None
        self.busy = False

    def bind(self, source, gather_rows, conform, repeat=True):
        with self._lock:
            self._source, self._gather, self._conform = source, gather_rows, conform
            self._rows = source._row_batches(repeat)

    def release(self):
        with self._lock:
            self._source = self._rows = self._gather = self._conform = None
        self.busy = False

    def _next_rows(self):
        with self._lock:
            if self._rows is None:  # a read after the call ended: the data is gone
                raise StopIteration
            return next(self._rows)

    def _next_batch(self):
        rows = self._next_rows()
        with self._lock:
            gather = self._gather
        if gather is None:
            raise StopIteration
        return gather(rows)

    def batch_op(self, session=None, variable_gather_max=0):
        """(x tensors, y tensors) of the next batch each time the graph runs them. No tf.data
        iterator stands between the arrays and the model. With ``session``, arrays up to
        ``variable_gather_max`` bytes (conformed) are copied into variables there (one copy
        for every source bound in turn: a new one replaces the last) and tf.gather reads
        each batch."""
        v1 = tfshim.v1()
        with self._lock:
            source, conform = self._source, self._conform
        if session is not None and _conformed_bytes(conform) <= variable_gather_max:
            if self._variables is None:
                rows = v1.py_func(self._next_rows, [], tfshim.tf().int64, stateful=True)
                rows.set_shape((None,))
                loads, tensors = [], []
                for dtype, shape in zip(self._dtypes, self._shapes):
                    value = v1.placeholder(dtype, shape)
                    variable = _unshaped_variable(value)
                    loads.append((variable, value))
                    tensor = v1.gather(variable, rows)
                    tensor.set_shape(shape)
                    tensors.append(tensor)
                self._variables = (loads, tensors)
            loads, tensors = self._variables
            if self._loaded is None or self._loaded[0]() is not source or (
                    self._loaded[1] is not session):
                for (variable, value), column in zip(loads, conform):
                    session.run(variable.initializer, {value: _conformed(*column)})
                self._loaded = (weakref.ref(source), session)
        else:
            if self._numpy_tensors is None:
                tensors = v1.py_func(self._next_batch, [], self._dtypes, stateful=True)
                for tensor, shape in zip(tensors, self._shapes):
                    tensor.set_shape(shape)
                self._numpy_tensors = list(tensors)
            tensors = self._numpy_tensors
        count = self._structure[0]
        return list(tensors[:count]), list(tensors[count:])

    def dataset(self):
        """A tf.data Dataset of the bound source's batches (to the end of the bound rows), in
        the order of ArraySource.dataset. No prefetch: a buffer filled from one source would
        be read by the next call, and kept for as long as the graph lives by Keras' iterators."""
        if self._dataset is None:
            cls = tfshim.dataset_class()
            numpy_op = tfshim.numpy_op()

            def pull(_):
                batch = numpy_op(self._next_batch, [], self._dtypes)
                for tensor, shape in zip(batch, self._shapes):
                    tensor.set_shape(shape)
                return structured(batch, self._structure)

            self._dataset = cls.range(1).repeat().map(pull)
        return self._dataset


def _unshaped_variable(value):
    """A non-trainable resource variable initialised by feeding ``value`` (a placeholder),
    of any number of rows, so that every source of a layout can be loaded into it. It is in
    no collection: Keras' initialiser and savers leave it alone. Its scope is named by the
    graph, not by variable_scope's default_name, whose counts are per thread: a second
    thread would clash with the first."""
    v1 = tfshim.v1()
    with v1.variable_scope(v1.get_default_graph().unique_name("tfcompat_arrays")):
        return v1.get_variable("column", initializer=value, validate_shape=False,
                               trainable=False, collections=[], use_resource=True)


def graph_feed(graph, source, plans, repeat=True):
    """A GraphFeed of ``graph`` for ``source`` conformed by ``plans`` (forever, or one pass),
    bound to it and held by the caller until its ``release()``: a free one of the same
    layout, else a new one."""
    gather_rows, dtypes, shapes, conform = source._gatherer(plans)
    layout = (tuple(d.name for d in dtypes), tuple(shapes), len(source.x), source.x_is_seq,
              source.y_is_seq, source.has_y)
    with _FEEDS_LOCK:
        # Kept on the graph itself: the feeds' ops and py_funcs live and die with it.
        pools = _pools_of(graph)
        pool = pools.setdefault(layout, [])
        feed = next((f for f in pool if not f.busy), None)
        if feed is None:
            feed = GraphFeed(dtypes, shapes, source)
            pool.append(feed)
        feed.busy = True
    feed.bind(source, gather_rows, conform, repeat)
    return feed


_FEEDS_LOCK = threading.Lock()
# Graphs whose class has no __dict__ (TF 2.x's): their pools, by weak reference.
_POOLS = weakref.WeakKeyDictionary()


def _pools_of(graph):
    """The GraphFeed pools of ``graph``: kept on the graph itself where it takes attributes
    (TF 1), so that they live and die with it."""
    try:
        return graph.__dict__.setdefault("_tfcompat_feeds", {})
    except AttributeError:
        return _POOLS.setdefault(graph, {})


class _Weak(object):
    """``fn(source, *args)`` while the ArraySource lives; after, the end of the data."""

    def __init__(self, source, fn):
        self._ref = weakref.ref(source)
        self._fn = fn

    def __call__(self, *args):
        source = self._ref()
        if source is None:
            raise StopIteration  # a py_func ends its pipeline's data on StopIteration
        return self._fn(source, *args)


def structured(columns, structure):
    """Gathered columns (x ones, then y ones) as the (x, y) batch the caller's data has
    (``structure``: ArraySource.structure)."""
    count, x_is_seq, y_is_seq, has_y = structure
    xs, ys = columns[:count], columns[count:]
    x = tuple(xs) if x_is_seq else xs[0]
    if not has_y:
        return x
    return x, (tuple(ys) if y_is_seq else ys[0])


def _conformed(array, dtype, expand):
    """``array`` cast to ``dtype`` (None: as it is), with a last axis added if ``expand``."""
    if dtype is not None:
        array = array.astype(dtype)
    return array[..., None] if expand else array


def _conformed_bytes(conform):
    return sum(a.size * (dtype or a.dtype).itemsize for a, dtype, _ in conform)


def samples(columns):
    """The number of rows of arrays that must have one row per sample, each alike."""
    lengths = [len(a) for a in columns]
    if len(set(lengths)) > 1:
        counts = collections.Counter(lengths)
        listed = ", ".join("%d rows (%d arrays)" % (n, c) if c > 1 else "%d rows" % n
                           for n, c in sorted(counts.items(), key=lambda nc: -nc[1])[:4])
        hint = (": a list is read as one array per model input; pass the rows as one array "
                "(np.asarray(x))" if max(counts.values()) > 8 else
                ": pass arrays of equal length")
        raise DataError("x and y need one row per sample, but %d arrays have different "
                        "lengths: %s%s" % (len(lengths), listed, hint))
    n = lengths[0]
    if n == 0:
        raise DataError("the arrays are empty (0 samples): pass at least one sample")
    return n


def leaves(value):
    """The arrays of an array, a list/tuple of them or a dict of them (by sorted key)."""
    if isinstance(value, dict):
        return [value[k] for k in sorted(value)]
    return tfshim.flatten(value)


def checked_arrays(value, name):
    """``value``'s arrays (see leaves) as NumPy arrays, refused with a DataError when one is
    a scalar or not numeric; TensorFlow tensors are left to Keras (see _arrays)."""
    return _arrays(leaves(value), name, tensors=True)


def _arrays(value, name, tensors=False):
    """``value``'s arrays as NumPy arrays, refused with a DataError when one is a scalar or
    not numeric. ``tensors``: TensorFlow tensors (dense, sparse, symbolic) are left out,
    for Keras to take or refuse; else they are refused."""
    items = tfshim.flatten(value)
    if not items:
        raise DataError("%s is an empty list: pass an array (or a list of arrays)" % name)
    arrays = []
    for item in items:
        if tfshim.is_tensor(item):
            if tensors:
                continue
            raise DataError("%s holds a %s: from_arrays takes NumPy arrays; pass the tensor "
                            "to tfcompat.fit as x or y, as Keras' fit takes it"
                            % (name, type(item).__name__))
        array = np.asarray(item)
        if array.ndim == 0:
            raise DataError("%s must be an array with one row per sample, got a scalar" % name)
        if not _numeric(array.dtype):
            raise DataError("%s has dtype %s: pass numeric arrays (bool, int, float)"
                            % (name, array.dtype))
        arrays.append(array)
    return tuple(arrays)


def _numeric(dtype):
    """bool, integers, floats, and the float types NumPy knows only by extension
    (bfloat16), which TensorFlow and Keras take."""
    if dtype.kind in "biuf":
        return True
    try:
        tf_dtype = tfshim.tf().as_dtype(dtype)
    except TypeError:
        return False
    return tf_dtype.is_floating


def source_of(dataset):
    """The ArraySource behind a dataset that from_arrays returned, else None."""
    return _registered(dataset)[0]


def repeats(dataset):
    """Whether a dataset that from_arrays returned repeats forever (repeat=True)."""
    return _registered(dataset)[1]


def _registered(dataset):
    try:
        return _SOURCES.get(dataset, (None, False))
    except TypeError:  # not weak-referenceable: not one of ours
        return None, False


def from_arrays(x, y=None, batch_size=32, shuffle=True, repeat=False, seed=None):
    """A tf.data Dataset of ``(x, y)`` batches (``x`` batches when ``y`` is None) of NumPy arrays.

    The arrays never become graph constants. ``x`` and ``y`` may be arrays or lists of
    arrays (several model inputs or outputs).

    ``repeat=False`` (the default): each iteration of the dataset is one pass over the
    arrays, as a Dataset of the arrays is; Keras' own ``fit`` runs one pass per epoch.
    ``repeat=True``: it repeats forever (pass ``steps_per_epoch`` to Keras' own ``fit``).
    ``shuffle=True`` (the default): every pass has a new order of the rows (Keras' own
    ``predict`` on the dataset gets them shuffled too: pass ``shuffle=False`` there, or use
    ``tfcompat.predict``, which predicts the arrays in their order). ``seed``: makes the
    sequence of orders reproducible.
    ``tfcompat.fit`` repeats the arrays itself where its path needs it, one pass per epoch;
    ``tfcompat.evaluate`` and ``tfcompat.predict`` make one pass in the arrays' order.
    """
    if x is None:
        raise DataError("from_arrays needs x: an array with one row per sample")
    source = ArraySource(x, y, batch_size, shuffle, seed)
    return source.dataset(repeat)
