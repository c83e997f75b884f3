"""A TF 1 training loop: placeholders, an iterator built per step, a Session."""
import numpy as np
import tensorflow as tf


def make_data(n, dim, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.normal(size=(n, dim)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("int64")
    return x, y


def build_graph(dim):
    x = tf.placeholder(tf.float32, [None, dim])
    y = tf.placeholder(tf.int64, [None])
    logits = tf.layers.dense(tf.layers.dense(x, 32, activation=tf.nn.relu), 2)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return x, y, loss, train_op


def train(steps=100, dim=8):
    features, labels = make_data(1024, dim)
    dataset = tf.data.Dataset.from_tensor_slices((features, labels)).repeat().batch(32)
    x, y, loss, train_op = build_graph(dim)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(steps):
            batch = dataset.make_one_shot_iterator().get_next()
            bx, by = sess.run(batch)
            value, _ = sess.run([loss, train_op], feed_dict={x: bx, y: by})
            if step % 10 == 0:
                print(step, value)
