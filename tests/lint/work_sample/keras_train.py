"""Keras training on a generator and on a tf.data pipeline."""
import numpy as np
import tensorflow as tf
from tensorflow import keras


def batches(x, y, size):
    while True:
        order = np.random.permutation(len(x))
        for start in range(0, len(x) - size + 1, size):
            index = order[start:start + size]
            yield x[index], y[index]


def model(dim, classes):
    net = keras.Sequential([
        keras.layers.Dense(64, activation="relu", input_shape=(dim,)),
        keras.layers.Dense(classes, activation="softmax"),
    ])
    net.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                metrics=["accuracy"])
    return net


def train_on_generator(x, y, classes, epochs=2):
    net = model(x.shape[1], classes)
    net.fit_generator(batches(x, y, 32), steps_per_epoch=len(x) // 32,
                      epochs=epochs, workers=1)  # noqa: TFC403
    return net


def train_on_dataset(x, y, classes, epochs=2):
    net = model(x.shape[1], classes)
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    dataset = dataset.batch(32).shuffle(100)
    net.fit(dataset, epochs=epochs)
    return net


def evaluate(net, x, y):
    return net.evaluate_generator(batches(x, y, 32), steps=len(x) // 32)
