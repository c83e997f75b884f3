"""What rules ask about the code they read: names, scopes, provenance, TF/Keras patterns."""
