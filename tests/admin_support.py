"""Shared by the admin tests of every family (their fixtures, ``family`` and
``clear_admin_cache``, are in conftest.py)."""

from __future__ import annotations

from django.contrib.messages import get_messages

from django_creatify.families import FAMILIES, get_family

FAMILY_NAMES = list(FAMILIES)


def admin_url(family: str) -> str:
    return f"/admin/django_creatify/{get_family(family).model._meta.model_name}/"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]
