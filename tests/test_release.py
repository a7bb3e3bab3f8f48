"""What a release and a public CI host rely on: the workflow parses and
runs the same test command as .ci/run, in a Debian container as root; one
version for both packages."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).parent.parent


def test_the_workflow_runs_the_test_command_in_a_debian_container_as_root():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "test.yml").read_text())
    (job,) = workflow["jobs"].values()
    container = job["container"]
    assert "bookworm" in container["image"]  # Debian 12
    assert "--user root" in container["options"]
    assert job["timeout-minutes"] <= 90
    runs = [step.get("run", "") for step in job["steps"]]
    assert "bash scripts/test.sh" in runs
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_one_version_for_the_npm_package_and_the_wheel():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["version"] == package["version"]
    assert 'source = "nodejs"' in (ROOT / "pyproject.toml").read_text()
