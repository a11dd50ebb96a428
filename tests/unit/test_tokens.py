"""Personal API tokens: prefix, randomness and the stored digest."""

from __future__ import annotations

import hashlib
import re

from casework.security.tokens import TOKEN_PREFIX, new_token, token_digest


def test_new_token_has_prefix_and_url_safe_body() -> None:
    token = new_token()
    assert token.startswith(TOKEN_PREFIX)
    assert TOKEN_PREFIX == "cw_"
    body = token.removeprefix(TOKEN_PREFIX)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", body)  # 32 random bytes, base64url without padding


def test_new_token_is_unique() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200


def test_token_digest_is_sha256_hex_and_stable() -> None:
    token = "cw_example"
    digest = token_digest(token)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest == hashlib.sha256(b"cw_example").hexdigest()
    assert token_digest(token) == digest
    assert token not in digest


def test_token_digest_differs_between_tokens() -> None:
    first, second = new_token(), new_token()
    assert token_digest(first) != token_digest(second)
    assert token_digest("cw_a") != token_digest("cw_A")
