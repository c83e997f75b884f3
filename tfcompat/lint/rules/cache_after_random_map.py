from tfcompat.lint.analysis import chains, patterns, qualnames
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run


class CacheAfterRandomMap(Rule):
    """
    ## What it does
    Finds `.cache()` after a `.map()` whose function draws random numbers (`tf.random.*`,
    `tf.image.random_*`, `np.random.*`, `random.*`, directly or through functions of the
    module it calls).

    ## Why is this bad?
    `cache()` stores the elements of the first epoch and replays them: the random crop, flip
    or noise drawn in the first epoch is frozen and every later epoch trains on exactly the
    same "augmented" samples. The augmentation silently stops augmenting.

    ## Example
    ```python
    import tensorflow as tf

    ds = images.map(lambda x: tf.image.random_flip_left_right(x)).cache()
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    ds = images.cache().map(lambda x: tf.image.random_flip_left_right(x))
    ```

    ## Fix safety
    Unsafe: the cache then holds the elements before augmentation (the memory or disk it takes
    changes) and the map runs every epoch (more CPU per epoch).

    ## Versions
    Every TF with `Dataset.cache` (1.4+). The swap is valid on every version. Rewrite run by
    tests/runtime/test_rewrites_run.py in tf115-keras231 and tf221.
    """

    code = "TFC503"
    name = "cache-after-random-map"
    message = ("`.cache()` after a map that draws random numbers ({function}) freezes the first "
               "epoch's augmentation")
    help = "cache before the random map"
    tokens = (("cache",), qualnames.MAP_METHODS)
    called = True  # methods of a call chain
    fix_safety = UNSAFE

    VALID = [
        # Randomness outside any map is not this rule's.
        """
        import numpy as np
        import tensorflow as tf
        x = np.random.rand(100, 3).astype("float32")
        def normalize(v):
            return v / 10.0
        ds = tf.data.Dataset.from_tensor_slices(x).map(normalize).cache()
        """,
        """
        import tensorflow as tf
        ds = ds.map(decode).cache().map(lambda x: tf.image.random_crop(x, (24, 24, 3)))
        """,
        # Stateless ops with a fixed seed give the same result every epoch anyway.
        """
        import tensorflow as tf
        ds = ds.map(lambda x: tf.image.stateless_random_flip_left_right(x, (1, 2))).cache()
        """,
        # A function we cannot see (a parameter) is not assumed random.
        """
        def build(ds, augment):
            return ds.map(augment).cache()
        """,
    ]
    INVALID = [
        # A program: run before and after the fix (tests/runtime/test_rewrites_run.py).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            ds = tf.data.Dataset.from_tensor_slices((x, y))
            ds = ds.map(lambda a, b: (a + tf.random.uniform(tf.shape(a)), b)).cache()
            ds = ds.repeat().batch(4)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(ds, epochs=2, steps_per_epoch=2, verbose=0).history["loss"]
            """,
            at=(6, 67),
            fixed="""
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            ds = tf.data.Dataset.from_tensor_slices((x, y))
            ds = ds.cache().map(lambda a, b: (a + tf.random.uniform(tf.shape(a)), b))
            ds = ds.repeat().batch(4)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(ds, epochs=2, steps_per_epoch=2, verbose=0).history["loss"]
            """,
            run=Run(original=("tf115-keras231",), fixed=("tf115-keras231", "tf221"),
                    result=[2])),
        Invalid(
            """
            import tensorflow as tf
            ds = images.map(lambda x: tf.image.random_flip_left_right(x)).cache()
            """,
            at=(2, 63),
            fixed="""
            import tensorflow as tf
            ds = images.cache().map(lambda x: tf.image.random_flip_left_right(x))
            """),
        # Through a function of the module, over reassignments.
        Invalid(
            """
            import numpy as np
            def jitter(x):
                return x + noise(x.shape)
            def noise(shape):
                return np.random.normal(size=shape).astype("float32")
            def pipeline(ds):
                ds = ds.map(jitter)
                ds = ds.cache()
                return ds
            """,
            at=(8, 13),
            fixed="""
            import numpy as np
            def jitter(x):
                return x + noise(x.shape)
            def noise(shape):
                return np.random.normal(size=shape).astype("float32")
            def pipeline(ds):
                ds = ds.cache()
                ds = ds.map(jitter)
                return ds
            """),
        # Not adjacent: reported only.
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            ds = ds.map(lambda x: x + tf.random_normal(tf.shape(x))).batch(8).cache()
            """,
            at=(2, 67)),
        Invalid(
            """
            import random
            from tensorflow.data import Dataset
            def shift(x):
                return x + random.random()
            ds = Dataset.range(5).map(shift, num_parallel_calls=2).cache("/tmp/c")
            """,
            at=(5, 56),
            fixed="""
            import random
            from tensorflow.data import Dataset
            def shift(x):
                return x + random.random()
            ds = Dataset.range(5).cache("/tmp/c").map(shift, num_parallel_calls=2)
            """),
    ]

    def visit_Call(self, node):
        if patterns.method_name(node) != "cache":
            return
        calls = self.method_chain(node)
        if not calls or calls[-1] is not node:
            return
        names = patterns.methods(self, calls)
        random_maps = [i for i in range(len(calls) - 1) if names[i] in qualnames.MAP_METHODS
                       and self._random(calls[i])]
        if not random_maps:
            return
        last = random_maps[-1]
        fix = None
        if random_maps == [len(calls) - 2]:  # next to each other, no earlier random map
            fix = chains.swap(self, calls[last], node)
        function = patterns.argument(calls[last], 0, "map_func").value
        label = function.value if isinstance(function, cst.Name) else "a lambda"
        self.report(node.func.attr, function=label, edits=fix)

    def _random(self, call):
        function = patterns.mapped_function(self, call)
        return function is not None and patterns.draws_random(self, function)
