"""SARIF output validated against the official SARIF 2.1.0 JSON schema (stored in fixtures/)."""

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from scaffold.check.registry import load_checks
from scaffold.check.runner import run_checks
from scaffold.check.sarif import render_sarif
from tests.check.conftest import FIXTURES

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json").read_text())


@pytest.mark.parametrize("fixture", ["strong-rag", "tutorial-clone", "buzzword-readme"])
def test_sarif_is_valid_and_has_one_located_result_per_failure(fixture: str) -> None:
    checks = load_checks(include_plugins=False)
    run = run_checks(FIXTURES / fixture, checks)
    log = json.loads(render_sarif(run, checks))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    results = log["runs"][0]["results"]
    failures = [f for f in run.findings if f.status.value == "fail"]
    assert len(results) == len(failures)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert not location["artifactLocation"]["uri"].startswith("/")
        assert location["region"]["startLine"] >= 1


def test_schema_rejects_a_broken_log() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate({"version": "2.1.0", "runs": [{"tool": {}}]})


def test_uris_are_relative_to_the_checkout_when_a_subfolder_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(FIXTURES / "tutorial-clone", checkout / "services" / "api")
    checks = load_checks(include_plugins=False)
    run = run_checks((checkout / "services" / "api").resolve(), checks)
    monkeypatch.chdir(tmp_path)  # the Action runs from its own temporary directory
    monkeypatch.setenv("GITHUB_WORKSPACE", str(checkout))
    uris = {
        location["physicalLocation"]["artifactLocation"]["uri"]
        for result in json.loads(render_sarif(run, checks))["runs"][0]["results"]
        for location in result["locations"]
    }
    assert uris and all(uri.startswith("services/api/") for uri in uris), uris
