"""hangul-rnn: a Korean text toolkit built on recurrent networks.

Importing the package is cheap on purpose: submodules are imported on demand, so a user who only wants
``hangul_rnn.jamo`` or ``hangul_rnn.tokenizers`` never pays TensorFlow's import time.
"""

__version__ = "0.1.0"
