"""Two-factor sign-in: each person's authenticator app (a TOTP device) and backup codes.

Everyone signs in with a password and then a code (DESIGN.md, Access). At first sign-in a
person has no confirmed authenticator app: they enrol by scanning a QR code (or typing the
secret) and typing the code their app shows, and are then given ten single-use backup codes,
shown once. After that every sign-in asks for a code from the app, or a backup code.

The devices are django-otp's: a TOTPDevice (RFC 6238: 6 digits, 30-second steps, one step
of clock drift either way, and no code accepted twice) and a StaticDevice holding the backup
codes, which are 8 digits so that one field with a numeric keypad takes either kind.
"""

from __future__ import annotations

import base64
import logging
import re
import secrets
from typing import Any

import segno
from django.db import transaction
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from virtualschool import totp
from virtualschool.errors import DomainError

logger = logging.getLogger("virtualschool.signin")

AUTHENTICATOR_NAME = "Authenticator app"
BACKUP_CODES_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10
BACKUP_CODE_DIGITS = 8
TOTP_DIGITS = totp.DIGITS

CODE_FORMAT_MESSAGE = (
    f"Enter the {TOTP_DIGITS}-digit code from your authenticator app, "
    f"or one of your {BACKUP_CODE_DIGITS}-digit backup codes"
)
WRONG_CODE_MESSAGE = (
    "The code is wrong or has expired. Enter the code your authenticator app shows now"
)
REPLAYED_CODE_MESSAGE = (
    "That code has already been used. Wait for your authenticator app to show a new code, "
    "then enter it"
)
WRONG_BACKUP_CODE_MESSAGE = "That backup code is wrong or has already been used"
ENROL_FORMAT_MESSAGE = f"Enter the {TOTP_DIGITS}-digit code from your authenticator app"

_SEPARATORS = re.compile(r"[\s-]+")


def normalise_code(code: str) -> str:
    """A code as typed, without the spaces or dashes people put in long numbers."""
    return _SEPARATORS.sub("", code or "")


def authenticator_for(user: Any) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they have enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def needs_enrolment(user: Any) -> bool:
    """Whether the user has yet to set up an authenticator app (first sign-in, or after an
    Admin reset their device)."""
    return not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def enrolment_start(*, user: Any) -> TOTPDevice:
    """The authenticator app the user is setting up: a new unconfirmed device with a fresh
    random secret, or the one already started, so reloading the page keeps the QR code the
    person may have scanned. Refused once an authenticator app is confirmed: replacing one
    takes an Admin's reset."""
    with transaction.atomic():
        if not needs_enrolment(user):
            raise DomainError("You have already set up an authenticator app.")
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def enrolment_confirm(*, user: Any, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator app being set up with a code it shows, and issue the ten
    backup codes (replacing any earlier ones). The codes are returned once to be shown once;
    django-otp keeps them to check against and deletes each as it is used."""
    code = normalise_code(code)
    if not (code.isdigit() and len(code) == TOTP_DIGITS):
        raise DomainError({"code": ENROL_FORMAT_MESSAGE})
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None or not needs_enrolment(user):
            raise DomainError("Start setting up your authenticator app again.")
        if not device.verify_token(code):
            raise DomainError({"code": _totp_refusal(device, code)})
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = backup_codes_issue(user=user)
    logger.info("Authenticator app set up for username %r", user.get_username())
    return device, codes


def backup_codes_issue(*, user: Any) -> list[str]:
    """Ten new single-use backup codes for the user, replacing any they had."""
    codes = [
        f"{secrets.randbelow(10**BACKUP_CODE_DIGITS):0{BACKUP_CODE_DIGITS}d}"
        for _ in range(BACKUP_CODE_COUNT)
    ]
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=BACKUP_CODES_NAME, confirmed=True)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def second_factor_verify(*, user: Any, code: str) -> Device:
    """The device that accepts this code: the user's authenticator app for a 6-digit code,
    their backup codes (each used once) for an 8-digit one. Anything else is refused with a
    message saying whether the code was wrong, expired or already used."""
    code = normalise_code(code)
    if not code.isdigit() or len(code) not in (TOTP_DIGITS, BACKUP_CODE_DIGITS):
        raise DomainError({"code": CODE_FORMAT_MESSAGE})
    with transaction.atomic():
        if len(code) == BACKUP_CODE_DIGITS:
            backup = StaticDevice.objects.select_for_update().filter(user=user).first()
            if backup is not None and backup.verify_token(code):
                logger.info("Backup code used by username %r", user.get_username())
                return backup
            raise DomainError({"code": WRONG_BACKUP_CODE_MESSAGE})
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is not None and device.verify_token(code):
            return device
    if device is None:
        raise DomainError("Set up your authenticator app first.")
    raise DomainError({"code": _totp_refusal(device, code)})


def _totp_refusal(device: TOTPDevice, code: str) -> str:
    """Why a 6-digit code was refused: it is one the app showed within the allowed drift but
    was already accepted (a replay), or it is wrong or from too long ago."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if totp.verify(int(code), device.tolerance):
        return REPLAYED_CODE_MESSAGE
    return WRONG_CODE_MESSAGE


def secret_base32(device: TOTPDevice) -> str:
    """The device's secret as an authenticator app takes it typed in: base32, in groups of
    four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code, drawn here (no CDN, no
    script), black on white so it scans with the page in any colour scheme."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=4, dark="#0b0c0c", light="#ffffff", title="QR code for your app"
    )


def secret_from_base32(text: str) -> bytes:
    """The bytes of a base32 secret as people write it (any case, spaces, no padding)."""
    try:
        return totp.parse_secret(text)
    except ValueError as error:
        raise DomainError(str(error)) from None


def authenticator_set(*, user: Any, secret: str) -> TOTPDevice:
    """Enrol the user with an authenticator app on a known secret, confirmed, replacing any
    other: for the demo users of `make run` (seed_demo), who share one secret so a newcomer
    can sign in as each of them. Keeps the device (and so its replay guard) when the secret
    is unchanged."""
    key_hex = secret_from_base32(secret).hex()
    with transaction.atomic():
        device = authenticator_for(user)
        if device is None or device.key != key_hex:
            TOTPDevice.objects.filter(user=user).delete()
            device = TOTPDevice.objects.create(
                user=user, name=AUTHENTICATOR_NAME, key=key_hex, confirmed=True
            )
        else:
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return device
