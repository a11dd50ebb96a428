"""Throttle keys: one bucket per account (named by a digest, never the address) and per source."""

from __future__ import annotations

from casework.security import throttle


def test_throttle_account_key_normalises_and_hides_the_email():
    key = throttle.account_key(throttle.PASSWORD, "Sam.Patel@Example.org ")
    assert key == throttle.account_key(throttle.PASSWORD, "sam.patel@example.org")
    assert "sam" not in key and "example" not in key
    assert key != throttle.account_key(throttle.SECOND_FACTOR, "sam.patel@example.org")  # separate purposes


def test_throttle_account_key_same_shape_for_any_text():
    # An address with no account is throttled exactly like one with an account.
    assert len(throttle.account_key("password", "nobody@example.org")) == len(throttle.account_key("password", "x"))


def test_throttle_address_key_ipv4_and_mapped():
    assert throttle.address_key("password", "192.0.2.7") == "password:address:192.0.2.7"
    assert throttle.address_key("password", "::ffff:192.0.2.7") == "password:address:192.0.2.7"


def test_throttle_address_key_ipv6_by_64():
    a = throttle.address_key("password", "2001:db8:1:2::1")
    b = throttle.address_key("password", "2001:db8:1:2:ffff:eeee:dddd:cccc")
    c = throttle.address_key("password", "2001:db8:1:3::1")
    assert a == b == "password:address:2001:db8:1:2::/64"
    assert c != a


def test_throttle_address_key_unparseable_shares_a_bucket():
    assert throttle.address_key("password", None) == throttle.address_key("password", "not an ip") == "password:address:unknown"


def test_throttle_minutes_to_wait_rounds_up_and_is_at_least_one():
    assert throttle.minutes_to_wait(1000.0, 1000.0) == 1
    assert throttle.minutes_to_wait(1061.0, 1000.0) == 2
    assert throttle.minutes_to_wait(1300.0, 1000.0) == 5
    assert throttle.LIMIT == "10 per 5 minutes"
