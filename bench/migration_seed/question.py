"""The seed question: a generator that runs a tf.data iterator through `sess.run`, fed to
fit_generator (Keras runs it in a worker thread: "Tensor ... is not an element of this graph").
The question imported Dataset from tensorflow.contrib.data (TF 1.3); tensorflow.data here."""
import numpy as np
import os
import keras.backend as K
from keras.layers import Dense, Input
from keras.models import Model
import tensorflow as tf
from tensorflow.data import Dataset

os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'

with tf.Session() as sess:
    def create_data_generator():
        dat1 = np.arange(4).reshape(-1, 1)
        ds1 = Dataset.from_tensor_slices(dat1).repeat()

        dat2 = np.arange(5, 9).reshape(-1, 1)
        ds2 = Dataset.from_tensor_slices(dat2).repeat()

        ds = Dataset.zip((ds1, ds2)).batch(4)
        iterator = ds.make_one_shot_iterator()
        while True:
            next_val = iterator.get_next()
            yield sess.run(next_val)

    datagen = create_data_generator()

    input_vals = Input(shape=(1,))
    output = Dense(1, activation='relu')(input_vals)
    model = Model(inputs=input_vals, outputs=output)
    model.compile('rmsprop', 'mean_squared_error')
    model.fit_generator(datagen, steps_per_epoch=1, epochs=5,
                        verbose=2, max_queue_size=2)
