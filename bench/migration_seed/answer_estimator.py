"""Seed answer: the Keras model turned into an Estimator, fed datasets by input_fns."""
import numpy as np
import tensorflow as tf

x = np.random.rand(1000, 8).astype('float32')
y = (x.sum(axis=1, keepdims=True) > 4).astype('float32')
train_set = tf.data.Dataset.from_tensor_slices((x[:800], y[:800])).repeat().batch(32)
test_set = tf.data.Dataset.from_tensor_slices((x[800:], y[800:])).batch(32)

model = tf.keras.Sequential([
    tf.keras.layers.Dense(16, activation='relu', input_shape=(8,)),
    tf.keras.layers.Dense(1, activation='sigmoid')])
model.compile('adam', 'binary_crossentropy')

estimator = tf.keras.estimator.model_to_estimator(keras_model=model)
input_name = model.input_names[0]


def input_fn(dataset):
    dataset = dataset.map(lambda X, y: ({input_name: X}, y))
    return dataset.make_one_shot_iterator().get_next()


train_spec = tf.estimator.TrainSpec(
    input_fn=lambda: input_fn(train_set), max_steps=100)
eval_spec = tf.estimator.EvalSpec(
    input_fn=lambda: input_fn(test_set))

tf.estimator.train_and_evaluate(estimator, train_spec, eval_spec)
