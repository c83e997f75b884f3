"""Without TensorFlow (the lint cell), the feeding API says what is missing."""
import importlib.util

import pytest

import tfcompat

pytestmark = pytest.mark.skipif(importlib.util.find_spec("tensorflow") is not None,
                                reason="TensorFlow is installed in this environment")


@pytest.mark.parametrize("call", [
    lambda: tfcompat.from_arrays([[1.0], [2.0]]),
    lambda: tfcompat.fit(object(), ([[1.0]], [[1.0]])),
    lambda: tfcompat.evaluate(object(), ([[1.0]], [[1.0]])),
    lambda: tfcompat.numpy_batches(None),
])
def test_each_entry_point_says_tensorflow_is_missing(call):
    with pytest.raises(tfcompat.TensorFlowMissingError, match="pip install tensorflow"):
        call()
