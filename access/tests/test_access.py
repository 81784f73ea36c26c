"""Roles, sign-in everywhere, tokens and the ``yooini user`` command."""

from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.test import Client

from access.roles import Role, has_role, role_of, role_parse
from access.services import token_for, user_set

pytestmark = pytest.mark.django_db


def test_roles_rank_viewer_operator_admin(user_as):
    viewer, operator, admin = user_as("viewer"), user_as("operator"), user_as("admin")
    assert [role_of(u) for u in (viewer, operator, admin)] == list(Role)
    assert has_role(operator, Role.VIEWER) and not has_role(operator, Role.ADMIN)
    assert admin.is_staff and admin.is_superuser and not operator.is_staff
    assert role_of(AnonymousUser()) is None
    with pytest.raises(ValueError, match="choose one of viewer, operator, admin"):
        role_parse("owner")


def test_a_user_in_no_group_reads_and_an_inactive_one_nothing(django_user_model):
    plain = django_user_model.objects.create_user("plain", password="x")
    assert role_of(plain) is Role.VIEWER
    plain.is_active = False
    assert role_of(plain) is None


def test_changing_a_role_replaces_the_old_one(user_as):
    user = user_as("admin", "kim")
    user = user_set(username="kim", role=Role.VIEWER)
    assert list(user.groups.values_list("name", flat=True)) == ["viewer"]
    assert not user.is_staff and role_of(user) is Role.VIEWER


def test_pages_need_sign_in_but_health_and_login_do_not(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=/")
    assert client.get("/login/").status_code == 200


def test_signing_in_through_the_form_opens_the_dashboard(user_as):
    user_as("viewer", "lee")
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/login/",
        {"username": "lee", "password": "pw-for-tests", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    refused = Client(enforce_csrf_checks=True).post(
        "/login/", {"username": "lee", "password": "pw-for-tests"}
    )
    assert refused.status_code == 403  # no CSRF token


def test_the_interface_speaks_korean_to_a_korean_browser(client_as):
    page = client_as("viewer").get("/", HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9")
    assert '<html lang="ko">' in page.content.decode()
    assert "로그아웃" in page.content.decode()


def test_the_api_wants_a_token_or_a_session(api_as):
    assert Client().get("/api/schema/").status_code in (401, 403)
    assert api_as("viewer").get("/api/schema/").status_code == 200


def test_the_user_command_sets_a_role_and_prints_a_token(monkeypatch):
    out = StringIO()
    monkeypatch.setenv("NEW_PASSWORD", "s3cret-pass")
    call_command(
        "user",
        "park",
        "--role",
        "operator",
        "--password-env",
        "NEW_PASSWORD",
        "--token",
        stdout=out,
    )
    first_line, token = out.getvalue().splitlines()
    assert first_line == "user park: operator"
    assert "s3cret-pass" not in out.getvalue()
    from django.contrib.auth import authenticate

    user = authenticate(username="park", password="s3cret-pass")
    assert role_of(user) is Role.OPERATOR and _api_status(token) == 200
    rotated = StringIO()
    call_command("user", "park", "--role", "operator", "--rotate-token", stdout=rotated)
    new_token = rotated.getvalue().splitlines()[1]
    assert new_token != token and _api_status(new_token) == 200
    assert _api_status(token) == 401  # rotating revokes the others
    assert authenticate(username="park", password="s3cret-pass") is not None  # password kept
    with pytest.raises(CommandError, match="MISSING_VAR is not set"):
        call_command("user", "park", "--role", "viewer", "--password-env", "MISSING_VAR")


def _api_status(token: str) -> int:
    return Client().get("/api/orchestrator/status", HTTP_AUTHORIZATION=f"Token {token}").status_code


def test_a_weak_password_is_refused_by_djangos_validators(monkeypatch):
    monkeypatch.setenv("WEAK", "12345678")
    with pytest.raises(CommandError, match="the password is refused: .*too common") as refused:
        call_command("user", "kim", "--role", "viewer", "--password-env", "WEAK")
    assert "12345678" not in str(refused.value)


def test_api_tokens_are_stored_as_digests_and_not_shown_in_the_admin(user_as):
    from access.models import ApiToken

    operator = user_as("operator")
    token = token_for(operator)
    stored = ApiToken.objects.get(user=operator)
    assert token not in (stored.digest, stored.prefix) and token.startswith(stored.prefix)
    assert _api_status(token) == 200 and _api_status("0" * 40) == 401
    second = token_for(operator)  # a second token: both work until rotated
    assert _api_status(token) == 200 and _api_status(second) == 200

    admin = Client()
    admin.force_login(user_as("admin"))
    page = admin.get("/admin/access/apitoken/").content.decode()
    assert stored.prefix in page and token not in page and stored.digest not in page
    assert admin.get("/admin/access/apitoken/add/").status_code == 403
    assert admin.get("/admin/authtoken/").status_code == 404  # DRF's clear-text tokens are gone


def test_failed_sign_ins_are_throttled_then_a_right_password_is_refused_too(user_as):
    user = user_as("viewer")
    browser = Client()
    for _ in range(5):
        browser.post("/login/", {"username": user.username, "password": "wrong-password"})
    locked = browser.post("/login/", {"username": user.username, "password": "pw-for-tests"})
    assert locked.status_code == 429
    # Another user from the same address is not locked out by these failures.
    other = user_as("viewer")
    assert (
        Client()
        .post("/login/", {"username": other.username, "password": "pw-for-tests"})["Location"]
        .endswith("/")
    )


def test_security_headers_are_sent(client):
    response = client.get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_api_docs_run_under_the_policy_no_inline_script(user_as):
    import re

    browser = Client()
    browser.force_login(user_as("viewer"))
    page = browser.get("/api/docs/").content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    start = next(
        re.search(r'src="([^"]*script=[^"]*)"', a).group(1) for a, _ in scripts if "script=" in a
    )
    assert browser.get(start.replace("&amp;", "&")).status_code == 200
