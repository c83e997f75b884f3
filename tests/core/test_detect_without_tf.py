"""detect() answers without TensorFlow (the lint cell has none)."""
import importlib.util

import pytest

import tfcompat

pytestmark = pytest.mark.skipif(importlib.util.find_spec("tensorflow") is not None,
                                reason="TensorFlow is installed in this environment")


def test_detect_says_tf_is_missing():
    runtime = tfcompat.detect()
    assert runtime.tf_version is None
    assert runtime.available_paths == ()
    for status in runtime.paths:
        assert "TensorFlow" in status.reason and "not installed" in status.reason
