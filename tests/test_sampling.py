"""The sampler and the streaming decoder, on tiny untrained models built here (decoding needs no training)."""

from __future__ import annotations

import numpy as np
import pytest

from hangul_rnn.errors import UsageError
from hangul_rnn.sampling import SamplingOptions, StreamingDecoder, generate, generate_batch, sample_next

TEXT = "태조가 왕위에 올랐다.\n신하들이 모두 절하였다!\n임금이 말하기를 좋다 하였다.\n"


# --------------------------------------------------------------------------------------------------- sample_next


def test_greedy_is_argmax_and_never_pad():
    logits = np.array([[9.0, 1.0, 3.0, 2.0], [0.0, 5.0, 1.0, 7.0]])
    out = sample_next(logits, SamplingOptions(temperature=0), np.random.default_rng(0))
    assert out.tolist() == [2, 3]  # id 0 (<pad>) is the largest in row 0 but is never drawn
    draws = sample_next(np.tile([50.0, 0.0, 0.0], (500, 1)), SamplingOptions(), np.random.default_rng(1))
    assert 0 not in draws


def test_top_k_never_leaves_the_top_k():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(200, 50))
    for k in (1, 3, 10):
        draws = sample_next(logits, SamplingOptions(temperature=2.0, top_k=k), rng, banned=())
        top = np.argsort(-logits, axis=1)[:, :k]
        assert all(d in row for d, row in zip(draws, top))


def test_top_p_keeps_the_smallest_nucleus():
    logits = np.log(np.array([[1e-9, 0.5, 0.3, 0.15, 0.05]]))
    rng = np.random.default_rng(0)
    draws = sample_next(np.repeat(logits, 2000, axis=0), SamplingOptions(top_p=0.75), rng)
    assert set(draws.tolist()) == {1, 2}  # 0.5 + 0.3 reaches 0.75
    freq = np.mean(draws == 1)
    assert 0.55 < freq < 0.70  # renormalised: 0.5 / 0.8
    one = sample_next(np.repeat(logits, 200, axis=0), SamplingOptions(top_p=0.1), rng)
    assert set(one.tolist()) == {1}  # at least the most probable token is kept


def test_sampling_follows_the_distribution_and_is_stable_at_extremes():
    rng = np.random.default_rng(3)
    logits = np.log(np.array([[1e-12, 0.2, 0.8]]))
    draws = sample_next(np.repeat(logits, 4000, axis=0), SamplingOptions(), rng)
    assert abs(np.mean(draws == 2) - 0.8) < 0.03
    huge = np.array([[0.0, 1e6, -1e6, 1e6 + 1]])
    assert sample_next(huge, SamplingOptions(temperature=1e-6), rng).tolist() == [3]
    assert sample_next(np.array([0.0, 1.0, 2.0]), SamplingOptions(temperature=0), rng) == 2


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"temperature": -0.1}, "temperature"),
        ({"top_k": -1}, "top-k"),
        ({"top_p": 0.0}, "top-p"),
        ({"top_p": 1.5}, "top-p"),
    ],
)
def test_option_validation_is_one_line(kwargs, message):
    with pytest.raises(UsageError, match=message) as info:
        SamplingOptions(**kwargs).validate()
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------------------------------- fixtures


def _bundle(level: str, *, text: str = TEXT, seed: int = 0):
    import keras

    from hangul_rnn.bundle import Bundle
    from hangul_rnn.models import build_generator
    from hangul_rnn.tokenizers import make_tokenizer

    keras.utils.set_random_seed(seed)
    tok = make_tokenizer(level).fit(text.splitlines(keepends=True))
    model = build_generator(tok.vocab_size, cell="lstm", layers=1, units=16, embedding_dim=8)
    # larger output weights make an untrained model's distribution peaked enough to exercise stop conditions
    w, b = model.get_layer("logits").get_weights()
    model.get_layer("logits").set_weights([w * 8, b])
    return Bundle(path=None, config={"task": "generator", "name": f"tiny-{level}"}, tokenizer=tok, model=model)


@pytest.fixture(scope="module")
def jamo_bundle():
    return _bundle("jamo")


@pytest.fixture(scope="module")
def syllable_bundle():
    return _bundle("syllable", seed=1)


@pytest.fixture(scope="module")
def word_bundle():
    return _bundle("word", seed=2)


def _reference_greedy(bundle, prompt_ids, n, banned_first=None):
    """Greedy decoding the slow way: the whole sequence through the model for every token."""
    decoder = StreamingDecoder(bundle)
    ids = list(prompt_ids)
    out, all_logits = [], []
    for i in range(n):
        logits = np.asarray(bundle.model(np.array([ids], dtype=np.int32), training=False))[0, -1].astype(np.float64)
        ban = decoder.banned if (i or banned_first is None) else banned_first
        masked = logits.copy()
        masked[ban] = -np.inf
        tid = int(np.argmax(masked))
        out.append(tid)
        all_logits.append(logits)
        ids.append(tid)
    return out, all_logits


@pytest.fixture
def record(monkeypatch):
    """Record the logits each token was drawn from and the ids drawn, by wrapping the random sampler's draw."""
    import hangul_rnn.samplers as sampling

    log = {"logits": [], "ids": []}
    real = sampling.sample_next

    def spy(logits, options, rng, **kwargs):
        ids = real(logits, options, rng, **kwargs)
        log["logits"].append(np.array(logits, dtype=np.float64))
        log["ids"].append(np.array(ids))
        return ids

    monkeypatch.setattr(sampling, "sample_next", spy)
    return log


# --------------------------------------------------------------------------------------------------- decoding


@pytest.mark.parametrize("level, prompt", [("syllable", "태조가 왕"), ("word", "태조가 왕위에"), ("jamo", "")])
def test_streaming_equals_full_window_greedy(level, prompt, jamo_bundle, syllable_bundle, word_bundle, record):
    bundle = {"jamo": jamo_bundle, "syllable": syllable_bundle, "word": word_bundle}[level]
    n = 12
    decoder = StreamingDecoder(bundle, options=SamplingOptions(temperature=0))
    steps = list(decoder.stream(prompt, max_tokens=n))
    assert len(steps) == n
    streamed = [int(i[0]) for i in record["ids"]]
    expected, ref_logits = _reference_greedy(bundle, decoder.prompt_ids(prompt), n)
    assert streamed == expected
    assert len(record["logits"]) == n
    for got, want in zip(record["logits"], ref_logits):
        np.testing.assert_allclose(got[0], want, atol=1e-4)
    assert "".join(s[0] for s in steps) == bundle.tokenizer.decode(_without_dangling_leads(bundle, expected))


def test_greedy_is_deterministic_and_seeded_sampling_repeats(syllable_bundle):
    greedy = ["".join(generate(syllable_bundle, "태조", temperature=0, max_tokens=20)) for _ in range(2)]
    assert greedy[0] == greedy[1]
    a = "".join(generate(syllable_bundle, "태조", temperature=1.5, max_tokens=30, seed=7))
    b = "".join(generate(syllable_bundle, "태조", temperature=1.5, max_tokens=30, seed=7))
    c = "".join(generate(syllable_bundle, "태조", temperature=1.5, max_tokens=30, seed=8))
    assert a == b
    assert a != c


def test_jamo_pieces_are_composed_and_concatenate_to_compose_of_all(jamo_bundle, record):
    from hangul_rnn.jamo import compose

    vocab = jamo_bundle.tokenizer.vocab
    for seed in range(3):
        record["ids"].clear()
        decoder = StreamingDecoder(jamo_bundle, options=SamplingOptions(temperature=1.3), seed=seed, num_samples=2)
        steps = list(decoder.stream("", max_tokens=40))
        for b in range(2):
            pieces = [s[b] for s in steps]
            for piece in pieces:
                assert not any(0x1100 <= ord(ch) <= 0x11FF for ch in piece), piece
            tokens = [vocab.token(int(i[b])) for i in record["ids"]]
            if "<eos>" in tokens:  # the sample ends there
                tokens = tokens[: tokens.index("<eos>")]
            else:  # cut by max_tokens: a syllable only just begun is dropped, not shown as a stray consonant
                if tokens and _is_lead(tokens[-1]):
                    tokens.pop()
            assert "".join(pieces) == compose("".join(tokens))


def test_cut_drops_a_dangling_lead_consonant(jamo_bundle, record):
    from hangul_rnn.jamo import compose

    vocab = jamo_bundle.tokenizer.vocab
    decoder = StreamingDecoder(jamo_bundle, options=SamplingOptions(temperature=3.0), seed=0, num_samples=64)
    record["ids"].clear()
    steps = list(decoder.stream("", max_tokens=4))
    ended_on_lead = 0
    for b in range(64):
        tokens = [vocab.token(int(i[b])) for i in record["ids"]]
        if "<eos>" in tokens or not _is_lead(tokens[-1]):
            continue
        ended_on_lead += 1
        text = "".join(s[b] for s in steps)
        assert text == compose("".join(tokens[:-1])) != compose("".join(tokens))
    assert ended_on_lead  # at temperature 3 some of 64 samples end on a lead


def _is_lead(token: str) -> bool:
    return len(token) == 1 and 0x1100 <= ord(token) <= 0x115F


def _without_dangling_leads(bundle, ids: list[int]) -> list[int]:
    """The ids whose text a cut stream shows: a last jamo lead, which begins a syllable, is dropped (an earlier
    lead followed by another lead is final and shows as a compatibility consonant; other levels have no leads)."""
    ids = list(ids)
    if ids and _is_lead(bundle.tokenizer.vocab.token(ids[-1])):
        ids.pop()
    return ids


def test_jamo_pieces_equal_compose_of_generated_ids(jamo_bundle):
    from hangul_rnn.jamo import compose

    decoder = StreamingDecoder(jamo_bundle, options=SamplingOptions(temperature=0))
    steps = list(decoder.stream("", max_tokens=30))
    expected, _ = _reference_greedy(jamo_bundle, decoder.prompt_ids(""), 30)
    tokens = [jamo_bundle.tokenizer.vocab.token(i) for i in _without_dangling_leads(jamo_bundle, expected)]
    assert "".join(s[0] for s in steps) == compose("".join(tokens))


def test_first_jamo_after_a_prompt_does_not_glue_to_it(jamo_bundle):
    decoder = StreamingDecoder(jamo_bundle, options=SamplingOptions(temperature=5.0), seed=0, num_samples=64)
    first = next(decoder.stream("태조가", max_tokens=1))
    for piece in first:
        assert not any(0x3131 <= ord(ch) <= 0x318E and ch not in "ㄱㄴㄷㄹㅁㅂㅅㅇㅈㅊㅋㅌㅍㅎ" for ch in piece), piece


def test_temperature_change_mid_stream_applies_to_the_next_token(syllable_bundle, record):
    options = SamplingOptions(temperature=50.0)
    decoder = StreamingDecoder(syllable_bundle, options=options, seed=0)
    steps = decoder.stream("태조", max_tokens=40)
    for _ in range(20):
        next(steps)
    options.temperature = 0.0  # from now on: greedy
    for _ in range(20):
        next(steps)

    def greedy(logits):
        masked = logits[0].copy()
        masked[decoder.banned] = -np.inf
        return int(np.argmax(masked))

    pairs = list(zip(record["logits"], record["ids"]))
    assert all(int(ids[0]) == greedy(logits) for logits, ids in pairs[20:])
    assert sum(int(ids[0]) != greedy(logits) for logits, ids in pairs[:20]) >= 5


def test_options_are_read_each_step_via_generate(syllable_bundle):
    options = SamplingOptions(temperature=0)
    greedy = "".join(generate(syllable_bundle, "태조", options=options, max_tokens=10))
    options2 = SamplingOptions(temperature=0)
    stream = generate(syllable_bundle, "태조", options=options2, max_tokens=10)
    out = [next(stream)]
    options2.top_k = 1  # still greedy: same text
    out.extend(stream)
    assert "".join(out) == greedy


def test_unknown_prompt_words_are_reported_not_fatal(word_bundle):
    seen = []
    stream = generate(word_bundle, "태조가 우주선을 탔다", max_tokens=5, seed=0, on_unknown=seen.append)
    assert seen == [["우주선을", "탔다"]]
    assert stream.unknown == ["우주선을", "탔다"]
    text = "".join(stream)
    assert text.startswith(" ")  # words continue the prompt after a space
    assert "\ufffd" not in text


def test_word_pieces_follow_join_words(word_bundle, record):
    decoder = StreamingDecoder(word_bundle, options=SamplingOptions(temperature=1.0), seed=4)
    text = "".join(s[0] for s in decoder.stream("", max_tokens=30))
    ids = [int(i[0]) for i in record["ids"]]
    assert text == word_bundle.tokenizer.decode(ids)


def test_batch_of_three_samples(syllable_bundle):
    stream = generate_batch(syllable_bundle, "태조", num_samples=3, temperature=1.5, max_tokens=15, seed=0)
    steps = list(stream)
    assert len(steps) == 15 and all(len(s) == 3 for s in steps)
    texts = ["".join(s[i] for s in steps) for i in range(3)]
    assert len(set(texts)) > 1
    assert stream.stats.tokens == 45 and stream.stats.steps == 15
    assert stream.stats.time_to_first_token is not None and stream.stats.tokens_per_second > 0
    # each row of a greedy batch equals the single greedy sample
    greedy = list(generate_batch(syllable_bundle, "태조", num_samples=3, temperature=0, max_tokens=10))
    rows = ["".join(s[i] for s in greedy) for i in range(3)]
    assert rows == ["".join(generate(syllable_bundle, "태조", temperature=0, max_tokens=10))] * 3


def test_stop_at_line_and_sentence(syllable_bundle):
    for seed in range(5):
        text = "".join(generate(syllable_bundle, "태조", temperature=2.0, max_tokens=60, stop_at="line", seed=seed))
        assert "\n" not in text[:-1]
        text = "".join(
            generate(syllable_bundle, "태조", temperature=2.0, max_tokens=60, stop_at="sentence", seed=seed)
        )
        assert not any(ch in ".!?\n" for ch in text[:-1])


def test_bad_arguments_fail_before_streaming(syllable_bundle):
    with pytest.raises(UsageError, match="temperature"):
        generate(syllable_bundle, "x", temperature=-1)
    with pytest.raises(UsageError, match="max tokens"):
        generate(syllable_bundle, "x", max_tokens=0)
    with pytest.raises(UsageError, match="stop"):
        generate(syllable_bundle, "x", stop_at="paragraph")
    with pytest.raises(UsageError, match="samples"):
        generate_batch(syllable_bundle, "x", num_samples=0)
    syllable_bundle.config["task"] = "classifier"
    try:
        with pytest.raises(UsageError, match="not a generator"):
            generate(syllable_bundle, "x")
    finally:
        syllable_bundle.config["task"] = "generator"


def test_model_tokenizer_pair_is_accepted(syllable_bundle):
    pair = (syllable_bundle.model, syllable_bundle.tokenizer)
    a = "".join(generate(pair, "태조", temperature=0, max_tokens=8))
    assert a == "".join(generate(syllable_bundle, "태조", temperature=0, max_tokens=8))


# --------------------------------------------------------------------------------------------------- strategies


@pytest.mark.parametrize("level", ["syllable", "jamo", "word"])
def test_one_beam_is_greedy(level, jamo_bundle, syllable_bundle, word_bundle):
    bundle = {"jamo": jamo_bundle, "syllable": syllable_bundle, "word": word_bundle}[level]
    greedy = "".join(generate(bundle, "태조가", temperature=0, max_tokens=25))
    assert "".join(generate(bundle, "태조가", num_beams=1, max_tokens=25)) == greedy


def test_beam_search_shows_only_what_every_beam_agrees_on(syllable_bundle):
    from hangul_rnn.samplers import BeamSampler

    sampler = BeamSampler(4)
    stream = generate(syllable_bundle, "태조", sampler=sampler, max_tokens=20)
    text = "".join(stream)
    assert text and text == stream.texts[0]
    # the text is the best beam's: scoring its ids with the network gives the sampler's best total
    runtime, tok = stream.decoder.runtime, syllable_bundle.tokenizer
    ids = stream.decoder.prompt_ids("태조") + tok.encode(text)
    logits = runtime.forward(np.array([ids]))[0].astype(np.float64)
    logits[:, stream.decoder.banned] = -np.inf  # never drawn: the sampler's distribution leaves them out
    top = logits.max(1, keepdims=True)
    logp = logits - top - np.log(np.exp(logits - top).sum(1, keepdims=True))
    start = len(stream.decoder.prompt_ids("태조")) - 1
    total = sum(logp[start + i, t] for i, t in enumerate(ids[start + 1 :]))
    assert total == pytest.approx(float(sampler.scores.max()), abs=1e-3)


def test_beam_batch_rows_are_independent_samples(syllable_bundle):
    one = "".join(generate(syllable_bundle, "태조", num_beams=3, max_tokens=12))
    stream = generate_batch(syllable_bundle, "태조", num_samples=2, num_beams=3, max_tokens=12)
    list(stream)
    assert stream.texts == [one, one]


class _MarkovRuntime:
    """A network whose next-token distribution depends only on the last token: known probabilities for beams."""

    def __init__(self, tokenizer, table: dict[str, dict[str, float]]) -> None:
        v = tokenizer.vocab_size
        self.logits = np.full((v, v), -30.0, dtype=np.float32)
        for prev, nexts in table.items():
            for tok, p in nexts.items():
                self.logits[tokenizer.vocab.id(prev), tokenizer.vocab.id(tok)] = np.log(p)

    def initial_state(self, rows: int) -> np.ndarray:
        return np.zeros(rows, dtype=np.int64)

    def read(self, ids: np.ndarray):
        return self.logits[ids[:, -1]], ids[:, -1]

    def step(self, next_ids: np.ndarray, state: np.ndarray):
        return self.logits[next_ids], np.asarray(next_ids)

    def select(self, state: np.ndarray, parents: np.ndarray) -> np.ndarray:
        return state[parents]


def test_a_beam_that_has_ended_keeps_its_score_and_ends_the_search():
    """'가다⏎' (0.4 x 0.9) is the likeliest line; the beam through '나' goes on more likely *after* its words, which
    must not count: an ended beam's score is frozen, and once the best beam has ended the search stops."""
    from hangul_rnn.tokenizers import SyllableTokenizer

    tok = SyllableTokenizer()
    tok.fit(["가나다\n라마\n"])
    table = {"가": {"나": 0.6, "다": 0.4}, "나": {"\n": 0.3, "라": 0.35, "마": 0.35}, "다": {"\n": 0.9, "라": 0.1},
             "라": {"마": 0.95, "\n": 0.05}, "마": {"라": 0.95, "\n": 0.05},
             "\n": {"라": 0.5, "마": 0.5}}
    runtime = _MarkovRuntime(tok, table)
    stream = generate((runtime, tok), "가", num_beams=2, max_tokens=20, stop_at="line")
    assert "".join(stream).rstrip("\n") == "다"
    assert stream.stats.steps == 2  # not 20: no beam still going could beat it
    assert float(stream.decoder.sampler.scores.max()) == pytest.approx(np.log(0.4 * 0.9), abs=1e-4)
    # without a stop rule the line end is just another token and the search runs to max_tokens
    free = generate((runtime, tok), "가", num_beams=2, max_tokens=6)
    assert len("".join(free)) == 6 and free.stats.steps == 6
