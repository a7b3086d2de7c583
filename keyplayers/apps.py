from django.apps import AppConfig


class KeyplayersConfig(AppConfig):
    name = "keyplayers"
