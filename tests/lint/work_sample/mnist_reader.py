"""A TF 1 tutorial's data module: the one finding is on its first import, of a names-only rule."""
import numpy as np
from tensorflow.examples.tutorials.mnist import input_data


def load(path):
    data = input_data.read_data_sets(path, one_hot=True)
    return data.train.images, data.train.labels


def scale(images):
    return images.astype(np.float32) / 255.0


def batches(images, labels, size):
    order = np.random.permutation(len(images))
    for start in range(0, len(images), size):
        rows = order[start:start + size]
        yield scale(images[rows]), labels[rows]


def class_counts(labels):
    counts = {}
    for label in labels.argmax(axis=1):
        counts[int(label)] = counts.get(int(label), 0) + 1
    return sorted(counts.items())


def summary(images, labels):
    lines = ["%d images of %s" % (len(images), images.shape[1:])]
    for label, count in class_counts(labels):
        lines.append("  %d: %d" % (label, count))
    return "\n".join(lines)
