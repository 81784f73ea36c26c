"""Run settings: what a command sets up for one run is stored with its batch and applied to
each of its stage runs wherever they run, never to the process's own settings."""

from __future__ import annotations

import pytest

from media.fetch import fetch_config
from media.storage import storage_get
from orchestrator import NO_RETRY
from orchestrator.services.batches import batch_start
from yooini.run_settings import RunSettingsError, run_setting, run_settings_applied

pytestmark = pytest.mark.usefixtures("transactional_db", "manual_clock")

HOSTS = "YOOINI_MEDIA_ALLOWED_HOSTS"


def test_a_batch_carries_its_settings_to_every_stage_run(make_workflow, run_batch, settings):
    settings.YOOINI_MEDIA_ALLOWED_HOSTS = []
    seen: list = []
    wf = make_workflow("runcfg", partitions=["a", "b"])
    wf.stage(lambda ctx, p: seen.append((p, run_setting(HOSTS))), name="fetch", retry=NO_RETRY)
    run = {HOSTS: ["127.0.0.1:8123"], "YOOINI_MEDIA_PUBLIC_URL": "http://127.0.0.1:8123/m/"}
    batch = run_batch(wf, executor="threads", settings=run)
    assert batch.status == "COMPLETED" and batch.settings == run
    assert sorted(seen) == [("a", ["127.0.0.1:8123"]), ("b", ["127.0.0.1:8123"])]
    # The process's own settings never changed.
    assert run_setting(HOSTS) == [] and settings.YOOINI_MEDIA_ALLOWED_HOSTS == []


def test_the_media_code_reads_the_running_batchs_settings(settings, tmp_path):
    settings.YOOINI_MEDIA_ALLOWED_HOSTS = []
    settings.YOOINI_MEDIA_PUBLIC_URL = ""
    settings.YOOINI_MEDIA_ROOT = tmp_path
    run = {HOSTS: ["127.0.0.1:8123"], "YOOINI_MEDIA_PUBLIC_URL": "http://127.0.0.1:8123/m/"}
    with run_settings_applied(run):
        assert fetch_config().allowed_hosts == frozenset({"127.0.0.1:8123"})
        assert storage_get().public_url("images/ab.jpg") == "http://127.0.0.1:8123/m/images/ab.jpg"
    assert fetch_config().allowed_hosts == frozenset()


def test_only_run_scoped_settings_may_be_set_and_a_resume_takes_the_new_ones(make_workflow):
    wf = make_workflow("runcfg2")
    wf.stage(lambda ctx, p: None, name="only")
    with pytest.raises(RunSettingsError, match="YOOINI_CREDENTIALS_KEY"):
        batch_start(wf.name, settings={"YOOINI_CREDENTIALS_KEY": "x"})
    first = batch_start(wf.name, settings={HOSTS: ["127.0.0.1:1"]}).batch
    again = batch_start(wf.name, settings={HOSTS: ["127.0.0.1:2"]})
    assert again.resumed and again.batch.id == first.id
    first.refresh_from_db()
    assert first.settings == {HOSTS: ["127.0.0.1:2"]}
    # Without settings, a resume keeps the batch's.
    batch_start(wf.name)
    first.refresh_from_db()
    assert first.settings == {HOSTS: ["127.0.0.1:2"]}
