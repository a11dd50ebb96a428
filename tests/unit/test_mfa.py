"""The second factor's rules: the TOTP window, replay, recovery codes and who must enrol."""

from __future__ import annotations

import pyotp
import pytest

from casework.security import mfa

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_800_000_015.0  # 15 seconds into a step


def test_mfa_code_matches_pyotp_and_rfc6238_parameters():
    assert mfa.code_for_step(SECRET, mfa.step_at(NOW)) == pyotp.TOTP(SECRET).at(NOW)
    assert len(mfa.new_secret()) == 32 and mfa.new_secret() != mfa.new_secret()


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_mfa_accepts_one_step_either_side(offset):
    step = mfa.step_at(NOW) + offset
    assert mfa.accepted_step(SECRET, mfa.code_for_step(SECRET, step), NOW, None) == step


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_mfa_refuses_codes_outside_the_window(offset):
    code = mfa.code_for_step(SECRET, mfa.step_at(NOW) + offset)
    inside = {mfa.code_for_step(SECRET, s) for s in range(mfa.step_at(NOW) - 1, mfa.step_at(NOW) + 2)}
    assert code not in inside  # true for this secret and time (codes collide 1 in 10^6)
    assert mfa.accepted_step(SECRET, code, NOW, None) is None


def test_mfa_refuses_a_replayed_code_and_earlier_ones():
    step = mfa.step_at(NOW)
    code = mfa.code_for_step(SECRET, step)
    assert mfa.accepted_step(SECRET, code, NOW, None) == step
    assert mfa.accepted_step(SECRET, code, NOW, step) is None  # the same code again
    assert mfa.accepted_step(SECRET, mfa.code_for_step(SECRET, step - 1), NOW, step) is None  # an earlier one
    assert mfa.accepted_step(SECRET, mfa.code_for_step(SECRET, step + 1), NOW, step) == step + 1  # the next one


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "12 34 5x", "١٢٣٤٥٦"])
def test_mfa_refuses_what_is_not_a_code(typed):
    assert not mfa.is_totp_code(typed)
    assert mfa.accepted_step(SECRET, typed, NOW, None) is None


def test_mfa_code_may_be_typed_with_spaces():
    code = mfa.code_for_step(SECRET, mfa.step_at(NOW))
    assert mfa.accepted_step(SECRET, f" {code[:3]} {code[3:]} ", NOW, None) == mfa.step_at(NOW)


def test_mfa_recovery_codes_are_unique_readable_and_stored_as_digests():
    codes = mfa.new_recovery_codes()
    assert len(codes) == mfa.RECOVERY_CODES == len(set(codes))
    for code in codes:
        assert mfa.is_recovery_code(code) and not mfa.is_totp_code(code)
        assert not set(code.replace("-", "")) & set("01ilou")  # nothing that reads as another character
        digest = mfa.recovery_digest(code)
        assert len(digest) == 64 and code not in digest
        # Case, spaces and the hyphen do not matter when it is typed back.
        assert mfa.recovery_digest(code.upper().replace("-", " ")) == digest


def test_mfa_recovery_code_shape():
    assert not mfa.is_recovery_code("12345-6789")  # has 1
    assert not mfa.is_recovery_code("abcde-fghj")  # too short
    assert mfa.is_recovery_code("abcde-fghjk")


def test_mfa_required_roles():
    required = mfa.DEFAULT_REQUIRED_ROLES
    assert mfa.required({"manager"}, required)
    assert mfa.required({"practitioner", "admin"}, required)
    assert not mfa.required({"practitioner"}, required)
    assert not mfa.required({"manager"}, frozenset())


@pytest.mark.parametrize(
    ("required", "enrolled", "done", "expected"),
    [
        (False, False, False, mfa.FULL),  # an optional practitioner without an app
        (True, False, False, mfa.ENROL),  # must set one up before anything else
        (True, True, False, mfa.VERIFY),
        (False, True, False, mfa.VERIFY),  # chose to use one: always asked
        (True, True, True, mfa.FULL),
        (False, True, True, mfa.FULL),
    ],
)
def test_mfa_stage(required, enrolled, done, expected):
    assert mfa.stage(required=required, enrolled=enrolled, second_factor_done=done) == expected


def test_mfa_grouped_secret_and_uri():
    assert mfa.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"
    uri = mfa.provisioning_uri(SECRET, "sam@example.org")
    assert uri.startswith("otpauth://totp/") and f"secret={SECRET}" in uri and "issuer=Early%20help%20casework" in uri
