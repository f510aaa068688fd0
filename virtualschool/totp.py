"""TOTP secrets and codes without Django, for `make run`'s demo users.

    .venv/bin/python -m virtualschool.totp            # the code now for DEMO_TOTP_SECRET, else
                                                      # the secret in .run/demo-totp-secret
    .venv/bin/python -m virtualschool.totp SECRET     # the code now for SECRET
    .venv/bin/python -m virtualschool.totp --new      # a new random secret

Codes are RFC 6238's, as django-otp's TOTPDevice checks them and authenticator apps show them:
HMAC-SHA1, 6 digits, 30-second steps from the Unix epoch.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import sys
from pathlib import Path

from django_otp.oath import TOTP

DIGITS = 6
SECRET_FILE = Path(__file__).resolve().parent.parent / ".run" / "demo-totp-secret"
# RFC 4226 recommends 160 bits of shared secret; a secret typed by hand may be shorter, but
# not below 80 bits (16 base32 characters). django-otp's TOTPDevice holds up to 40 bytes.
MIN_SECRET_BYTES = 10
MAX_SECRET_BYTES = 40
NEW_SECRET_BYTES = 20

_BASE32 = re.compile(r"^[A-Z2-7]+$")


def parse_secret(text: str) -> bytes:
    """The bytes of a base32 secret as people write it: any case, spaces allowed, padding
    optional. ValueError says what is wrong with it."""
    cleaned = re.sub(r"[\s-]+", "", text or "").upper().rstrip("=")
    if not cleaned:
        raise ValueError("The TOTP secret is empty.")
    if not _BASE32.match(cleaned):
        raise ValueError("The TOTP secret must be base32: the letters A to Z and digits 2 to 7.")
    try:
        key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except binascii.Error:
        raise ValueError("The TOTP secret is not valid base32 (check its length).") from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise ValueError(
            f"The TOTP secret must be {MIN_SECRET_BYTES * 8 // 5} to "
            f"{MAX_SECRET_BYTES * 8 // 5} base32 characters long."
        )
    return key


def new_secret() -> str:
    """A random 160-bit secret in base32."""
    return base64.b32encode(secrets.token_bytes(NEW_SECRET_BYTES)).decode().rstrip("=")


def code_now(secret: str) -> str:
    """The code an authenticator app shows now for the base32 secret."""
    return f"{TOTP(parse_secret(secret), digits=DIGITS).token():0{DIGITS}d}"


def _demo_secret() -> str:
    secret = os.environ.get("DEMO_TOTP_SECRET", "")
    if secret:
        return secret
    if SECRET_FILE.exists():
        return SECRET_FILE.read_text().strip()
    raise ValueError(f"Set DEMO_TOTP_SECRET, or run `make run` once to make {SECRET_FILE}.")


def main(argv: list[str]) -> int:
    try:
        if argv == ["--new"]:
            print(new_secret())
        elif len(argv) <= 1:
            print(code_now(argv[0] if argv else _demo_secret()))
        else:
            raise ValueError("Usage: python -m virtualschool.totp [SECRET | --new]")
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
