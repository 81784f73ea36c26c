"""OpenAI, Anthropic and S3 are extras: without their package, using them says which extra to
install, instead of an ImportError traceback."""

from __future__ import annotations

import sys

import pytest

from ai.errors import ProviderConfigError
from ai.providers import provider_from_settings
from media.storage import S3Storage
from yooini.extras import MissingExtra, extra_import


@pytest.fixture
def without(monkeypatch):
    """Make a package unimportable, as when it is not installed."""

    def hide(*names: str) -> None:
        for name in names:
            for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                monkeypatch.delitem(sys.modules, loaded)
            monkeypatch.setitem(sys.modules, name, None)

    return hide


@pytest.mark.parametrize(
    ("provider", "package", "extra"),
    [("openai", "openai", "openai"), ("anthropic", "anthropic", "anthropic")],
)
def test_an_llm_provider_without_its_package_names_the_extra(
    settings, without, provider, package, extra
):
    without(package)
    settings.YOOINI_AI_PROVIDER = provider
    settings.YOOINI_AI_API_KEY = "sk-test-not-used"
    with pytest.raises(ProviderConfigError) as caught:
        provider_from_settings()
    assert str(caught.value).endswith(f"pip install 'yooini[{extra}]'")


def test_s3_storage_without_boto3_names_the_extra(without):
    without("boto3", "botocore")
    with pytest.raises(
        MissingExtra, match=r"S3 image storage needs the boto3 package: pip install 'yooini\[s3\]'"
    ):
        S3Storage(bucket="images", endpoint_url="http://127.0.0.1:9", region="us-east-1")


def test_a_broken_package_shows_its_own_error(without, monkeypatch):
    without("botocore")
    for loaded in [m for m in sys.modules if m == "boto3" or m.startswith("boto3.")]:
        monkeypatch.delitem(sys.modules, loaded)  # imported again, it needs botocore
    with pytest.raises(ModuleNotFoundError, match="botocore"):
        extra_import("boto3", "s3", what="S3 image storage")  # boto3 is there, its dependency not
