"""Seed answer: file names through py_func (a Python reader) into a dataset that feeds
Input(tensor=...); the tensors have no static shape until reshaped."""
import numpy as np
import tensorflow as tf
from keras.layers import Dense, Input
from keras.models import Model

file_names = ['table_%d.csv' % i for i in range(4)]
for i, name in enumerate(file_names):  # the tables this script reads
    np.savetxt(name, np.random.rand(50, 2), delimiter=',')


def _get_input_data_for_dataset(file_name):
    X_data = np.loadtxt(file_name.decode(), delimiter=',')[:, :1]
    return X_data.astype('float32', copy=False)


def _get_target_data_for_dataset(file_name):
    y_data = np.loadtxt(file_name.decode(), delimiter=',')[:, 1:]
    return y_data.astype('float32', copy=False)


X_dataset = tf.data.Dataset.from_tensor_slices(file_names)
X_dataset = X_dataset.flat_map(lambda file_name: tf.data.Dataset.from_tensor_slices(
    tf.reshape(tf.py_func(_get_input_data_for_dataset, [file_name], tf.float32), [-1, 1])))
X_dataset = X_dataset.repeat().batch(5)
X_iter = X_dataset.make_one_shot_iterator()
X_batch = X_iter.get_next()

y_dataset = tf.data.Dataset.from_tensor_slices(file_names)
y_dataset = y_dataset.flat_map(lambda file_name: tf.data.Dataset.from_tensor_slices(
    tf.reshape(tf.py_func(_get_target_data_for_dataset, [file_name], tf.float32), [-1, 1])))
y_dataset = y_dataset.repeat().batch(5)
y_batch = y_dataset.make_one_shot_iterator().get_next()

input_X1 = Input(tensor=X_batch, name='input_X1')
y1 = Dense(units=64, activation='relu', name='layer_FC1')(input_X1)
out = Dense(units=1, name='layer_out')(y1)
model = Model(inputs=input_X1, outputs=out)
model.compile('adam', 'mse', target_tensors=[y_batch])
model.fit(steps_per_epoch=40, epochs=2)
