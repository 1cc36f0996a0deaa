from django.apps import AppConfig


class IdpConfig(AppConfig):
    name = "idp"

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)
