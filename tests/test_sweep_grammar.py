"""The sweep grammar: commas separate values at the top level only; samplers; round trips."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nanograd.run.errors import ConfigError
from nanograd.sweep.grammar import (
    Choices,
    format_value,
    format_values,
    parse_value,
    split_top_level,
)
from nanograd.sweep.samplers import Sampler


def values_of(text: str) -> tuple:
    parsed = parse_value("key", text)
    assert isinstance(parsed, Choices), parsed
    return parsed.values


def test_a_comma_at_the_top_level_separates_values():
    assert values_of("0.3,0.1,0.03") == (0.3, 0.1, 0.03)
    assert values_of("sgd,adam") == ("sgd", "adam")
    assert values_of("0.1, 0.01") == (0.1, 0.01)


def test_commas_inside_brackets_or_quotes_do_not_separate_values():
    assert values_of("[16,16],[32,32]") == ([16, 16], [32, 32])
    assert values_of("'a,b'") == ("a,b",)
    assert values_of("'a,b',\"c,d\"") == ("a,b", "c,d")
    assert values_of("{'momentum': 0.9, 'nesterov': True}") == (
        {"momentum": 0.9, "nesterov": True},
    )
    assert values_of("(1, 2)") == ((1, 2),)
    assert values_of(r"'it\'s, quoted',x") == ("it's, quoted", "x")


def test_a_single_value_is_read_as_a_plain_override_is():
    assert values_of("[16, 16]") == ([16, 16],)
    assert values_of("None") == (None,)
    assert values_of("adam") == ("adam",)
    assert not parse_value("lr", "0.1").swept  # type: ignore[union-attr]


def test_text_whose_brackets_or_quotes_do_not_balance_is_one_bare_string():
    assert values_of("it's") == ("it's",)
    assert values_of("a,b)") == ("a,b)",)
    assert split_top_level("[1,2") is None


def test_an_empty_value_between_commas_is_an_error_that_shows_the_tuple_syntax():
    with pytest.raises(ConfigError, match=r"an empty value between commas.*x='\(1, 2\)'"):
        parse_value("x", "1,")


def test_a_value_listed_twice_is_an_error():
    with pytest.raises(ConfigError, match=r"lr=0\.1,0\.1: the value 0\.1 is given twice"):
        parse_value("lr", "0.1,0.1")


def test_samplers_are_recognised_with_their_arguments():
    lr = parse_value("lr", "loguniform(1e-4,1e-1)")
    assert isinstance(lr, Sampler) and lr.name == "loguniform" and lr.args == (1e-4, 1e-1)
    hidden = parse_value("hidden", "choice([16],[32,32])")
    assert isinstance(hidden, Sampler) and hidden.args == ([16], [32, 32])
    assert str(parse_value("dropout", "uniform(0,0.5)")) == "uniform(0, 0.5)"
    assert str(parse_value("width", "randint(8, 64)")) == "randint(8, 64)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("loguniform(0,1)", r"0 < low \(a logarithm is taken\)"),
        ("uniform(1,0)", "needs low < high"),
        ("uniform(0)", "takes two finite numbers"),
        ("randint(1.5,3)", "takes two integers"),
        ("choice([16,32,64])", r"to choose among the items of \[16, 32, 64\] write choice\(16,"),
        ("0.1,uniform(0,1)", "must be the whole value"),
    ],
)
def test_a_sampler_used_wrongly_is_an_error_saying_how_to_write_it(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_value("key", text)


def test_samplers_draw_within_their_bounds_and_reach_both_ends_of_randint():
    rng = np.random.default_rng(0)
    lr = parse_value("lr", "loguniform(1e-4,1e-1)")
    width = parse_value("w", "randint(1,3)")
    assert isinstance(lr, Sampler) and isinstance(width, Sampler)
    draws = [lr.draw(rng) for _ in range(500)]
    assert all(1e-4 <= d <= 1e-1 for d in draws)
    # log-uniform: about half the draws below the geometric middle, 10**-2.5
    below = sum(d < 10**-2.5 for d in draws) / len(draws)
    assert 0.4 < below < 0.6
    assert {width.draw(rng) for _ in range(100)} == {1, 2, 3}


def test_plain_words_are_written_bare_and_everything_else_as_a_literal():
    assert format_value("sgd") == "sgd"
    assert format_value("a,b") == "'a,b'"
    assert format_value("True") == "'True'"
    assert format_value("1") == "'1'"
    assert format_value(None) == "None"
    assert format_values([[16, 16], [32, 32]]) == "[16, 16],[32, 32]"
    assert format_value(math.inf) == "1e999"


# Round trips: values -> text -> the same values, and accepted text -> values -> text -> values.

plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


def identity(value: object) -> str:
    """Values compared with their types: 1, 1.0 and True are three different values here."""
    return f"{type(value).__name__}:{format_value(value)}"


@given(st.lists(plain, min_size=1, max_size=5, unique_by=identity))
def test_any_list_of_values_round_trips_through_its_text(values):
    parsed = values_of(format_values(values))
    assert [identity(v) for v in parsed] == [identity(v) for v in values]


bare_words = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,6}", fullmatch=True).filter(
    lambda w: w not in ("True", "False", "None")
)
pieces = st.one_of(plain.map(format_value), bare_words).flatmap(
    lambda text: st.sampled_from([text, f" {text}", f"{text} "])
)


@given(st.lists(pieces, min_size=2, max_size=5))
def test_text_the_parser_accepts_reads_back_the_same_after_formatting(parts):
    text = ",".join(parts)
    try:
        first = values_of(text)
    except ConfigError as exc:  # the only refusal: the same value listed twice
        assert "is given twice" in str(exc)
        return
    assert len(first) == len(parts)
    again = values_of(format_values(first))
    assert [identity(v) for v in again] == [identity(v) for v in first]
