"""hangul-rnn: a Korean text toolkit built on recurrent networks.

Importing the package is cheap on purpose: submodules are imported on demand, so a user who only wants
``hangul_rnn.jamo`` or ``hangul_rnn.tokenizers`` never pays TensorFlow's import time. When a submodule does import
TensorFlow, its native start-up lines are kept off the terminal (:mod:`hangul_rnn._quiet_tf`).
"""

from hangul_rnn import _quiet_tf

__version__ = "0.1.0"

_quiet_tf.install()
