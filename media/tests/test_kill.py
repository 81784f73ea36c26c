"""A worker killed with SIGKILL in the middle of attaching images, then a re-run: no file is
stored twice, every Image row has its file, every product ends with all its images.

The worker is a separate process on the same test database (committed data, so
``transaction=True``), killed at a random moment after it has made some progress.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from media.models import Image, ProductImage
from media.services import product_images, product_images_attach
from media.storage import media_files_count, storage_get

from .image_server import jpeg

pytestmark = [pytest.mark.chaos, pytest.mark.usefixtures("media_settings")]

PRODUCTS = 60
WORKER = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from django.conf import settings
    config = json.loads(sys.argv[1])
    settings.YOOINI_MEDIA_ROOT = config["root"]
    settings.YOOINI_MEDIA_ALLOWED_HOSTS = config["allowed"]
    from media.services import product_images_attach
    for owner, urls in config["products"]:
        product_images_attach(owner=owner, urls=urls)
        print(owner, flush=True)
    """
)


def _database_url() -> str:
    db = connection.settings_dict
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    if engine == "sqlite3":
        return f"sqlite:///{db['NAME']}"
    scheme = {"postgresql": "postgres", "mysql": "mysql"}[engine]
    auth = quote(db.get("USER") or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"{scheme}://{auth}@{host}{port}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_rerun_after_kill_9_stores_every_image_once(image_server, settings):
    rng = random.Random()
    bodies = [jpeg(120, 90, color=(n * 5 % 256, n * 37 % 256, n * 91 % 256)) for n in range(40)]
    urls = [image_server.add(f"/{n}.jpg", bodies[n % len(bodies)]) for n in range(80)]
    products = [
        (f"okmall:{p}", [urls[rng.randrange(len(urls))] for _ in range(3)]) for p in range(PRODUCTS)
    ]
    config = {
        "root": settings.YOOINI_MEDIA_ROOT,
        "allowed": settings.YOOINI_MEDIA_ALLOWED_HOSTS,
        "products": products,
    }
    env = dict(os.environ, DATABASE_URL=_database_url(), PYTHONUNBUFFERED="1")
    env.setdefault("DJANGO_SETTINGS_MODULE", "yooini.settings")
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, json.dumps(config)],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        # Let it store a few products, then kill it at a random moment.
        deadline = time.monotonic() + 60
        done = 0
        while done < 3 and time.monotonic() < deadline:
            if not worker.stdout.readline():
                break
            done += 1
        time.sleep(rng.uniform(0, 0.02))
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait(timeout=10)
        worker.stdout.close()
    assert done == 3, "the worker never got going"

    killed_with = ProductImage.objects.count()
    for owner, owner_urls in products:
        result = product_images_attach(owner=owner, urls=owner_urls)
        assert result.errors == []
    assert killed_with < 3 * PRODUCTS  # it was killed part way
    assert ProductImage.objects.count() == 3 * PRODUCTS
    distinct = {
        bodies[int(url.rsplit("/", 1)[1][:-4]) % len(bodies)] for _, u in products for url in u
    }
    assert Image.objects.count() == len(distinct) == media_files_count()
    store = storage_get()
    assert all(store.exists(image.storage_key) for image in Image.objects.all())
    assert all(len(product_images(owner)) == 3 for owner, _ in products)
