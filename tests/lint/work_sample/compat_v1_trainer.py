"""A TF 1 trainer already moved onto tensorflow.compat.v1: placeholders fed per step, a Session,
a Saver, and an Estimator for serving, all of them still valid in such a module."""
import numpy as np
import tensorflow.compat.v1 as tf


def input_arrays(n, dim, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, dim)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    return x, y


def model(features):
    hidden = tf.layers.dense(features, 16, activation=tf.nn.relu)
    return tf.layers.dense(hidden, 2)


def train(steps=50, dim=4, batch=32):
    x, y = input_arrays(512, dim)
    features = tf.placeholder(tf.float32, [None, dim])
    labels = tf.placeholder(tf.int64, [None])
    loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=model(features))
    train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
    saver = tf.train.Saver()
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    for step in range(steps):
        start = (step * batch) % len(x)
        feed = {features: x[start:start + batch], labels: y[start:start + batch]}
        value, _ = sess.run([loss, train_op], feed_dict=feed)
        if step % 10 == 0:
            tf.logging.info("step %d: loss %.4f", step, value)
    saver.save(sess, "/tmp/compat_v1_trainer/model.ckpt")
    sess.close()


def serving_estimator(model_dir):
    columns = [tf.feature_column.numeric_column("x", shape=(4,))]
    return tf.estimator.LinearClassifier(columns, model_dir=model_dir)
