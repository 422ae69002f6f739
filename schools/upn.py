"""Unique Pupil Numbers (UPNs) and their check letter.

A UPN is 13 characters: a check letter, the LA code (3 digits), the establishment number (4), the
year allocated (2) and a serial (3). Characters 2 to 13 are weighted 2 to 13; the sum modulo 23
indexes ALPHABET. A temporary UPN has a letter in position 13, valued by its index in ALPHABET.
"""

import re

from django.core.exceptions import ValidationError

ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"  # I, O and S are never used
_SHAPE = re.compile(rf"^[{ALPHABET}][0-9]{{11}}[0-9{ALPHABET}]$")


def check_letter(body: str) -> str:
    """The check letter for the 12 characters that follow it."""
    total = 0
    for weight, char in enumerate(body, start=2):
        total += weight * (int(char) if char.isdigit() else ALPHABET.index(char))
    return ALPHABET[total % 23]


def normalise_upn(value: str) -> str:
    return value.strip().upper()


def validate_upn(value: str) -> None:
    upn = normalise_upn(value)
    if len(upn) != 13:
        raise ValidationError(
            "Enter a UPN of 13 characters (it has %(length)s)",
            code="upn_length",
            params={"length": len(upn)},
        )
    if not _SHAPE.match(upn):
        raise ValidationError(
            "Enter a UPN as a letter, then 11 digits, then a digit or a letter "
            "(the letters I, O and S are never used)",
            code="upn_shape",
        )
    expected = check_letter(upn[1:])
    if upn[0] != expected:
        raise ValidationError(
            "The UPN’s check letter is wrong: for %(body)s it should be %(expected)s, "
            "not %(given)s. Check the UPN was copied correctly",
            code="upn_check_letter",
            params={"body": upn[1:], "expected": expected, "given": upn[0]},
        )


def make_upn(la_code: int, establishment: int, year: int, serial: int) -> str:
    """A valid UPN for synthetic data."""
    body = f"{la_code:03d}{establishment:04d}{year % 100:02d}{serial:03d}"
    return check_letter(body) + body
