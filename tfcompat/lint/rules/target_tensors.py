from tfcompat.lint import patterns, provenance
from tfcompat.lint.rule import Invalid, Rule

# (layer, the keyword that feeds it a tensor)
_INPUTS = {"Input": "tensor", "InputLayer": "input_tensor"}


class TargetTensors(Rule):
    """
    ## What it does
    Finds a model fed from graph tensors: `Input(tensor=...)`, `InputLayer(input_tensor=...)`
    and `compile(target_tensors=...)`, in standalone `keras`, `tf.keras` and `tf_keras`.

    ## Why is this bad?
    Wiring a `get_next()` tensor into the model was the fast way to feed tf.data into Keras
    2.0.7-2.2 in graph mode, and it works nowhere else: eager tf.keras (TF 2.0+) rejects
    `target_tensors` (TF 2.2 removed it), Keras 3 (TF 2.16+) fails on `Input(tensor=...)`
    ("input_tensor must be a KerasTensor"), and even in graph mode the model is bound to one
    iterator, so validation and prediction on other data need a second model.

    ## Example
    ```python
    from keras.layers import Dense, Input
    from keras.models import Model

    inputs = Input(tensor=x_batch)
    model = Model(inputs, Dense(1)(inputs))
    model.compile("sgd", "mse", target_tensors=[y_batch])
    ```

    ## Use instead
    ```python
    import tfcompat
    from keras.layers import Dense, Input
    from keras.models import Model

    inputs = Input(shape=(1,))
    model = Model(inputs, Dense(1)(inputs))
    model.compile("sgd", "mse")
    tfcompat.fit(model, dataset, steps_per_epoch=100)
    ```

    ## Fix safety
    No fix: the input's shape and the dataset the tensors came from are not in the call. The
    message says what to do: build the model on `Input(shape=...)`, compile it without
    `target_tensors`, and pass the dataset of `(x, y)` batches to `fit` (tf.keras TF >= 1.9,
    Keras 3) or to `tfcompat.fit`, which uses tensor inputs itself where they are the fastest
    path that runs (graph-mode Keras 2.0.7+).

    ## Versions
    `Input(tensor=)` Keras 1.0.6+, `target_tensors` Keras 2.0.7+, graph mode only; removed
    in eager tf.keras (TF 2.2) and in Keras 3 (TF 2.16).
    """

    code = "TFC404"
    name = "target-tensors"
    message = ("`{what}` feeds the model graph tensors: graph-mode Keras 2 only, not TF 2 eager or "
               "Keras 3")
    help = ("build on Input(shape=...) and pass the (x, y) dataset to fit (tf.keras TF >= 1.9), or "
            "tfcompat.fit(model, dataset)")
    # compile(target_tensors=...), or an Input / InputLayer call given tensor= / input_tensor=.
    tokens = (("target_tensors", "Input", "InputLayer"),
              ("target_tensors", "tensor", "input_tensor"))

    VALID = [
        """
        from keras.layers import Input
        inputs = Input(shape=(1,))
        model.compile("rmsprop", "mse")
        """,
        """
        import tensorflow as tf
        inputs = tf.keras.Input(shape=(4,), tensor=None)
        """,
        # A class's own compile passing the argument through (Keras 2's Model itself).
        """
        class Model(Network):
            def compile(self, optimizer, loss=None, target_tensors=None):
                pass
            def fit(self, x=None, y=None):
                self.compile(optimizer=self.optimizer, loss=self.loss, target_tensors=[y])
        """,
        # Some other library's Input.
        """
        from myforms import Input
        field = Input(tensor=x, label="name")
        """,
    ]
    INVALID = [
        Invalid(
            """
            from keras.layers import Input
            input_vals = Input(tensor=it_x.get_next())
            """,
            at=(2, 20)),
        Invalid(
            """
            model.compile("rmsprop", "mse", target_tensors=[it_y.get_next()])
            """,
            at=(1, 33)),
        Invalid(
            """
            import tensorflow as tf
            inputs = tf.keras.layers.Input(tensor=batch, name="x")
            """,
            at=(2, 32)),
        Invalid(
            """
            from tensorflow.keras import layers
            layer = layers.InputLayer(input_tensor=features)
            """,
            at=(2, 27)),
    ]

    def visit_Call(self, node):
        if patterns.method_name(node) == "compile" and self.qualified_name(node.func) is None:
            if not provenance.keras_method_call(self, node):
                return  # a class's own compile (Keras' Model itself), a module's function
            arg = patterns.argument(node, None, "target_tensors")
            if arg is not None and not patterns.is_literal(arg.value, None):
                self.report(arg, what="compile(target_tensors=...)")
            return
        name = self.qualified_name(node.func) or ""
        layer = name.rsplit(".", 1)[-1]
        if layer not in _INPUTS or not patterns.keras_namespace(name):
            return
        arg = patterns.argument(node, None, _INPUTS[layer])
        if arg is not None and not patterns.is_literal(arg.value, None):
            self.report(arg, what="%s(%s=...)" % (layer, _INPUTS[layer]))
