"""Mirror Creatify Aurora video jobs into Django, keep them fresh with Celery."""

__version__ = "0.1.0"
