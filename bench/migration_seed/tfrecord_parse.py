"""A TF 1.x-era TFRecord pipeline fed to tf.keras: records written with tf.python_io, parsed
with tf.parse_single_example / tf.FixedLenFeature / tf.decode_raw, weights saved to .h5."""
import os
import tempfile

import numpy as np
import tensorflow as tf

tf.logging.set_verbosity(tf.logging.ERROR)
record_file = os.path.join(tempfile.mkdtemp(), 'train.tfrecord')
features = np.random.rand(256, 16).astype(np.float32)
labels = np.random.randint(0, 2, 256).astype(np.int64)

writer = tf.python_io.TFRecordWriter(record_file)
for x, y in zip(features, labels):
    example = tf.train.Example(features=tf.train.Features(feature={
        'x': tf.train.Feature(bytes_list=tf.train.BytesList(value=[x.tobytes()])),
        'y': tf.train.Feature(int64_list=tf.train.Int64List(value=[y]))}))
    writer.write(example.SerializeToString())
writer.close()


def parse(record):
    parsed = tf.parse_single_example(record, {
        'x': tf.FixedLenFeature([], tf.string),
        'y': tf.FixedLenFeature([], tf.int64)})
    x = tf.reshape(tf.decode_raw(parsed['x'], tf.float32), (16,))
    return x, tf.cast(parsed['y'], tf.float32)


dataset = tf.data.TFRecordDataset(record_file).map(parse).shuffle(256).batch(32).repeat()

model = tf.keras.models.Sequential([
    tf.keras.layers.Dense(32, activation='relu', input_shape=(16,)),
    tf.keras.layers.Dense(1, activation='sigmoid')])
model.compile(optimizer='adam', loss='binary_crossentropy',
              metrics=['accuracy'])
model.fit(dataset, epochs=2, steps_per_epoch=8)
model.save_weights('tfrecord_model.h5')
