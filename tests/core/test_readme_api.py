"""README "Try the API": its three blocks (setup, SDK, curl) run against a live server, so what a
newcomer copies keeps working. The blocks are taken from the README itself; only the base URL
http://127.0.0.1:8000 is replaced by the live server's."""

import importlib.metadata
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from core.models import ApiSecret
from settlements.models import Transfer

ROOT = Path(__file__).resolve().parents[2]
README_URL = "http://127.0.0.1:8000"


def _blocks() -> list[tuple[str, str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Try the API") :]
    section = section[: section.index("\n## ", 5)]
    return re.findall(r"```(\w+)\n(.*?)```", section, re.S)


def test_the_section_has_a_setup_an_sdk_and_a_curl_block():
    assert [language for language, _ in _blocks()] == ["bash", "python", "bash"]
    setup = _blocks()[0][1]
    version = importlib.metadata.version("portone-server-sdk")
    assert f"pip install portone-server-sdk=={version}" in setup
    assert f"portone-server-sdk=={version}" in (ROOT / "requirements-dev.txt").read_text()


def _secret_from_setup(setup: str) -> str:
    """Runs the setup's `manage.py create_api_secret …` in-process (the test database) and keeps
    the last line of its output, as `| tail -n 1` does."""
    command = re.search(r"manage\.py (create_api_secret [^|)]*)", setup).group(1)
    out = io.StringIO()
    call_command(*shlex.split(command), stdout=out)
    return out.getvalue().strip().splitlines()[-1]


@pytest.mark.django_db(transaction=True)
def test_the_readme_blocks_run_against_a_live_server(live_server, tmp_path):
    setup, sdk, curl = (code for _language, code in _blocks())
    secret = _secret_from_setup(setup)
    assert ApiSecret.objects.filter(name="first try").count() == 1
    env = {**os.environ, "PORTONE_SECRET": secret}

    script = sdk.replace(README_URL, live_server.url)
    assert script != sdk
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    created, listed, missing = done.stdout.strip().splitlines()
    assert created.endswith(" IN_PROCESS 50000")
    assert listed == "1 ['김강사']"
    assert missing.startswith("not found: ")
    transfer = Transfer.objects.get(is_for_test=True)
    assert (transfer.amount_settlement, transfer.partner.name) == (50_000, "김강사")

    if not shutil.which("curl"):
        pytest.skip("curl is not installed: the README's curl block was not run")
    commands = curl.replace(README_URL, live_server.url)
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", commands],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.strip().splitlines()]
    listing, manual, not_found, unauthorized = answers
    assert [p["name"] for p in listing["items"]] == ["김강사"]
    assert listing["page"]["totalCount"] == 1
    assert manual["transfer"]["settlementAmount"] == 12_000
    assert manual["transfer"]["partner"]["name"] == "김강사"
    assert not_found["type"] == "PLATFORM_PARTNER_NOT_FOUND"
    assert unauthorized["type"] == "UNAUTHORIZED"
    assert sorted(
        Transfer.objects.filter(is_for_test=True).values_list("amount_settlement", flat=True)
    ) == [12_000, 50_000]
