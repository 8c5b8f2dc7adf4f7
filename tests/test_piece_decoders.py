"""Per-level piece decoders: generated ids pushed one at a time give text that concatenates to the decoded stream."""

from __future__ import annotations

from hangul_rnn.jamo import compose
from hangul_rnn.piece_decoders import JamoPieceDecoder, PieceDecoder, WordPieceDecoder, piece_decoder, piece_texts
from hangul_rnn.tokenizers import make_tokenizer

TEXT = "태조가 왕위에 올랐다.\n신하들이 모두 절하였다!\n"


def _stream(decoder, ids, *, cut=False):
    pieces = [decoder.push(i) for i in ids]
    return pieces, decoder.flush(cut=cut)


def test_each_level_gets_its_decoder():
    for level, cls in (("jamo", JamoPieceDecoder), ("syllable", PieceDecoder), ("word", WordPieceDecoder)):
        tok = make_tokenizer(level).fit(TEXT.splitlines(keepends=True))
        assert type(piece_decoder(tok)) is cls


def test_jamo_pieces_show_only_finished_syllables_and_flush_the_rest():
    tok = make_tokenizer("jamo").fit(TEXT.splitlines(keepends=True))
    ids = tok.encode("태조가 왕위")
    pieces, tail = _stream(piece_decoder(tok), ids)
    assert "".join(pieces) + tail == "태조가 왕위"
    assert all(not any(0x1100 <= ord(c) <= 0x11FF for c in p) for p in pieces)
    assert pieces[-1] == ""  # 위 could still take a tail consonant: held back until the flush
    # cut short just after a lead consonant: the syllable it began is dropped, not shown as a stray ㅇ
    cut_ids = tok.encode("태조가 왕") + tok.encode("위")[:1]
    pieces, tail = _stream(piece_decoder(tok), cut_ids, cut=True)
    assert "".join(pieces) + tail == "태조가 왕" == compose("".join(tok.vocab.token(i) for i in cut_ids[:-1]))


def test_word_pieces_space_words_like_detokenize():
    tok = make_tokenizer("word", stem=None).fit(TEXT.splitlines(keepends=True))
    ids = tok.encode("태조가 왕위에\n신하들이 모두")
    pieces, tail = _stream(piece_decoder(tok), ids)
    assert "".join(pieces) + tail == tok.decode(ids)
    after_prompt = piece_decoder(tok, after="임금이")
    assert after_prompt.push(ids[0]).startswith(" ")
    assert piece_decoder(tok, after="임금이 ").push(ids[0]) == "태조가"


def test_copy_is_independent_and_texts_are_shared():
    tok = make_tokenizer("jamo").fit(TEXT.splitlines(keepends=True))
    texts = piece_texts(tok)
    first = piece_decoder(tok, texts=texts)
    first.push(tok.encode("태")[0])
    second = first.copy()
    second.push(tok.encode("태")[1])
    assert first.pending != second.pending and first.texts is second.texts is texts
