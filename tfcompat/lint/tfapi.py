"""Names of the TensorFlow APIs rules look for, in one place (canonical qualified names:
`tensorflow.compat.v1.` is written `tensorflow.`, see analysis.canonical)."""

# Dataset methods that build a TF 1.x iterator (gone from the TF 2 API).
ITERATOR_METHODS = ("make_one_shot_iterator", "make_initializable_iterator")

# Functions that build a TF 1.x graph-mode iterator.
ITERATOR_FUNCTIONS = frozenset((
    "tensorflow.data.make_one_shot_iterator",
    "tensorflow.data.make_initializable_iterator",
    "tensorflow.data.Iterator.from_structure",
    "tensorflow.data.Iterator.from_string_handle",
    "tensorflow.contrib.data.Iterator.from_structure",
    "tensorflow.contrib.data.Iterator.from_string_handle",
))
