"""VOST Hub project package: settings, URLs, Celery app and shared plumbing."""

from vost.celery import app as celery_app

__all__ = ("celery_app",)
