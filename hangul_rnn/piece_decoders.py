"""Generated ids become text while they stream, one id at a time.

How depends on the level (a jamo waits for its syllable to complete, a word needs a space before it), so each level
has a small stateful decoder: push an id, get the text it completes; flush at the end. The decoding loop
(:mod:`hangul_rnn.sampling`) pushes ids and prints what comes back, knowing no level.
"""

from __future__ import annotations

from collections.abc import Sequence

from hangul_rnn import jamo as _jamo
from hangul_rnn.text import NEWLINE_TOKEN
from hangul_rnn.tokenizers import Tokenizer
from hangul_rnn.vocabulary import SILENT_TOKENS, UNK, UNK_MARKER


def piece_texts(tokenizer: Tokenizer) -> list[str]:
    """The text each id shows as, by id: ``""`` for padding and sequence markers, :data:`UNK_MARKER` for
    ``<unk>``, ``"\\n"`` for a line end (the word level's ``<nl>``), else the token itself."""
    vocab = tokenizer._fitted()
    newline = NEWLINE_TOKEN if tokenizer.kind == "word" else "\n"
    return ["" if t in SILENT_TOKENS else UNK_MARKER if t == UNK else "\n" if t == newline else t for t in vocab.tokens]


class PieceDecoder:
    """Streaming ids -> displayable text for one sample: :meth:`push` an id, get the text it adds (maybe ``""``);
    :meth:`flush` at the end for what was held back. The pieces concatenate to the sample's text.

    This base class shows each token's text as it comes (the syllable level). ``texts`` is :func:`piece_texts`
    (shared by the decoders of a batch); ``after`` is the text the stream continues (the prompt).
    """

    def __init__(self, texts: Sequence[str], *, after: str = "") -> None:
        self.texts = texts

    def push(self, token_id: int) -> str:
        return self.texts[token_id]

    def flush(self, *, cut: bool = False) -> str:
        """The text held back, if any. ``cut``: the stream was cut short (by a token limit), not ended."""
        return ""

    def copy(self) -> PieceDecoder:
        """An independent decoder in the same state (a beam that splits in two)."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone


class JamoPieceDecoder(PieceDecoder):
    """Conjoining jamo composed into syllables as they stream: text is shown once no later jamo can change it
    (:func:`hangul_rnn.jamo.complete_prefix`), so the screen never shows loose jamo; :meth:`flush` composes the
    rest — less a lead consonant left dangling when the stream was cut (it would show as a stray ㄱ)."""

    def __init__(self, texts: Sequence[str], *, after: str = "") -> None:
        super().__init__(texts, after=after)
        self.pending = ""

    def push(self, token_id: int) -> str:
        ready, self.pending = _jamo.complete_prefix(self.pending + self.texts[token_id])
        return _jamo.compose(ready) if ready else ""

    def flush(self, *, cut: bool = False) -> str:
        tail, self.pending = self.pending, ""
        if cut:
            end = len(tail)
            while end and 0x1100 <= ord(tail[end - 1]) <= 0x115F:  # leads: a syllable only just begun
                end -= 1
            tail = tail[:end]
        return _jamo.compose(tail) if tail else ""


class WordPieceDecoder(PieceDecoder):
    """Words with a space before each, except at the start of a line or right after text ending in whitespace
    (as :meth:`WordTokenizer.detokenize` joins them); a line end is ``"\\n"``."""

    def __init__(self, texts: Sequence[str], *, after: str = "") -> None:
        super().__init__(texts, after=after)
        self.glued = not after or after[-1].isspace()

    def push(self, token_id: int) -> str:
        text = self.texts[token_id]
        piece = text if (self.glued or not text or text == "\n") else " " + text
        self.glued = text == "\n"
        return piece


_PIECE_DECODERS: dict[str, type[PieceDecoder]] = {"jamo": JamoPieceDecoder, "syllable": PieceDecoder,
                                                  "word": WordPieceDecoder}


def piece_decoder(tokenizer: Tokenizer, *, after: str = "", texts: Sequence[str] | None = None) -> PieceDecoder:
    """A fresh :class:`PieceDecoder` for ``tokenizer``'s level, continuing the text ``after``; pass ``texts``
    (:func:`piece_texts`) to share one table between the decoders of a batch."""
    cls = _PIECE_DECODERS.get(tokenizer.kind, PieceDecoder)
    return cls(piece_texts(tokenizer) if texts is None else texts, after=after)
