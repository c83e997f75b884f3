"""The static half: libcst rules with TFCnnn codes. Never imports TensorFlow or the code it
reads."""
