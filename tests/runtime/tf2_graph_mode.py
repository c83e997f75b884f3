"""Run as a script by test_tf2_graph_mode.py: TF 2 with eager execution disabled, every graph path
trains a Keras 2 model (tf.keras or tf_keras) on from_arrays data; prints one JSON line."""
import json
import os
import sys

import tensorflow as tf

tf.compat.v1.disable_eager_execution()
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from feeding_support import fresh, keras_loss, linear_model, task  # noqa: E402

import tfcompat  # noqa: E402

flavor = sys.argv[1]
runtime = tfcompat.detect(flavor=flavor)
report = {"paths": list(runtime.available_paths), "runs": {}}
for path in runtime.available_paths:
    k = fresh(flavor)
    # Keras 2.11+ trains in graph mode with the legacy optimizers only.
    optimizers = getattr(k.optimizers, "legacy", k.optimizers)
    model = linear_model(k, opt=optimizers.SGD)
    x, y = task()
    history = tfcompat.fit(model, tfcompat.from_arrays(x, y, seed=0), epochs=5,
                           validation_data=(x[:64], y[:64]), path=path)
    report["runs"][path] = {"loss": history.history["loss"],
                            "val_loss": history.history["val_loss"],
                            "evaluate": tfcompat.evaluate(model, (x, y), path=path)[0],
                            "keras": keras_loss(model, x, y)}
print(json.dumps(report))
