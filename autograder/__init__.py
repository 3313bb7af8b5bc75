"""Automatic differentiation with TensorFlow: the course's checks, question declarations and CLI."""
