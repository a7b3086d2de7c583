"""Worker hygiene: a task must start with no tenant, whatever ran before it on the same worker."""

from celery.signals import task_prerun
from django.db import connection
from django_scopes import get_scope

from tenancy.context import _active


@task_prerun.connect
def _task_starts_without_tenant(**_):
    if _active.get() is not None or get_scope().get("tenant") is not None:
        raise RuntimeError("A task started inside a leftover tenant scope.")
    if connection.connection is not None and connection.in_atomic_block:
        raise RuntimeError("A task started inside a leftover transaction.")
