import pytest
from django.core.exceptions import ValidationError

from schools.upn import check_letter, make_upn, validate_upn

# The four fictional pupils of the attendance import example, whose check letters are correct.
VALID = ["C851200119017", "R851200119018", "P851400317142", "K851400318009"]


@pytest.mark.parametrize("upn", VALID)
def test_a_upn_with_its_correct_check_letter_is_accepted(upn):
    validate_upn(upn)


def test_the_check_letter_is_the_weighted_sum_modulo_23():
    # 8*2 + 5*3 + 1*4 + 2*5 + 0*6 + 0*7 + 1*8 + 1*9 + 9*10 + 0*11 + 1*12 + 7*13 = 255; 255 % 23 = 2
    assert check_letter("851200119017") == "C"


def test_a_wrong_check_letter_is_refused_naming_the_expected_letter():
    with pytest.raises(ValidationError) as refusal:
        validate_upn("A851200119017")

    message = refusal.value.messages[0]
    assert "should be C" in message
    assert "not A" in message


def test_a_temporary_upn_values_its_last_letter_by_its_place_in_the_alphabet():
    body = "85120011901A"  # temporary: a letter in position 13, A valued 0
    upn = check_letter(body) + body

    validate_upn(upn)
    assert check_letter(body) == check_letter("851200119010")


@pytest.mark.parametrize(
    ("upn", "reason"),
    [
        ("C85120011901", "13 characters"),
        ("C8512001190177", "13 characters"),
        ("I851200119017", "letters I, O and S"),
        ("C85120011901O", "letters I, O and S"),
        ("1851200119017", "a letter, then 11 digits"),
        ("C8512001A9017", "a letter, then 11 digits"),
    ],
)
def test_a_malformed_upn_is_refused_with_a_reason(upn, reason):
    with pytest.raises(ValidationError) as refusal:
        validate_upn(upn)

    assert reason in refusal.value.messages[0]


def test_made_upns_pass_validation():
    for serial in range(0, 1000, 37):
        validate_upn(make_upn(851, 2001, 19, serial))
