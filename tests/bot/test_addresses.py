"""International addresses read as typed: the domain decoded from IDNA for display."""

import pytest

from bot.addresses import readable_address


@pytest.mark.parametrize(
    ("shown", "readable"),
    [
        ("petr@xn--e1afmkfd.xn--p1ai", "petr@пример.рф"),
        ("Petr@XN--E1AFMKFD.XN--P1AI", "Petr@пример.рф"),
        ("petr@пример.рф", "petr@пример.рф"),
        ("bob@example.com", "bob@example.com"),
        # Not well-formed IDNA, or not an address at all: shown unchanged, never an error.
        ("bob@xn--zz.com", "bob@xn--zz.com"),
        ("bob@xn--", "bob@xn--"),
        ("no-at-sign", "no-at-sign"),
    ],
)
def test_readable_address(shown, readable):
    assert readable_address(shown) == readable
