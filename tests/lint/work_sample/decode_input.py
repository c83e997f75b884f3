"""An input module: the one finding (a rule with no fix) is near the top; the rest is plain."""
import numpy as np
import tensorflow as tf


def decoded(paths, load):
    dataset = tf.data.Dataset.from_tensor_slices(paths)
    return dataset.map(lambda path: tf.py_function(load, [path], tf.float32))


def normalize(images):
    mean = images.mean(axis=0)
    std = images.std(axis=0) + 1e-7
    return (images - mean) / std


def split(images, labels, fraction):
    cut = int(len(images) * (1 - fraction))
    return (images[:cut], labels[:cut]), (images[cut:], labels[cut:])


def one_hot(labels, classes):
    out = np.zeros((len(labels), classes), np.float32)
    out[np.arange(len(labels)), labels] = 1.0
    return out


def shuffled(images, labels, seed):
    order = np.random.RandomState(seed).permutation(len(images))
    return images[order], labels[order]


def describe(images, labels):
    counts = np.bincount(labels.argmax(axis=1))
    return ["%d images" % len(images)] + ["class %d: %d" % (i, n) for i, n in enumerate(counts)]
