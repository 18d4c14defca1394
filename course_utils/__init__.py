"""Helpers for the notebook course *Deep Learning for Recommender Systems*.

Importing this package never imports TensorFlow: the notebook setup function must set
TensorFlow's environment variables before TensorFlow is first imported.
"""

__version__ = "0.9.0"
