"""An input pipeline of the TF 1.4-1.8 era, from files through a Python reader."""
import pandas as pd
import tensorflow as tf


def read_table(file_name):
    return pd.read_csv(file_name).values.astype("float32")


def make_dataset(file_names, batch_size):
    """Shuffles after repeat(), which mixes samples from neighbouring epochs."""
    dataset = tf.contrib.data.Dataset.from_tensor_slices(file_names)
    # py_func loses the static shape; nothing sets it again before batching.
    dataset = dataset.map(lambda name: tf.py_func(read_table, [name], tf.float32))
    dataset = dataset.repeat()
    dataset = dataset.shuffle(buffer_size=1000)
    return dataset.batch(batch_size)


def evaluate(sess, file_names, steps):
    iterator = make_dataset(file_names, 32).make_initializable_iterator()
    sess.run(iterator.initializer)
    totals = []
    for _ in range(steps):
        totals.append(sess.run(iterator.get_next()).sum())
    return sum(totals)
