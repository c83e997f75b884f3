"""Keras 2 with the TensorFlow backend: train on MNIST, then read a hidden layer through
K.function with the learning phase as an input (0: test mode, dropout off)."""
import numpy as np
import keras
from keras import backend as K
from keras.datasets import mnist
from keras.layers import Dense, Dropout, Flatten
from keras.models import Sequential

(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train = x_train.astype('float32') / 255
y_train = keras.utils.to_categorical(y_train, 10)

model = Sequential([Flatten(input_shape=(28, 28)), Dense(64, activation='relu'),
                    Dropout(0.5), Dense(10, activation='softmax')])
model.compile(loss='categorical_crossentropy', optimizer='rmsprop', metrics=['accuracy'])
model.fit(x_train, y_train, batch_size=128, epochs=1, verbose=1)
model.save('mnist_model')

features = K.function([model.input, K.learning_phase()], [model.layers[1].output])
hidden = features([x_test[:16].astype('float32') / 255, 0])[0]
print(hidden.shape, np.mean(hidden))
