"""The scanners `make test` runs (scripts/devenv.py: run_bandit, run_pip_audit)."""

import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
import devenv


def test_the_app_packages_are_scanned_and_tests_are_not():
    packages = devenv.app_packages()
    assert {"vost", "monitoring", "mapping", "activations"} <= set(packages)
    assert not {"tests", "scripts", "benchmarks", "var"} & set(packages)


def test_bandit_fails_on_a_high_severity_finding(tmp_path, monkeypatch, capsys):
    package = tmp_path / "hostile"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "run.py").write_text(
        "import subprocess\n\n\ndef run(command):\n"
        "    return subprocess.call(command, shell=True)\n"
    )
    monkeypatch.setattr(devenv, "app_packages", lambda: [str(package)])
    assert devenv.run_bandit() == 1
    assert "HIGH B602" in capsys.readouterr().err


def test_bandit_passes_medium_findings_and_counts_them(tmp_path, monkeypatch, capsys):
    package = tmp_path / "medium"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "bind.py").write_text(
        "import socket\n\n\ndef listen():\n"
        "    socket.socket().bind(('0.0.0.0', 8000))\n"
    )
    monkeypatch.setattr(devenv, "app_packages", lambda: [str(package)])
    assert devenv.run_bandit() == 0
    assert "0 high, 1 medium" in capsys.readouterr().err


def test_an_ignored_vulnerability_needs_a_reason(tmp_path, monkeypatch):
    ignore = tmp_path / ".pip-audit-ignore"
    monkeypatch.setattr(devenv, "PIP_AUDIT_IGNORE", ignore)
    ignore.write_text(
        "# comment\nGHSA-aaaa-bbbb-cccc  not reachable: we never call the parser\n"
    )
    assert devenv.pip_audit_ignores() == ["GHSA-aaaa-bbbb-cccc"]
    ignore.write_text("PYSEC-2099-1\n")
    with pytest.raises(devenv.SetupError, match="without a reason"):
        devenv.pip_audit_ignores()
