"""A TF 1 estimator model: the model function and its input function."""
import tensorflow as tf

HIDDEN = (256, 128)


def model_fn(features, labels, mode, params):
    training = mode == tf.estimator.ModeKeys.TRAIN
    net = features["x"]
    for units in params.get("hidden", HIDDEN):
        net = tf.layers.dense(net, units, activation=tf.nn.relu)
        net = tf.layers.dropout(net, rate=0.1, training=training)
    logits = tf.layers.dense(net, params["classes"])
    predictions = {"classes": tf.argmax(logits, axis=1), "probabilities": tf.nn.softmax(logits)}
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    accuracy = tf.metrics.accuracy(labels=labels, predictions=predictions["classes"])
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.estimator.EstimatorSpec(mode, loss=loss,
                                          eval_metric_ops={"accuracy": accuracy})
    optimizer = tf.train.AdamOptimizer(params.get("learning_rate", 1e-3))
    train_op = optimizer.minimize(loss, global_step=tf.train.get_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


def input_fn(features, labels, batch_size, training):
    dataset = tf.data.Dataset.from_tensor_slices(({"x": features}, labels))
    if training:
        dataset = dataset.shuffle(10000).repeat()
    return dataset.batch(batch_size).prefetch(1)


def build(model_dir, classes):
    config = tf.estimator.RunConfig(model_dir=model_dir, save_checkpoints_steps=500)
    return tf.estimator.Estimator(model_fn, config=config,
                                  params={"classes": classes, "hidden": HIDDEN})


def scale(values, low, high):
    span = float(high - low) or 1.0
    return [(v - low) / span for v in values]


def confusion(labels, predicted, classes):
    table = [[0] * classes for _ in range(classes)]
    for truth, guess in zip(labels, predicted):
        table[truth][guess] += 1
    return table


def per_class_accuracy(table):
    out = []
    for i, row in enumerate(table):
        total = sum(row)
        out.append(row[i] / total if total else 0.0)
    return out
