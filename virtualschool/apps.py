from django.apps import AppConfig


class VirtualSchoolConfig(AppConfig):
    name = "virtualschool"
    verbose_name = "Virtual School"
