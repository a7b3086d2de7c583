from django.apps import AppConfig


class KeystoneConfig(AppConfig):
    name = "keystone"

    def ready(self):
        # Every ModelSerializer's DateTimeField writes RFC 3339 (the OpenAPI `date-time` format), also for
        # times whose zone then used an offset with seconds. DRF has no setting for the field class.
        from django.db import models
        from rest_framework.serializers import ModelSerializer

        from tenancy.dates import RFC3339DateTimeField

        ModelSerializer.serializer_field_mapping[models.DateTimeField] = RFC3339DateTimeField
