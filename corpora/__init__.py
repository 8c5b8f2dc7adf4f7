"""Corpus manifests shipped with hangul-rnn (installed as ``hangul_rnn.manifests``)."""
