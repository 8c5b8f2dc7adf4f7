"""The Textual terminal UI of hangul-rnn (``hangul-rnn tui``); imports hangul_rnn, never the reverse."""
