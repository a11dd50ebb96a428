"""The `casework` command of API.md, against a database of its own."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from casework.cli import main
from tests.conftest import TEST_PASSWORD


@pytest.fixture()
def cli(fresh_database_url, settings, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CASEWORK_ENV", "testing")
    monkeypatch.setenv("CASEWORK_AUDIT_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    monkeypatch.setenv("CASEWORK_DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("CASEWORK_INSTANCE_DIR", str(settings.instance_dir))
    monkeypatch.setenv("CASEWORK_KEYRING", str(settings.keyring_path))
    runner = CliRunner()

    def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    assert run("db", "upgrade").exit_code == 0
    return run


def test_cli_orgs_users_tokens_and_verify(cli):
    org = cli("orgs", "create", "--name", "Northshire Council", "--kind", "local_authority")
    assert org.exit_code == 0
    org_id = org.output.strip().splitlines()[-1]
    user = cli(
        "users",
        "create",
        "--email",
        "lead@example.org",
        "--name",
        "Lee Ader",
        "--org",
        org_id,
        "--role",
        "practitioner",
        "--role",
        "manager",
        "--team",
        "North",
        input=TEST_PASSWORD + "\n",
    )
    assert user.exit_code == 0, user.output
    token = cli("tokens", "create", "--email", "lead@example.org")
    assert token.exit_code == 0
    assert token.output.strip().splitlines()[-1].startswith("cw_")
    verify = cli("audit", "verify")
    assert verify.exit_code == 0
    assert "intact" in verify.output


def test_cli_refuses_bad_input_with_a_message(cli):
    bad_kind = cli("orgs", "create", "--name", "X", "--kind", "church")
    assert bad_kind.exit_code == 1
    assert "Kind must be one of" in bad_kind.output
    org_id = cli("orgs", "create", "--name", "Y", "--kind", "school").output.strip().splitlines()[-1]
    bad_role = cli(
        "users", "create", "--email", "a@example.org", "--name", "A", "--org", org_id, "--role", "wizard", input="a-fine-long-passphrase\n"
    )
    assert bad_role.exit_code == 1 and "Roles must be" in bad_role.output
    weak = cli("users", "create", "--email", "b@example.org", "--name", "B", "--org", org_id, "--role", "practitioner", input="password\n")
    assert weak.exit_code == 1 and "Password" in weak.output
    unknown = cli("tokens", "create", "--email", "nobody@example.org")
    assert unknown.exit_code == 1


def test_cli_audit_verify_names_the_first_tampered_event(cli, fresh_database_url):
    from sqlalchemy import create_engine, text

    cli("orgs", "create", "--name", "Z", "--kind", "school")
    cli("orgs", "create", "--name", "W", "--kind", "school")
    engine = create_engine(fresh_database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET action = 'organisation.delete' WHERE seq = 2"))
    engine.dispose()
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "event 2" in result.output


def test_cli_production_refuses_to_start_without_secrets(monkeypatch):
    monkeypatch.setenv("CASEWORK_ENV", "production")
    monkeypatch.delenv("CASEWORK_SECRET_KEY", raising=False)
    monkeypatch.delenv("CASEWORK_KEYRING", raising=False)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "CASEWORK_SECRET_KEY" in result.output and "CASEWORK_KEYRING" in result.output


def test_cli_invalid_practice_file_stops_with_the_problem(monkeypatch, tmp_path, fresh_database_url):
    bad = tmp_path / "practice.toml"
    bad.write_text('name = "Broken"\n[[levels]]\nnumber = 1\nname = "Only"\n')
    monkeypatch.setenv("CASEWORK_ENV", "testing")
    monkeypatch.setenv("CASEWORK_DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("CASEWORK_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("CASEWORK_PRACTICE_FILE", str(bad))
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "practice framework is invalid" in result.output


def test_cli_reminders_send_is_idempotent_and_outbox_waits_for_a_notify_key(cli, monkeypatch):
    monkeypatch.delenv("CASEWORK_NOTIFY_API_KEY", raising=False)
    first = cli("reminders", "send", "--on", "2026-11-23")
    assert first.exit_code == 0 and "Queued 0 reminder(s); 0 already queued for 2026-11-23" in first.output
    assert cli("reminders", "send", "--on", "2026-11-23").exit_code == 0
    waiting = cli("outbox", "send")
    assert waiting.exit_code == 0 and "CASEWORK_NOTIFY_API_KEY is not set" in waiting.output


def test_cli_audit_checkpoint_then_truncation_is_found(cli, fresh_database_url, settings):
    from sqlalchemy import create_engine, text

    for name in ("A", "B", "C"):
        cli("orgs", "create", "--name", name, "--kind", "school")
    made = cli("audit", "checkpoint")
    assert made.exit_code == 0 and "Checkpoint signed: 3 events" in made.output
    assert cli("audit", "verify").exit_code == 0
    engine = create_engine(fresh_database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 3"))
        conn.execute(text("DELETE FROM audit_checkpoint"))
    engine.dispose()
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "event 3" in result.output and "truncated" in result.output


def test_cli_keys_rotate_rewraps_and_keeps_the_trail_verifiable(cli, fresh_database_url, monkeypatch, tmp_path):
    import json

    from casework.security.keyring import Keyring

    keyring = tmp_path / "keyring.json"
    Keyring.generate().save(keyring)
    monkeypatch.setenv("CASEWORK_KEYRING", str(keyring))
    cli("orgs", "create", "--name", "A", "--kind", "school")
    result = cli("keys", "rotate", "--batch", "2")
    assert result.exit_code == 0, result.output
    assert "Rotated to kek2: 0 family keys rewrapped." in result.output
    data = json.loads(keyring.read_text())
    assert set(data["kek"]["keys"]) == {"kek1", "kek2"} and data["mac"]["current"] == "mac2"
    assert set(data["signing"]["keys"]) == {"sig1", "sig2"}
    assert cli("audit", "verify").exit_code == 0


def test_cli_users_disable_and_reset_second_factor(cli, fresh_database_url, settings):
    from sqlalchemy import select

    from casework import build_database
    from casework.audit import trail
    from casework.auth import services as auth
    from casework.auth.models import RecoveryCode, User, UserSession
    from tests.conftest import World

    org_id = cli("orgs", "create", "--name", "Council", "--kind", "local_authority").output.strip().splitlines()[-1]
    for email in ("ig@example.org", "gone@example.org"):
        created = cli(
            "users", "create", "--email", email, "--name", "Ike Gee", "--org", org_id, "--role", "ig_officer", input=TEST_PASSWORD + "\n"
        )
        assert created.exit_code == 0, created.output
    db = build_database(settings.with_overrides(database_url=fresh_database_url))
    try:
        with db.session() as session:
            trail.bind(session, trail.AuditContext("test", None, "test"))
            for email in ("ig@example.org", "gone@example.org"):
                user = auth.user_by_email(session, email)
                World(session).enrol(user)
                auth.start_session(session, user, second_factor=True)
            session.commit()
        assert cli("users", "reset-second-factor", "--email", "ig@example.org").exit_code == 0
        assert cli("users", "disable", "--email", "gone@example.org").exit_code == 0
        assert cli("users", "disable", "--email", "nobody@example.org").exit_code != 0
        with db.session() as session:
            ig = session.scalar(select(User).where(User.email == "ig@example.org"))
            gone = session.scalar(select(User).where(User.email == "gone@example.org"))
            assert ig is not None and gone is not None
            assert not ig.second_factor_enrolled and ig.totp_secret_enc is None
            assert session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == ig.id)).all() == []
            assert not gone.active and gone.second_factor_enrolled
            ended = session.scalars(select(UserSession.ended_at).where(UserSession.user_id.in_([ig.id, gone.id]))).all()
            assert len(ended) == 2 and None not in ended
    finally:
        db.engine.dispose()
    assert cli("audit", "verify").exit_code == 0
