"""TFC412's `decay=` rewrite, checked by numbers: Keras 2's `decay=d` and
`InverseTimeDecay(lr, decay_steps=1, decay_rate=d)` give every training step the same learning
rate, lr / (1 + d * t) with t the optimizer's step count before the update.

Each is compared with that formula on the Keras of this cell: plain SGD on a loss whose
gradient is 1, so the weight after n steps is minus the sum of the n learning rates.
Standalone Keras 2 reads its step count in the same graph run that increments it, with no
order between the two, so each step's t is its count before or after the update (TF 1.15
runs either, from run to run): the weight lies between the two sums. tf.keras's optimizers
(TF 2.0-2.10, `legacy` after) order them: t is the count before the update, as in the schedule.
"""
import numpy as np
import pytest

import tfcompat

from . import probes

LR, DECAY, STEPS = 0.1, 0.5, 5

runtime = tfcompat.detect()
keras = probes.keras_module(runtime.keras_flavor)


def _weight_after_steps(make_optimizer):
    probes._reset(keras)
    optimizer = make_optimizer()  # after the reset: graph-mode Keras builds it in the graph
    inp = keras.layers.Input(shape=(1,))
    out = keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros")(inp)
    model = keras.models.Model(inp, out)
    # loss = mean(w * 1): its gradient in w is 1 at every step.
    model.compile(optimizer, loss=lambda y_true, y_pred: y_pred)
    ones = np.ones((4 * STEPS, 1), "float32")
    model.fit(ones, ones, batch_size=4, epochs=1, shuffle=False, verbose=0)
    return float(model.get_weights()[0].ravel()[0])


def _keras2_schedule(first_step=0):
    return -sum(LR / (1.0 + DECAY * t) for t in range(first_step, first_step + STEPS))


def test_keras2_decay_is_inverse_time():
    if not runtime.has("keras_new_optimizers"):
        def optimizer():
            return keras.optimizers.SGD(lr=LR, decay=DECAY)
    elif hasattr(getattr(keras.optimizers, "legacy", None), "SGD") \
            and runtime.keras_flavor != "keras3":
        def optimizer():
            return keras.optimizers.legacy.SGD(learning_rate=LR, decay=DECAY)
    else:
        pytest.skip("Keras 3 has no optimizer taking decay= (nor legacy optimizers)")
    weight = _weight_after_steps(optimizer)
    if runtime.keras_flavor == "keras" and not runtime.eager:  # the unordered read
        assert _keras2_schedule(0) - 1e-6 <= weight <= _keras2_schedule(1) + 1e-6
    else:
        assert weight == pytest.approx(_keras2_schedule(), rel=1e-6)


def test_inverse_time_decay_is_keras2_decay():
    schedules = getattr(keras.optimizers, "schedules", None)
    if schedules is None:
        pytest.skip("no keras.optimizers.schedules before TF 2.0 (the fix is for TF >= 2.11)")

    def optimizer():
        rate = schedules.InverseTimeDecay(LR, decay_steps=1, decay_rate=DECAY)
        return keras.optimizers.SGD(learning_rate=rate)

    assert _weight_after_steps(optimizer) == pytest.approx(_keras2_schedule(), rel=1e-6)
    # and not the undecayed rate: the test can tell them apart
    assert _keras2_schedule() != pytest.approx(-LR * STEPS, rel=1e-6)
