"""Migration notes kept next to the code.

The old input code built ``dataset.make_one_shot_iterator()`` and called ``get_next()`` in the
training loop, then handed a generator to ``model.fit_generator(gen, workers=4)``. Both are
gone: see the pipeline module. The estimator wrapper (``tf.estimator.Estimator``) went too.
"""

# Kept for the release notes: shuffle before repeat, batch after shuffle, prefetch last.
CHANGES = [
    "input: tf.data pipeline instead of queue runners (shuffle_batch, string_input_producer)",
    "training: model.fit on the dataset; no fit_generator, no Session",
]


def summary():
    return "\n".join("- " + change for change in CHANGES)
