"""`make lint`'s dependency audit: a real finding fails, unreachable vulnerability data does not."""

from __future__ import annotations

import json
import subprocess  # nosec B404
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "audit-dependencies"


def _run(tmp_path: Path, stdout: str, stderr: str = "", code: int = 0) -> subprocess.CompletedProcess[str]:
    """Run the audit script against a stand-in pip-audit that answers ``stdout``/``stderr``."""
    stub = tmp_path / "pip-audit"
    stub.write_text(
        f"#!{sys.executable}\nimport sys\nsys.stdout.write({stdout!r})\nsys.stderr.write({stderr!r})\nsys.exit({code})\n",
        encoding="utf-8",
    )
    stub.chmod(0o755)
    return subprocess.run([sys.executable, str(SCRIPT), str(stub)], capture_output=True, text=True, check=False)  # nosec B603


def _report(*deps: dict[str, object]) -> str:
    return json.dumps({"dependencies": list(deps), "fixes": []})


def test_audit_dependencies_fails_on_a_known_vulnerability(tmp_path: Path) -> None:
    vuln = {"id": "PYSEC-2099-1", "fix_versions": ["9.9.9"], "aliases": [], "description": "bad"}
    report = _report({"name": "flask", "version": "3.1.3", "vulns": [vuln]}, {"name": "click", "version": "8", "vulns": []})
    result = _run(tmp_path, report, code=1)
    assert result.returncode == 1
    assert "flask 3.1.3: PYSEC-2099-1 (fixed in: 9.9.9)" in result.stdout


def test_audit_dependencies_passes_a_clean_audit(tmp_path: Path) -> None:
    result = _run(tmp_path, _report({"name": "flask", "version": "3.1.3", "vulns": []}))
    assert result.returncode == 0
    assert "1 pinned packages audited, no known vulnerabilities" in result.stdout


def test_audit_dependencies_carries_on_when_every_package_was_skipped(tmp_path: Path) -> None:
    skipped = {"name": "flask", "version": "3.1.3", "skip_reason": "Dependency not found on PyPI"}
    result = _run(tmp_path, _report(skipped, {**skipped, "name": "click"}))
    assert result.returncode == 0
    assert "cannot be reached (2 packages skipped)" in result.stdout


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        ("requests.exceptions.ConnectionError: Max retries exceeded\n", 0),
        ("Traceback: KeyError: 'oops'\n", 2),
    ],
)
def test_audit_dependencies_tells_an_unreachable_service_from_a_broken_run(tmp_path: Path, stderr: str, expected: int) -> None:
    result = _run(tmp_path, "", stderr, code=1)
    assert result.returncode == expected
