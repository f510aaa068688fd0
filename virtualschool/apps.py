from django.apps import AppConfig


class VirtualSchoolConfig(AppConfig):
    name = "virtualschool"
    verbose_name = "Virtual School"

    def ready(self) -> None:
        # Signal receivers: the sign-in time for the session's absolute lifetime, and the
        # logging of sign-in failures and lockouts.
        from virtualschool import lockout, middleware  # noqa: F401
