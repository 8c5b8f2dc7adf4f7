"""Every public library function, given arguments of the wrong type, raises TypeError, ValueError or one of the
project's own errors (hangul_rnn.errors): never an AttributeError, an IndexError from deep inside, or a quiet
wrong answer (a call that returns is a failure too: every drawn value is of a type the argument does not take)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hangul_rnn
from hangul_rnn.errors import HangulRNNError

ALLOWED = (TypeError, ValueError, HangulRNNError)

#: A value of any type but the expected one (the valid types are filtered out per argument below).
WRONG = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.binary(max_size=8),
    st.lists(st.integers(-3, 3), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.just(object()), st.tuples(st.integers(), st.text(max_size=2)), st.text(max_size=6),
)


def _loaded(name: str) -> Any:
    from hangul_rnn.bundle import load_bundle

    return load_bundle(name)


def _tokenizer() -> Any:
    return hangul_rnn.make_tokenizer("syllable").fit(["가나다 라마"])


# function -> (valid arguments, the type each position takes); one position at a time gets a wrong value.
CASES: dict[str, tuple[Callable[..., Any], Callable[[], list[Any]], list[tuple[type, ...]]]] = {
    "decompose": (lambda a: hangul_rnn.decompose(a), lambda: ["한글"], [(str,)]),
    "compose": (lambda a: hangul_rnn.compose(a), lambda: ["한글"], [(str,)]),
    "to_compat": (lambda a: hangul_rnn.to_compat(a), lambda: ["한글"], [(str,)]),
    "from_compat": (lambda a: hangul_rnn.from_compat(a), lambda: ["ㅎㅏㄴ"], [(str,)]),
    "final_consonant": (lambda a: hangul_rnn.final_consonant(a), lambda: ["한"], [(str,)]),
    "has_batchim": (lambda a: hangul_rnn.has_batchim(a), lambda: ["한"], [(str,)]),
    "attach_particle": (lambda a, b: hangul_rnn.attach_particle(a, b), lambda: ["사과", "을"], [(str,), (str,)]),
    "is_all_hangul": (lambda a: hangul_rnn.is_all_hangul(a), lambda: ["한글"], [(str,)]),
    "make_tokenizer": (lambda a: hangul_rnn.make_tokenizer(a), lambda: ["syllable"], [(str,)]),
    "load_tokenizer": (lambda a: hangul_rnn.load_tokenizer(a), lambda: [_tokenizer().to_dict()], [(dict,)]),
    "encode": (lambda t, a: t.encode(a), lambda: [_tokenizer(), "가나"], [(), (str,)]),
    "encode_batch": (lambda t, a: t.encode_batch(a), lambda: [_tokenizer(), ["가나"]], [(), (list, tuple)]),
    "decode": (lambda t, a: t.decode(a), lambda: [_tokenizer(), [3, 4]], [(), (list, tuple)]),
    "fit": (lambda t, a: t.fit(a), lambda: [_tokenizer(), ["가나"]], [(), (list, tuple)]),
    "tokenize": (lambda t, a: t.tokenize(a), lambda: [_tokenizer(), "가나"], [(), (str,)]),
    "get_corpus": (lambda a: hangul_rnn.get_corpus(a), lambda: ["nsmc"], [(str,)]),
    "load_bundle": (lambda a: hangul_rnn.load_bundle(a), lambda: ["nsmc-classifier"], [(str,)]),
    "score": (lambda b, a: hangul_rnn.score(b, a), lambda: [_loaded("nsmc-classifier"), "좋다"], [(), (str,)]),
    "explain": (lambda b, a: hangul_rnn.explain(b, a), lambda: [_loaded("nsmc-classifier"), "좋다"], [(), (str,)]),
    "generate": (lambda b, a: list(hangul_rnn.generate(b, a, max_tokens=2)),
                 lambda: [_loaded("annals-syllable"), "태조"], [(), (str, type(None))]),  # None: no prompt
    "generate_options": (lambda b, a: list(hangul_rnn.generate(b, "태조", max_tokens=2, temperature=a)),
                         lambda: [_loaded("annals-syllable"), 1.0], [(), (int, float, type(None))]),  # None: default
    "default_config": (lambda a: hangul_rnn.default_config(a), lambda: ["generator"], [(str,)]),
    "TrainConfig_units": (lambda a: hangul_rnn.TrainConfig(units=a).validate(), lambda: [8], [(int,)]),
    "SamplingOptions": (lambda a: hangul_rnn.SamplingOptions(top_k=a).validate(), lambda: [0], [(int,)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_wrong_types_raise_only_clear_errors(name: str, data: st.DataObject) -> None:
    func, valid, types = CASES[name]
    args = valid()
    position = data.draw(st.sampled_from([i for i, t in enumerate(types) if t]))
    wrong = data.draw(WRONG.filter(lambda v: not isinstance(v, types[position])
                                   or (isinstance(v, bool) and bool not in types[position])))
    args[position] = wrong
    try:
        func(*args)
    except ALLOWED:
        return
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{name}: argument {position} = {wrong!r} raised {exc.__class__.__name__}: {exc}")
    pytest.fail(f"{name}: argument {position} = {wrong!r} was accepted (a quiet wrong answer)")
