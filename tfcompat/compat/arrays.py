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
        # session -> {(column number, dtype, batch shape): its variable}: one copy per session
        self._variables = weakref.WeakKeyDictionary()
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
            return [_conformed(a[rows], dtype, expand) for a, dtype, expand in conform]

        return gather_rows, dtypes, shapes, conform

    def _row_batches(self):
        """Batches of row numbers, forever, each pass in a new order (see _epoch_rows)."""
        while True:
            rows = self._epoch_rows(None)
            for start in range(0, self.n, self.batch_size):
                yield rows[start:start + self.batch_size]

    def _structured(self, columns):
        """Gathered columns (x ones, then y ones) as the (x, y) batch the caller's data has."""
        xs, ys = columns[:len(self.x)], columns[len(self.x):]
        x = tuple(xs) if self.x_is_seq else xs[0]
        if not self.has_y:
            return x
        return x, (tuple(ys) if self.y_is_seq else ys[0])

    def batches(self, plans=None):
        """Eager: a generator of (x, y) NumPy batches (or (x,)), forever, a new row order every
        pass as in ``dataset``, conformed by ``plans``."""
        gather_rows = self._gatherer(plans)[0]
        for rows in self._row_batches():
            batch = self._structured(gather_rows(rows))
            yield batch if self.has_y else (batch,)  # Keras 3 reads x alone from (x,)

    def batch_op(self, plans=None, session=None, variable_gather_max=0):
        """Graph mode: (x tensors, y tensors) of the next batch each time the graph runs them,
        a new row order every pass as in ``dataset``. No tf.data iterator stands between the
        arrays and the model. With ``session``, arrays up to ``variable_gather_max`` bytes
        (conformed) are copied once into variables there and tf.gather reads each batch."""
        gather_rows, dtypes, shapes, conform = self._gatherer(plans)
        row_batches = self._row_batches()
        lock = threading.Lock()  # the op may run in several session threads at once

        def next_rows():
            with lock:
                return next(row_batches)

        v1 = tfshim.v1()
        if session is not None and _conformed_bytes(conform) <= variable_gather_max:
            rows = v1.py_func(next_rows, [], tfshim.tf().int64, stateful=True)
            rows.set_shape((None,))
            loaded = self._variables.setdefault(session, {})
            tensors = []
            for number, (column, dtype, shape) in enumerate(zip(conform, dtypes, shapes)):
                key = (number, dtype, shape)
                if key not in loaded:
                    loaded[key] = _variable_of(session, column, dtype, (self.n,) + shape[1:])
                tensors.append(v1.gather(loaded[key], rows))
        else:
            tensors = v1.py_func(lambda: gather_rows(next_rows()), [], dtypes, stateful=True)
            for tensor, shape in zip(tensors, shapes):
                tensor.set_shape(shape)
        return list(tensors[:len(self.x)]), list(tensors[len(self.x):])

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

        def epoch_rows(i):
            rows = numpy_op(self._epoch_rows, [i], [tf.int64])[0]
            rows.set_shape([self.n])
            return rows

        def gather(rows):
            if tensors is not None:
                batch = [tf.gather(t, rows) for t in tensors]
            else:
                batch = numpy_op(gather_rows, [rows], dtypes)
                for tensor, shape in zip(batch, shapes):
                    tensor.set_shape(shape)
            return self._structured(batch)

        passes = cls.range(1).repeat() if repeat else cls.range(1)
        batch_size = self.batch_size
        ds = passes.map(epoch_rows).flat_map(
            lambda rows: cls.from_tensor_slices(rows).batch(batch_size)).map(gather)
        ds = tfshim.prefetch(ds)
        _SOURCES[ds] = (self, bool(repeat))
        return ds


def _conformed(array, dtype, expand):
    """``array`` cast to ``dtype`` (None: as it is), with a last axis added if ``expand``."""
    if dtype is not None:
        array = array.astype(dtype)
    return array[..., None] if expand else array


def _conformed_bytes(conform):
    return sum(a.size * (dtype or a.dtype).itemsize for a, dtype, _ in conform)


def _variable_of(session, column, dtype, shape):
    """A non-trainable variable holding ``column`` conformed (see ArraySource._gatherer),
    initialised in ``session`` by one feed: the GraphDef never holds the array. Loading
    peaks at two copies (the feed's and the variable's), one stays. The variable is in no
    collection: Keras' initialiser and savers leave it alone."""
    array, cast, expand = column
    v1 = tfshim.v1()
    value = v1.placeholder(dtype, shape)
    with v1.variable_scope(None, default_name="tfcompat_arrays"):
        variable = v1.get_variable("column", initializer=value, trainable=False,
                                   collections=[], use_resource=True)
    session.run(variable.initializer, {value: _conformed(array, cast, expand)})
    return variable


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
