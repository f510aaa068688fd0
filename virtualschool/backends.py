"""The authentication backend: Django's ModelBackend, loading with each session's user the
two-factor devices that can verify it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

# The device models whose confirmed ids ride along with the user, keyed by django-otp's
# model label (the part of a device's persistent_id before the "/").
VERIFYING_DEVICES = {
    TOTPDevice.model_label(): TOTPDevice,
    StaticDevice.model_label(): StaticDevice,
}
CONFIRMED_DEVICES_ATTRIBUTE = "_confirmed_otp_devices"


class StaffBackend(ModelBackend):
    """ModelBackend whose `get_user` (run by AuthenticationMiddleware on every request) also
    reads, in the same query, the ids of the user's confirmed TOTP and backup-code devices.

    SecondFactorMiddleware checks the session's verified device against them, so a session
    stays verified only while its device exists and is confirmed (an Admin's reset ends it at
    once) without a query of its own: every page keeps its fixed number of queries.
    """

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        annotations = {
            _attribute(label): ArraySubquery(
                model.objects.filter(user=OuterRef("pk"), confirmed=True).values("pk")
            )
            for label, model in VERIFYING_DEVICES.items()
        }
        user = user_model._default_manager.annotate(**annotations).filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        setattr(
            user,
            CONFIRMED_DEVICES_ATTRIBUTE,
            {
                f"{label}/{pk}"
                for label in VERIFYING_DEVICES
                for pk in getattr(user, _attribute(label))
            },
        )
        return user


def _attribute(label: str) -> str:
    return "_otp_ids_" + label.replace(".", "_")


def confirmed_device_ids(user: Any) -> frozenset[str] | None:
    """The persistent ids of the user's confirmed devices as StaffBackend loaded them, or
    None for a user it did not load."""
    ids = getattr(user, CONFIRMED_DEVICES_ATTRIBUTE, None)
    return None if ids is None else frozenset(ids)
