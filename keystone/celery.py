"""The Celery application: configured from Django settings (CELERY_*), JSON only, late acks."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keystone.settings")

app = Celery("keystone")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
