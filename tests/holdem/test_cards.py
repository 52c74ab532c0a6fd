import pytest

from holdem.cards import format_cards, parse_cards, rank_of, suit_of


def test_encoding_layout():
    assert parse_cards("2c") == [0]
    assert parse_cards("2d") == [1]
    assert parse_cards("As") == [51]
    c = parse_cards("Th")[0]
    assert rank_of(c) == 8 and suit_of(c) == 2


def test_spaced_and_compact_forms_agree():
    assert parse_cards("As Kd 7h") == parse_cards("AsKd7h") == parse_cards("As,Kd,7h")


def test_round_trip_all_cards():
    text = format_cards(range(52))
    assert parse_cards(text) == list(range(52))


@pytest.mark.parametrize("bad", ["Ax", "1s", "AsK", "Zz Kd"])
def test_bad_token_named(bad):
    with pytest.raises(ValueError, match="bad card"):
        parse_cards(bad)


def test_duplicate_named():
    with pytest.raises(ValueError, match="duplicate card 'As'"):
        parse_cards("As Kd As")
