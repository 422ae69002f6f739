"""Production mode is safe by construction: it refuses to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-secret-key-used-only-by-this-test-0123456789abcdefghijklmnop",
    "ALLOWED_HOSTS": "attendance.council.example",
}


def _manage(*args, **env):
    # The test process allows async-unsafe ORM use for the browser tests; production must not.
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own manage.py, with a fixed argument list
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = _manage("check", **{**PRODUCTION, "SECRET_KEY": ""})

    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_production_mode_refuses_to_start_without_allowed_hosts():
    result = _manage("check", **{**PRODUCTION, "ALLOWED_HOSTS": ""})

    assert result.returncode != 0
    assert "Set ALLOWED_HOSTS" in result.stderr


def test_the_deployment_checklist_passes_in_production_mode():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_mode_requires_two_factor_sign_in_by_default():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.REQUIRE_TWO_FACTOR)",
        **PRODUCTION,
    )

    assert result.stdout.strip().splitlines()[-1] == "True"


def _site_url(**env):
    return _manage(
        "shell", "-c", "from django.conf import settings; print(settings.SITE_URL)", **env
    )


def test_links_in_emails_use_the_first_allowed_host_that_names_one_address():
    result = _site_url(**{**PRODUCTION, "ALLOWED_HOSTS": ".council.example,attendance.example"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "https://attendance.example"


def test_production_mode_refuses_to_start_when_no_allowed_host_gives_the_links_address():
    result = _manage("check", **{**PRODUCTION, "ALLOWED_HOSTS": "*"})

    assert result.returncode != 0
    assert "Set SITE_URL" in result.stderr


def test_a_site_url_set_by_hand_is_used_whatever_the_allowed_hosts():
    result = _site_url(**{**PRODUCTION, "ALLOWED_HOSTS": "*", "SITE_URL": "https://a.example/"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "https://a.example"
