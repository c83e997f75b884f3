"""Keras reading straight from tensors: Input(tensor=...) and compile(target_tensors=...).

Works from Keras 2.0.7 in graph mode; TF 2 eager and Keras 3 reject it.
"""
import numpy as np
import tensorflow as tf
from keras.layers import Dense, Input
from keras.models import Model

# Big in-memory arrays: from_tensor_slices copies them into the graph as constants.
x = np.random.rand(200000, 784).astype("float32")
y = np.random.rand(200000, 1).astype("float32")

ds_x = tf.data.Dataset.from_tensor_slices(x).repeat().batch(128)
it_x = ds_x.make_one_shot_iterator()
ds_y = tf.data.Dataset.from_tensor_slices(y).repeat().batch(128)
it_y = ds_y.make_one_shot_iterator()

inputs = Input(tensor=it_x.get_next())
outputs = Dense(1, activation="relu")(inputs)
model = Model(inputs=inputs, outputs=outputs)
model.compile("rmsprop", "mse", target_tensors=[it_y.get_next()])
model.fit(epochs=5, steps_per_epoch=len(x) // 128, verbose=2)
