from tfcompat.lint.analysis import patterns, scopes
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run, Valid

_GENERATORS = ("keras.preprocessing.image.ImageDataGenerator",
               "tensorflow.keras.preprocessing.image.ImageDataGenerator")
_FLOWS = ("flow", "flow_from_directory")
_FITS = ("fit", "fit_generator")
# ImageDataGenerator's arguments that do nothing at these values (literals).
_IDLE = {
    "featurewise_center": ("False",), "samplewise_center": ("False",),
    "featurewise_std_normalization": ("False",), "samplewise_std_normalization": ("False",),
    "zca_whitening": ("False",), "rotation_range": ("0", "0.", "0.0"),
    "width_shift_range": ("0", "0.", "0.0"), "height_shift_range": ("0", "0.", "0.0"),
    "brightness_range": ("None",), "shear_range": ("0", "0.", "0.0"),
    "zoom_range": ("0", "0.", "0.0"), "channel_shift_range": ("0", "0.", "0.0"),
    "horizontal_flip": ("False",), "vertical_flip": ("False",), "rescale": ("None",),
    "preprocessing_function": ("None",), "data_format": ("None", "'channels_last'",
                                                          '"channels_last"'),
    "validation_split": ("0", "0.", "0.0"), "dtype": ("None",),
}
# Arguments that only matter through others (zca_epsilon without zca_whitening), or that the
# layers take as their own (fill_mode, cval).
_PASSIVE = ("zca_epsilon", "fill_mode", "cval")
# class_mode -> image_dataset_from_directory's label_mode.
_LABEL_MODES = {"'categorical'": '"categorical"', '"categorical"': '"categorical"',
                "'binary'": '"binary"', '"binary"': '"binary"', "'sparse'": '"int"',
                '"sparse"': '"int"', "None": "None"}
MAPPING = ("ImageDataGenerator(rotation_range=d) -> RandomRotation(d / 360), "
           "width_shift_range=w / height_shift_range=h (fractions) -> RandomTranslation(h, w), "
           "zoom_range=z -> RandomZoom((-z, z), (-z, z)), horizontal_flip / vertical_flip -> "
           "RandomFlip, rescale=r -> Rescaling(r), fill_mode / cval -> fill_mode / fill_value; "
           "flow(x, y, batch_size) -> tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x))"
           ".batch(batch_size); flow_from_directory(d, target_size, class_mode) -> "
           "keras.utils.image_dataset_from_directory(d, image_size=, label_mode=); then "
           ".map(lambda x, y: (augment(x, training=True), y)). featurewise/samplewise "
           "normalization and ZCA: a keras.layers.Normalization adapted to the data; shear, "
           "channel shift, brightness: none one to one")


class ImageGeneratorToDataset(Rule):
    """
    ## What it does
    When the target's Keras is Keras 3 (TF 2.16+, keras-target not `tf_keras`), finds
    `datagen.flow(...)` / `datagen.flow_from_directory(...)` of a Keras 2 `ImageDataGenerator`
    handed to `fit` / `fit_generator`.

    ## Why is this bad?
    Keras 3 has no `ImageDataGenerator` ("cannot import name 'ImageDataGenerator' from
    'keras.preprocessing.image'"): its augmentations are preprocessing layers
    (`RandomFlip`, `RandomTranslation`, `RandomRotation`, `RandomZoom`, `Rescaling`) applied
    in a tf.data pipeline, and its directory reader is
    `keras.utils.image_dataset_from_directory`. TFC408 reports the import; this rule says
    what each call becomes.

    ## Example
    ```python
    import keras
    from keras.preprocessing.image import ImageDataGenerator

    datagen = ImageDataGenerator(width_shift_range=0.1, height_shift_range=0.1,
                                 horizontal_flip=True)
    model.fit(datagen.flow(x_train, y_train, batch_size=32), epochs=5)
    ```

    ## Use instead
    ```python
    import keras
    import tensorflow as tf

    datagen = keras.Sequential([keras.layers.RandomTranslation(0.1, 0.1, fill_mode="nearest"),
                                keras.layers.RandomFlip("horizontal")])
    dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train))
    dataset = dataset.shuffle(len(x_train)).batch(32)
    model.fit(dataset.map(lambda x, y: (datagen(x, training=True), y)), epochs=5)
    ```

    ## Fix safety
    Unsafe: the layers draw other random numbers (other generators, per batch for the flip), so
    the augmented images are not the same numbers; each transform's distribution is.

    ## Versions
    Keras 3 (TF 2.16+): no ImageDataGenerator; preprocessing layers and
    image_dataset_from_directory from TF 2.9 / Keras 3.0. Rewrite run by
    tests/runtime/test_rewrites_run.py in tf115-keras231 (original) and tf221.
    """

    code = "TFC419"
    name = "image-generator-to-dataset"
    message = "`{call}` of an ImageDataGenerator: Keras 3 (TF 2.16+) has none"
    help = "feed a tf.data pipeline with Keras preprocessing layers: " + MAPPING
    tokens = (("ImageDataGenerator",), _FLOWS)
    called = False
    fix_safety = UNSAFE
    fix_tf = "tf_keras_is_keras3"

    VALID = [
        Valid(
            """
            import keras
            from keras.preprocessing.image import ImageDataGenerator
            datagen = ImageDataGenerator(horizontal_flip=True)
            model.fit(datagen.flow(x, y, batch_size=8), epochs=2)
            """, target_tf="2.15", keras_target="tf_keras"),
        Valid(
            """
            import tf_keras as keras
            from tf_keras.preprocessing.image import ImageDataGenerator
            datagen = ImageDataGenerator(horizontal_flip=True)
            model.fit(datagen.flow(x, y, batch_size=8), epochs=2)
            """, target_tf="2.16"),
        # Not into fit.
        Valid(
            """
            from keras.preprocessing.image import ImageDataGenerator
            datagen = ImageDataGenerator(horizontal_flip=True)
            batches = datagen.flow(x, y, batch_size=8)
            """, target_tf="2.16"),
    ]
    INVALID = [
        # A program: Keras 2's example shape (the generator fitted, workers= on fit).
        Invalid(
            """
            import numpy as np
            import keras
            from keras.preprocessing.image import ImageDataGenerator
            x = np.random.rand(32, 8, 8, 3).astype("float32")
            y = keras.utils.to_categorical(np.arange(32) % 2, 2)
            model = keras.Sequential([keras.layers.Flatten(input_shape=(8, 8, 3)),
                                      keras.layers.Dense(2, activation="softmax")])
            model.compile("sgd", "categorical_crossentropy")
            datagen = ImageDataGenerator(featurewise_center=False, rotation_range=0,
                                         width_shift_range=0.1, height_shift_range=0.1,
                                         fill_mode='nearest', horizontal_flip=True,
                                         rescale=None)
            datagen.fit(x)
            history = model.fit(datagen.flow(x, y, batch_size=8), epochs=2, verbose=0)
            result = history.history["loss"]
            """,
            at=(14, 21), target_tf="2.16",
            fixed="""
            import numpy as np
            import keras
            import tensorflow as tf
            x = np.random.rand(32, 8, 8, 3).astype("float32")
            y = keras.utils.to_categorical(np.arange(32) % 2, 2)
            model = keras.Sequential([keras.layers.Flatten(input_shape=(8, 8, 3)),
                                      keras.layers.Dense(2, activation="softmax")])
            model.compile("sgd", "categorical_crossentropy")
            datagen = keras.Sequential([keras.layers.RandomTranslation(0.1, 0.1, fill_mode='nearest', fill_value=0.0), keras.layers.RandomFlip("horizontal")])
            history = model.fit(tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x)).batch(8).map(lambda images, labels: (datagen(images, training=True), labels)), epochs=2, verbose=0)
            result = history.history["loss"]
            """,  # noqa: E501
            run=Run(original=("tf115-keras231",), broken=("tf221",), fixed=("tf221",),
                    result=[2])),
        Invalid(
            """
            import tensorflow as tf
            datagen = tf.keras.preprocessing.image.ImageDataGenerator(rescale=1. / 255)
            model.fit_generator(datagen.flow_from_directory("train", target_size=(64, 64),
                                                            class_mode="binary"), epochs=3)
            """,
            at=(3, 21), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            datagen = tf.keras.Sequential([tf.keras.layers.Rescaling(1. / 255)])
            model.fit_generator(tf.keras.utils.image_dataset_from_directory("train", image_size=(64, 64), label_mode="binary", batch_size=32, shuffle=True, interpolation="nearest").map(lambda images, labels: (datagen(images, training=True), labels)), epochs=3)
            """),  # noqa: E501
        # A second generator of the class: the import stays, so no fix.
        Invalid(
            """
            from keras.preprocessing.image import ImageDataGenerator
            datagen = ImageDataGenerator(horizontal_flip=True)
            test_datagen = ImageDataGenerator()
            model.fit(datagen.flow(x_train, y_train), epochs=3)
            """,
            at=(4, 11), target_tf="2.16"),
        # Feature-wise statistics: no layer maps one to one; reported with the mapping.
        Invalid(
            """
            from keras.preprocessing.image import ImageDataGenerator
            datagen = ImageDataGenerator(featurewise_center=True, zca_whitening=True)
            datagen.fit(x_train)
            model.fit_generator(datagen.flow(x_train, y_train), epochs=3)
            """,
            at=(4, 21)),
    ]

    def visit_Call(self, node):
        method = patterns.method_name(node)
        if method not in _FLOWS or not isinstance(node.func.value, cst.Name) \
                or not self.targets_keras3():
            return
        fit = self._fit_around(node)
        generator = self.resolve(node.func.value)
        if fit is None or not isinstance(generator, cst.Call):
            return
        called = self.qualified_name(generator.func)
        if called not in _GENERATORS:
            return
        self.report(node, call="%s.%s(...)" % (node.func.value.value, method),
                    edits=self._fix(node, method, generator, called.rpartition(
                        ".preprocessing.")[0]))

    def _fit_around(self, node):
        """The fit / fit_generator call taking ``node`` as its data, or None."""
        ancestors = self.context.ancestors
        if len(ancestors) < 3 or not isinstance(ancestors[-2], cst.Arg):
            return None
        call = ancestors[-3]
        if not isinstance(call, cst.Call) or patterns.method_name(call) not in _FITS:
            return None
        arg = ancestors[-2]
        if arg.keyword is None and call.args[0] is arg or \
                arg.keyword is not None and arg.keyword.value in ("x", "generator"):
            return call
        return None

    def _fix(self, node, method, generator, namespace):
        """Where every argument of the generator maps one to one onto a preprocessing layer
        (`_layers`: fill_mode and cval spelled out on each, `'nearest'` being Keras 2's default
        and not the layers') and the `flow` / `flow_from_directory` arguments onto the tf.data
        pipeline, the edits turning the generator's assignment into a `Sequential` of those
        layers, deleting `datagen.fit(x)` (it only computes the statistics of featurewise
        options, absent here) and the `ImageDataGenerator` import, and the call into the
        pipeline. None where the generator is used anywhere else, has an argument with no layer
        (featurewise / samplewise normalization, ZCA, shear, channel shift, brightness, a
        preprocessing_function, validation_split), or a flow argument with no pipeline step
        (sample_weight, subset, save_to_dir)."""
        layers = self._layers(generator, namespace)
        name = node.func.value.value
        if layers is None or not self._only_uses(name, node) or not self._one_generator(
                generator):
            return None
        if method == "flow":
            pipeline = self._flow(node)
        else:
            pipeline = self._from_directory(node, namespace)
        if pipeline is None:
            return None
        text, edits = pipeline
        if layers:
            sequential, more = self._spell(namespace + ".Sequential", namespace)
            edits += more + [self.replace(generator, self._sequential(generator, sequential,
                                                                      layers))]
            images, labels = self.fresh_name("images"), self.fresh_name("labels")
            labelled = method == "flow_from_directory" or patterns.argument(node, 1, "y")
            if labelled and not _no_labels(node):
                text += ".map(lambda %s, %s: (%s(%s, training=True), %s))" % (
                    images, labels, name, images, labels)
            else:
                text += ".map(lambda %s: %s(%s, training=True))" % (images, name, images)
        else:
            edits.append(self.remove(self._statement_of(generator)))
        edits.append(self.replace(node, text))
        for statement in self._fit_statements(name):
            edits.append(self.remove(statement))
        imports = self._import_edits()
        if imports is None:
            return None
        unique = []
        for edit in edits + imports:  # each spelling may add the same import
            if edit not in unique:
                unique.append(edit)
        return unique

    def _sequential(self, generator, sequential, layers):
        """`Sequential([layers])`, keeping the comments the generator's arguments had (one a
        line, inside the brackets)."""
        comments = [c.value for c in patterns.all_nodes(generator, (cst.Comment,))]
        if not comments:
            return "%s([%s])" % (sequential, ", ".join(layers))
        line = self.context.line_text(self.context.position(generator).start.line)
        indent = line[:len(line) - len(line.lstrip())] + "    "
        body = ["%s%s" % (indent, c) for c in comments] + [
            "%s%s," % (indent, layer) for layer in layers]
        return "%s([\n%s])" % (sequential, "\n".join(body))

    def _spell(self, qualified, namespace):
        module = "keras" if namespace == "keras" else "tensorflow"
        return self.require(qualified, module=module, alias="keras" if module == "keras"
                            else "tf")

    def _layers(self, generator, namespace):
        """The layer constructors (text) doing what the generator's arguments do, or None
        where one has no such layer."""
        args = {}
        for arg in generator.args:
            if arg.keyword is None or arg.star:
                return None
            args[arg.keyword.value] = self.code_for(arg.value)
        for key, value in args.items():
            if key not in _IDLE and key not in _PASSIVE:
                return None
        active = {k: v for k, v in args.items() if k in _IDLE and v not in _IDLE[k]}
        fill = "fill_mode=%s, fill_value=%s" % (args.get("fill_mode", "'nearest'"),
                                                args.get("cval", "0.0"))
        layers = []

        def layer(cls, *params):
            text, edits = self._spell("%s.layers.%s" % (namespace, cls), namespace)
            self._pending += edits
            layers.append("%s(%s)" % (text, ", ".join(params)))

        self._pending = []
        if "rotation_range" in active:
            layer("RandomRotation", "%s / 360" % active.pop("rotation_range"), fill)
        shifts = [active.pop(k, "0.0") for k in ("height_shift_range", "width_shift_range")]
        if shifts != ["0.0", "0.0"]:
            if not all(_fraction(s) for s in shifts):
                return None  # whole pixels, or arrays of choices: no one-to-one factor
            layer("RandomTranslation", shifts[0], shifts[1], fill)
        if "zoom_range" in active:
            zoom = active.pop("zoom_range")
            if not _fraction(zoom):
                return None
            layer("RandomZoom", "(-%s, %s)" % (zoom, zoom), "(-%s, %s)" % (zoom, zoom), fill)
        flips = [d for d in ("horizontal", "vertical")
                 if active.pop(d + "_flip", "False") == "True"]
        if flips:
            layer("RandomFlip", '"%s"' % "_and_".join(flips))
        if "rescale" in active:
            layer("Rescaling", active.pop("rescale"))
        if active:
            return None
        return layers

    def _flow(self, node):
        allowed = ("x", "y", "batch_size", "shuffle", "seed")
        values = patterns.bind(node, allowed)
        if values is None or "x" not in values:
            return None
        x = values["x"]
        if not isinstance(x, (cst.Name, cst.Attribute, cst.Subscript)):
            return None
        source, edits = self._spell("tensorflow.data.Dataset.from_tensor_slices", "tensorflow")
        data = self.code_for(x) if "y" not in values else "(%s, %s)" % (
            self.code_for(x), self.code_for(values["y"]))
        text = "%s(%s)" % (source, data)
        shuffle = self.code_for(values["shuffle"]) if "shuffle" in values else "True"
        if shuffle == "True":
            seed = ", seed=%s" % self.code_for(values["seed"]) if "seed" in values else ""
            text += ".shuffle(len(%s)%s)" % (self.code_for(x), seed)
        elif shuffle != "False":
            return None
        batch = self.code_for(values["batch_size"]) if "batch_size" in values else "32"
        return text + ".batch(%s)" % batch, edits + self._pending

    def _from_directory(self, node, namespace):
        names = ("directory", "target_size", "color_mode", "classes", "class_mode",
                 "batch_size", "shuffle", "seed", "interpolation", "follow_links")
        values = patterns.bind(node, names)
        if values is None or "directory" not in values:
            return None
        code = {k: self.code_for(v) for k, v in values.items()}
        if code.get("class_mode", '"categorical"') not in _LABEL_MODES:
            return None
        reader, edits = self._spell(namespace + ".utils.image_dataset_from_directory",
                                    namespace)
        parts = [code["directory"], "image_size=%s" % code.get("target_size", "(256, 256)")]
        if "color_mode" in code:
            parts.append("color_mode=%s" % code["color_mode"])
        if "classes" in code:
            parts.append("class_names=%s" % code["classes"])
        parts.append("label_mode=%s" % _LABEL_MODES[code.get("class_mode", '"categorical"')])
        parts += ["batch_size=%s" % code.get("batch_size", "32"),
                  "shuffle=%s" % code.get("shuffle", "True")]
        if "seed" in code:
            parts.append("seed=%s" % code["seed"])
        parts.append("interpolation=%s" % code.get("interpolation", '"nearest"'))
        if "follow_links" in code:
            parts.append("follow_links=%s" % code["follow_links"])
        return "%s(%s)" % (reader, ", ".join(parts)), edits + self._pending

    def _only_uses(self, name, flow):
        """Whether the generator's name is used only by its assignment, `name.fit(x)`
        statements and this flow call."""
        allowed = {id(flow.func.value)}
        for statement in self._fit_statements(name):
            allowed.add(id(statement.body[0].value.func.value))
        uses = [n for n in patterns.name_nodes(self.context.module, name) if id(n) not in allowed]
        return len(uses) == 1  # the assignment's target

    def _one_generator(self, generator):
        """Whether the class is named nowhere but in its import and this call (the import
        goes with it)."""
        if not isinstance(generator.func, cst.Name):
            return True
        cls = generator.func.value
        return len(patterns.name_nodes(self.context.module, cls)) <= 2

    def _fit_statements(self, name):
        found = []
        for line in patterns.all_nodes(self.context.module, (cst.SimpleStatementLine,)):
            call = scopes.statement_call(line)
            if call is not None and patterns.method_name(call) == "fit" \
                    and isinstance(call.func.value, cst.Name) and call.func.value.value == name:
                found.append(line)
        return found

    def _statement_of(self, expr):
        for line in patterns.all_nodes(self.context.module, (cst.SimpleStatementLine,)):
            if any(isinstance(s, cst.Assign) and s.value is expr for s in line.body):
                return line
        return None

    def _import_edits(self):
        """Edits deleting `from ... import ImageDataGenerator` statements (None where one
        imports other names too)."""
        edits = []
        for line in patterns.all_nodes(self.context.module, (cst.SimpleStatementLine,)):
            for small in line.body:
                if isinstance(small, cst.ImportFrom) and not isinstance(small.names,
                                                                        cst.ImportStar):
                    names = [a.name.value for a in small.names
                             if isinstance(a.name, cst.Name)]
                    if "ImageDataGenerator" in names:
                        if len(small.names) != 1 or len(line.body) != 1:
                            return None
                        edits.append(self.remove(line))
        return edits


def _no_labels(call):
    mode = patterns.keyword(call, "class_mode")
    return isinstance(mode, cst.Name) and mode.value == "None"


def _fraction(text):
    try:
        return 0 <= float(text) < 1
    except ValueError:
        return False
