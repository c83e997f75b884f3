"""Seed answer (update for TF 1.9): a tf.data iterator handed to tf.keras' fit."""
import tensorflow as tf

_NUM_CLASSES = 10


def tfdata_generator(images, labels, is_training, batch_size=128):
    '''Construct a data generator using `tf.Dataset`. '''

    def map_fn(image, label):
        '''Preprocess raw data to trainable input. '''
        x = tf.reshape(tf.cast(image, tf.float32), (28, 28, 1))
        y = tf.one_hot(tf.cast(label, tf.uint8), _NUM_CLASSES)
        return x, y

    dataset = tf.data.Dataset.from_tensor_slices((images, labels))

    if is_training:
        dataset = dataset.shuffle(1000)  # depends on sample size
    dataset = dataset.map(map_fn)
    dataset = dataset.batch(batch_size)
    dataset = dataset.repeat()
    dataset = dataset.prefetch(tf.contrib.data.AUTOTUNE)

    return dataset


def keras_model():
    inputs = tf.keras.layers.Input(shape=(28, 28, 1))
    x = tf.keras.layers.Conv2D(32, (3, 3), activation='relu')(inputs)
    x = tf.keras.layers.MaxPooling2D((2, 2))(x)
    x = tf.keras.layers.Flatten()(x)
    x = tf.keras.layers.Dense(128, activation='relu')(x)
    outputs = tf.keras.layers.Dense(_NUM_CLASSES, activation='softmax')(x)
    return tf.keras.Model(inputs, outputs)


# Load mnist training data
(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
training_set = tfdata_generator(x_train, y_train, is_training=True)
testing_set = tfdata_generator(x_test, y_test, is_training=False)

model = keras_model()
model.compile('adam', 'categorical_crossentropy', metrics=['acc'])
model.fit(
    training_set.make_one_shot_iterator(),
    steps_per_epoch=len(x_train) // 128,
    epochs=5,
    validation_data=testing_set.make_one_shot_iterator(),
    validation_steps=len(x_test) // 128,
    verbose=1)
