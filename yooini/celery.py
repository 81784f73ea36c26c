"""The Celery application of the distributed mode (``YOOINI_EXECUTOR=celery``).

Its settings come from Django's (the ``CELERY_`` ones in ``yooini.settings``); its only task
runs one stage run by id. ``yooini worker`` starts a worker of it.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yooini.settings")

app = Celery("yooini")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["orchestrator.tasks"]
