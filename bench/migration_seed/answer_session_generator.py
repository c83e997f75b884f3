"""Seed answer (old solution): a generator running a tf.data iterator through Keras' own
session, fed to fit_generator with workers=0 so that it runs in the main thread."""
import keras.backend as K
import tensorflow as tf
from keras.layers import Dense, Flatten, Input
from keras.models import Model
from tensorflow.contrib.learn.python.learn.datasets import mnist

image_shape = (28, 28, 1)
num_classes = 10


def tfdata_generator(images, labels, batch_size=128, shuffle=True,):
    def map_func(image, label):
        '''A transformation function'''
        x_train = tf.reshape(tf.cast(image, tf.float32), image_shape)
        y_train = tf.one_hot(tf.cast(label, tf.uint8), num_classes)
        return [x_train, y_train]

    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    dataset = dataset.map(map_func)
    dataset = dataset.shuffle(1000).batch(batch_size).repeat()
    iterator = dataset.make_one_shot_iterator()

    next_batch = iterator.get_next()
    while True:
        yield K.get_session().run(next_batch)


inputs = Input(shape=image_shape)
hidden = Dense(128, activation='relu')(Flatten()(inputs))
model = Model(inputs, Dense(num_classes, activation='softmax')(hidden))
model.compile('adam', 'categorical_crossentropy', metrics=['accuracy'])

data = mnist.load_mnist()
model.fit_generator(generator=tfdata_generator(data.train.images, data.train.labels),
                    steps_per_epoch=200,
                    workers=0,  # This is important
                    verbose=1)
