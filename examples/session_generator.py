"""Feeding Keras from a tf.data pipeline through a Python generator and a session (the seed).

Fails with "Tensor ... is not an element of this graph": Keras runs the generator in a
worker thread, whose default graph is not the one the iterator was built in.
"""
import numpy as np
import keras.backend as K
import tensorflow as tf
from keras.layers import Dense, Input
from keras.models import Model

with tf.Session() as sess:
    def create_data_generator():
        features = np.arange(4).reshape(-1, 1)
        labels = np.arange(5, 9).reshape(-1, 1)
        ds = tf.data.Dataset.from_tensor_slices((features, labels)).repeat().batch(4)
        # Below, a new IteratorGetNext op on every step, run in Keras' worker thread.
        iterator = ds.make_one_shot_iterator()
        while True:
            yield sess.run(iterator.get_next())


def train():
    datagen = create_data_generator()
    inputs = Input(shape=(1,))
    outputs = Dense(1, activation="relu")(inputs)
    model = Model(inputs=inputs, outputs=outputs)
    model.compile("rmsprop", "mean_squared_error")
    return model.fit_generator(datagen, steps_per_epoch=1, epochs=5,
                               verbose=2, max_queue_size=2)


def keras_session_generator(images, labels, batch_size=128):
    """The same through Keras' own session, with workers=0 so that it runs in this thread."""
    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    dataset = dataset.shuffle(1000).batch(batch_size).repeat()
    iterator = dataset.make_one_shot_iterator()
    next_batch = iterator.get_next()
    while True:
        yield K.get_session().run(next_batch)


def train_in_this_thread(model, images, labels):
    return model.fit_generator(keras_session_generator(images, labels), steps_per_epoch=1,
                               epochs=5, workers=0)


if __name__ == "__main__":
    train()
