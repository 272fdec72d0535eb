"""Production settings: required secrets, Django's deployment checks, security headers, throttled sign-in."""

import re
import secrets
import shlex
import subprocess
import sys

import pytest
from django.test import Client

from .processes import PROJECT, environment, manage_with

PRODUCTION = {"HTTPS": "1", "ALLOWED_HOSTS": "press.example.org"}
# The rest of the README's /etc/pressroom.env, but for the database, which is the suite's (a new one).
PRODUCTION_SERVICE = {
    **PRODUCTION,
    "CSRF_TRUSTED_ORIGINS": "https://press.example.org",
    "PROXY_COUNT": "1",
    "WEB_CONCURRENCY": "4",
}


def unconfigured_environment(tmp_path):
    """A Pressroom on `tmp_path` with none of the settings production must give itself."""
    return {
        k: v
        for k, v in environment(tmp_path).items()
        if k not in ("SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS", "DEBUG")
    }


def settings_process(tmp_path, code="import django; django.setup(); print('started')", **env):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env={**unconfigured_environment(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_debug_a_missing_secret_key_stops_start_up(tmp_path):
    started = settings_process(tmp_path, ALLOWED_HOSTS="press.example.org")
    assert started.returncode != 0
    assert "SECRET_KEY is not set. Set SECRET_KEY, or SECRET_KEY_FILE" in started.stderr


def test_without_debug_missing_allowed_hosts_stop_start_up(tmp_path):
    started = settings_process(tmp_path, SECRET_KEY=secrets.token_urlsafe(50))
    assert started.returncode != 0
    assert "ALLOWED_HOSTS is not set" in started.stderr


def test_an_unreadable_key_file_is_named(tmp_path):
    started = settings_process(
        tmp_path, SECRET_KEY_FILE=str(tmp_path / "missing"), ALLOWED_HOSTS="press.example.org"
    )
    assert started.returncode != 0
    assert (
        f"SECRET_KEY_FILE {tmp_path / 'missing'} cannot be read (No such file or directory)" in started.stderr
    )


def test_the_key_may_come_from_a_file(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(secrets.token_urlsafe(50) + "\n")
    code = "import django; django.setup(); from django.conf import settings; print(len(settings.SECRET_KEY))"
    started = settings_process(
        tmp_path, code, SECRET_KEY_FILE=str(key_file), ALLOWED_HOSTS="press.example.org"
    )
    assert started.stdout.strip() == "67", started.stderr


def test_debug_needs_neither_for_development(tmp_path):
    assert settings_process(tmp_path, DEBUG="1").stdout.strip() == "started"


def test_the_deployment_checks_pass_with_production_settings(tmp_path):
    checked = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env={**environment(tmp_path), **PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(50)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues" in checked.stdout


@pytest.mark.parametrize("path", ["/", "/?q=trade", "/api/search", "/healthz", "/admin/login/"])
def test_every_page_sends_the_security_headers(client, db, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    assert (
        "default-src 'self'" in policy
        and "frame-ancestors 'none'" in policy
        and "'unsafe-inline'" not in policy
    )
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_our_pages_have_no_inline_scripts_or_styles(client, archive):
    import re

    from articles.editing import remove_permanently, withdraw

    article = archive.add("Kenya and Peru", "Talks in Nairobi.")
    withdrawn = archive.add("Peru statement", "Peru made a statement.")
    removed = archive.add("Peru libel", "Peru was libelled.")
    gone = removed.get_absolute_url()
    with archive.committed():
        withdraw(withdrawn, note="Sent in error.")
        remove_permanently(removed, reason="A court order.")
    versions = f"{article.get_absolute_url()}versions/"
    for path in [
        "/",
        "/?q=kenya",
        article.get_absolute_url(),
        versions,
        f"{versions}1/",
        withdrawn.get_absolute_url(),
        gone,
        "/articles/999999/none/",
    ]:
        html = client.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert "<style" not in html and " style=" not in html, path


def test_https_settings_redirect_and_mark_cookies_secure(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS > 0, s.SECURE_PROXY_SSL_HEADER)"
    )
    started = settings_process(tmp_path, code, SECRET_KEY=secrets.token_urlsafe(50), **PRODUCTION)
    assert started.stdout.strip() == "True True True True ('HTTP_X_FORWARDED_PROTO', 'https')", started.stderr


def test_a_host_that_is_not_allowed_gets_400(client, db):
    assert client.get("/", HTTP_HOST="attacker.example").status_code == 400
    assert client.get("/api/search", HTTP_HOST="attacker.example").status_code == 400


def test_the_admin_needs_a_login(client, db):
    for path in [
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/article/upload/",
        "/admin/articles/importbatch/",
    ]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), path


def test_state_changing_requests_need_a_csrf_token(db, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "a long passphrase 1")
    guarded = Client(enforce_csrf_checks=True)
    assert (
        guarded.post("/admin/login/", {"username": "editor", "password": "a long passphrase 1"}).status_code
        == 403
    )
    guarded.force_login(user)
    for path in [
        "/admin/articles/article/add/",
        "/admin/articles/article/upload/",
        "/admin/articles/article/import/",
        "/admin/logout/",
    ]:
        assert guarded.post(path, {}).status_code == 403, path


def test_sign_in_is_throttled_after_repeated_failures(db, django_user_model):
    from axes.models import AccessAttempt

    django_user_model.objects.create_superuser("editor", "editor@example.org", "a long passphrase 1")
    browser = Client()
    for _ in range(4):
        response = browser.post("/admin/login/", {"username": "editor", "password": "wrong"})
        assert response.status_code == 200 and "correct username and password" in response.content.decode()
    assert (
        browser.post("/admin/login/", {"username": "editor", "password": "wrong"}).status_code == 429
    )  # the fifth
    locked = browser.post("/admin/login/", {"username": "editor", "password": "a long passphrase 1"})
    assert locked.status_code == 429
    # Kept in the database, so every worker and process refuses the same address and name.
    assert AccessAttempt.objects.get(username="editor").failures_since_start >= 5
    assert (
        Client().post("/admin/login/", {"username": "editor", "password": "a long passphrase 1"}).status_code
        == 429
    )


def systemd_unit_commands() -> list[list[str]]:
    """The management commands the README's systemd unit runs before gunicorn starts."""
    unit = re.search(r"```ini\n(.*?)```", (PROJECT / "README.md").read_text(encoding="utf-8"), re.S)
    assert unit, "README.md has no systemd unit (an ```ini block)"
    return [
        shlex.split(arguments)
        for arguments in re.findall(r"^ExecStartPre=\S+ manage\.py (.*)$", unit.group(1), re.M)
    ]


def deploy(data_dir, commands, **env):
    """Run `commands` as the unit does: one process each, DEBUG off, production's settings."""
    service = {
        **unconfigured_environment(data_dir),
        **PRODUCTION_SERVICE,
        "SECRET_KEY": secrets.token_urlsafe(50),
        **env,
    }
    said = []
    for command in commands:
        done = manage_with(service, *command, check=False)
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
        said.append(done.stdout)
    count = "from articles.models import Article; print(Article.objects.count())"
    articles = manage_with(service, "shell", "--verbosity", "0", "-c", count, timeout=60)
    return int(articles.stdout.strip()), "".join(said)


def test_the_readme_deployment_leaves_an_empty_archive_empty(tmp_path):
    commands = systemd_unit_commands()
    assert [command[0] for command in commands] == ["migrate", "collectstatic", "prepare_archive"]
    articles, said = deploy(tmp_path / "srv", commands)
    assert articles == 0
    assert "The archive is empty; import releases in the admin (or run with --demo for demo data)." in said


@pytest.mark.parametrize("asked", [{"flag": "--demo"}, {"PRESSROOM_DEMO": "1"}], ids=["flag", "setting"])
def test_a_demo_archive_comes_only_when_asked_for(tmp_path, asked):
    flags = [asked.pop("flag")] if "flag" in asked else []
    articles, said = deploy(
        tmp_path / "srv",
        [["migrate", "--noinput"], ["prepare_archive", *flags]],
        PRESSROOM_DEMO_ARTICLES="7",
        **asked,
    )
    assert articles == 7
    assert "adding 7 demo releases" in said
