"""The version table as data: parsing, lookups, and its own consistency."""
import pytest

from tfcompat import versions


@pytest.mark.parametrize("text,expected", [
    ("1.15.5", (1, 15, 5)),
    ("2.1.6-tf", (2, 1, 6)),
    ("2.21.0rc1", (2, 21, 0)),
    ("2.0.8-tf", (2, 0, 8)),
    ("3.12.0.dev2025", (3, 12, 0)),
    ("", None),
    (None, None),
])
def test_parse_version(text, expected):
    assert versions.parse_version(text) == expected


def test_every_row_cites_a_release_and_is_well_formed():
    for row in versions.TABLE:
        assert row.cite, row
        assert row.lib in ("tf", "keras"), row
        assert row.first is not None or row.gone is not None, row
        if row.first and row.gone:
            assert row.first < row.gone, row
        assert row.flavors is None or set(row.flavors) <= set(versions.FLAVORS), row


def test_holds_reads_first_and_gone():
    assert not versions.holds("dataset_in_core", (1, 3, 0))
    assert versions.holds("dataset_in_core", (1, 4, 0))
    assert versions.holds("one_shot_iterator_method", (1, 15, 5))
    assert not versions.holds("one_shot_iterator_method", (2, 0, 4))


def test_flavor_and_graph_rows():
    # target_tensors: Keras >= 2.0.7, graph mode only, never Keras 3.
    assert versions.holds("target_tensors", (1, 15), versions.KERAS, (2, 3, 1), eager=False)
    assert not versions.holds("target_tensors", (1, 15), versions.KERAS, (2, 3, 1), eager=True)
    assert not versions.holds("target_tensors", (1, 3), versions.KERAS, (2, 0, 6), eager=False)
    assert not versions.holds("target_tensors", (2, 21), versions.KERAS3, (3, 0), eager=False)
    # fit(dataset): tf.keras from TF 1.9, Keras 3 always, standalone Keras never.
    assert versions.holds("fit_accepts_dataset", (1, 9), versions.TF_KERAS, (2, 1, 6))
    assert not versions.holds("fit_accepts_dataset", (1, 8), versions.TF_KERAS, (2, 1, 5))
    assert versions.holds("fit_accepts_dataset", None, versions.KERAS3, (3, 6))
    assert not versions.holds("fit_accepts_dataset", (1, 15), versions.KERAS, (2, 3, 1))


def test_backend_rows():
    # Keras 3's fit is distributed on its TensorFlow (tf.distribute) and JAX
    # (keras.distribution) backends only.
    for backend in ("tensorflow", "jax"):
        assert versions.holds("keras_fit_distributes", (2, 21), versions.KERAS3, (3, 15, 1),
                              eager=True, backend=backend)
    for backend in ("torch", None):
        assert not versions.holds("keras_fit_distributes", (2, 21), versions.KERAS3,
                                  (3, 15, 1), eager=True, backend=backend)
    assert versions.holds("keras_fit_distributes", (2, 15), versions.TF_KERAS, (2, 15, 0),
                          eager=True)
    assert "the tensorflow or jax backend" in versions.requirement("keras_fit_distributes",
                                                                  versions.KERAS3)


def test_requirement_names_the_version_and_release():
    text = versions.requirement("fit_accepts_dataset", versions.TF_KERAS)
    assert "TF >= 1.9" in text and "1.9.0" in text
    assert "Keras >= 2.0.7" in versions.requirement("target_tensors", versions.KERAS)


def test_unknown_fact_is_an_error():
    with pytest.raises(KeyError):
        versions.holds("no_such_fact", (2, 0))
