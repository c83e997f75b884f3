"""Batches conformed to a model, as Keras conforms NumPy data itself (and not tensors fed
directly): used by the from_arrays gather and by a map on other datasets."""
from tfcompat import versions
from tfcompat.compat import tfshim
from tfcompat.compat.flavors import model_flavor


def conform_plan(model, spec):
    """How batches of ``spec`` (an (x, y) structure of Spec) must change to suit ``model``, as
    Keras conforms NumPy data (and not tensors fed directly): x cast to the inputs' float
    types, y to the outputs' ones, and a rank-1 target given the output's rank 2 (tf.keras 1.x
    rejects (batch,) targets of a dataset). Per side, per leaf: (tf.DType to cast to or None,
    whether to add an axis); None when nothing changes. Keras 3 conforms a target's rank
    itself, and its compiled step, once traced on (batch,) targets of arrays, fails on
    (batch, 1) ones ("Cannot take the length of shape with unknown rank"): no axis there."""
    if not getattr(model, "inputs", None) or not getattr(model, "outputs", None):
        return None  # a model that builds on its first batch: Keras conforms it then
    if not (isinstance(spec, tuple) and len(spec) in (2, 3)):
        return None  # x alone: Keras' own fit takes it as it is
    expands = model_flavor(model) != versions.KERAS3
    plans = []
    for side, tensors, is_target in ((spec[0], model.inputs, False),
                                     (spec[1], model.outputs, True)):
        leaves = tfshim.flatten(side)
        if len(leaves) != len(tensors) or isinstance(side, dict):
            plans.append([(None, False)] * len(leaves))  # a structure Keras reports on itself
            continue
        plan = []
        for leaf, tensor in zip(leaves, tensors):
            dtype = tfshim.float_dtype_of(tensor)
            rank = len(tensor.shape)
            plan.append((dtype if dtype is not None and dtype.name != leaf.dtype else None,
                         expands and is_target and leaf.shape is not None and len(leaf.shape) == 1
                         and rank == 2))
        plans.append(plan)
    if not any(d is not None or expand for side in plans for d, expand in side):
        return None
    return plans


def cast_for(model, dataset):
    """``dataset`` conformed to the model (see conform_plan), by a map in the pipeline."""
    tf = tfshim.tf()
    plans = conform_plan(model, tfshim.structure(dataset))
    if plans is None:
        return dataset

    def conform(value, plan):
        values = []
        for v, (dtype, expand) in zip(tfshim.flatten(value), plan):
            v = tf.cast(v, dtype) if dtype is not None else v
            values.append(tf.expand_dims(v, -1) if expand else v)
        return tuple(values) if tfshim.is_sequence(value) else values[0]

    return dataset.map(lambda x, y, *w: (conform(x, plans[0]), conform(y, plans[1])) + w)


def key_mismatch(model, spec):
    """None when every dict in ``spec``'s (x, y) is keyed by the model's input (x) or output
    (y) names, else one line saying what is not."""
    for side, names, what in ((spec[0], model.input_names, "input"),
                              (spec[1], model.output_names, "output")):
        if isinstance(side, dict) and set(side) != set(names):
            return ("dataset keys %s are not the model's %s names %s"
                    % (sorted(side), what, list(names)))
    return None


def by_position(model, dataset):
    """``dataset`` with dicts keyed by the model's input / output names (see key_mismatch)
    given as tuples in the model's order, as Keras orders them itself."""
    spec = tfshim.structure(dataset)
    if not any(isinstance(side, dict) for side in spec[:2]):
        return dataset

    def ordered(value, names):
        if not isinstance(value, dict):
            return value
        values = tuple(value[name] for name in names)
        return values if len(values) > 1 else values[0]

    return dataset.map(lambda x, y, *w: (ordered(x, model.input_names),
                                         ordered(y, model.output_names)) + w)
