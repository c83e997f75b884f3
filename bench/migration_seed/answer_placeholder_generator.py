"""Seed answer: arrays fed through placeholders into an initializable iterator (no graph
constants), batches pulled through Keras' session in a generator."""
import numpy as np
import tensorflow as tf
from keras import backend as K
from keras import layers, models

map_fn = None


class Trainer(object):
    def create_generator_tf_dataset(self, images, onehots, batch_size):
        # Get shapes
        img_size = images.shape
        img_size = (None, img_size[1], img_size[2], img_size[3])
        onehot_size = onehots.shape
        onehot_size = (None, onehot_size[1])

        # Placeholders
        images_tensor = tf.placeholder(tf.float32, shape=img_size)
        onehots_tensor = tf.placeholder(tf.float32, shape=onehot_size)

        # Dataset
        dataset = tf.data.Dataset.from_tensor_slices((images_tensor, onehots_tensor))
        # Map function (e.g. augmentation)
        if map_fn is not None:
            dataset = dataset.map(lambda x, y: (map_fn(x), y), num_parallel_calls=4)
        # Combined shuffle and infinite repeat
        dataset = dataset.apply(tf.contrib.data.shuffle_and_repeat(len(images), None))
        dataset = dataset.batch(batch_size)
        dataset = dataset.prefetch(1)

        # Make the iterator
        iterator = dataset.make_initializable_iterator()
        init_op = iterator.initializer
        next_val = iterator.get_next()

        with K.get_session().as_default() as sess:
            sess.run(init_op, feed_dict={images_tensor: images, onehots_tensor: onehots})
            while True:
                inputs, labels = sess.run(next_val)
                yield inputs, labels

    def train(self, images, onehots):
        inputs = layers.Input(shape=images.shape[1:])
        x = layers.Conv2D(16, (3, 3), activation='relu')(inputs)
        x = layers.Flatten()(x)
        model = models.Model(inputs, layers.Dense(onehots.shape[1], activation='softmax')(x))
        model.compile('adam', 'categorical_crossentropy', metrics=['accuracy'])
        generator = self.create_generator_tf_dataset(images, onehots, 32)
        model.fit_generator(generator, steps_per_epoch=len(images) // 32, epochs=3)


images = np.random.rand(512, 28, 28, 1).astype('float32')
onehots = np.eye(10, dtype='float32')[np.random.randint(0, 10, 512)]
Trainer().train(images, onehots)
