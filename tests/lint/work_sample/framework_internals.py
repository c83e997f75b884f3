"""Training helpers of a framework that builds on TensorFlow's internal modules, as TF's own
sources do: it names estimators, sessions, batches and optimizers without importing the
public API any rule reports."""
from tensorflow.python.client import session
from tensorflow.python.estimator import estimator as estimator_lib
from tensorflow.python.training import adam


class Trainer(object):
    def __init__(self, estimator, learning_rate=0.001):
        if not isinstance(estimator, estimator_lib.Estimator):
            raise TypeError("estimator must be an Estimator")
        self.estimator = estimator
        self.optimizer = adam.AdamOptimizer(learning_rate)

    def run(self, batch, train_op):
        with session.Session() as sess:
            return sess.run(train_op, feed_dict={"batch": batch})

    def learn(self, batches, train_op):
        return [self.run(batch, train_op) for batch in batches]
