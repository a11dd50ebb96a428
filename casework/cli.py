"""The ``casework`` command (API.md "Set-up from the command line")."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import click
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.db import Database
from config import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from casework.auth.models import User


class Context:
    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._db: Database | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings()
            except SettingsError as exc:
                raise click.ClickException(str(exc)) from None
        return self._settings

    @property
    def db(self) -> Database:
        if self._db is None:
            from casework import build_database
            from casework.practice import PracticeError
            from casework.security.keyring import KeyringError

            try:
                self._db = build_database(self.settings)
            except (PracticeError, KeyringError) as exc:
                raise click.ClickException(str(exc)) from None
        return self._db

    def close(self) -> None:
        """Release the database connections when the command ends."""
        if self._db is not None:
            self._db.engine.dispose()
            self._db = None

    @contextmanager
    def session(self, actor: str = "cli") -> Iterator[Session]:
        """One transaction, committed at the end (audited as the command-line operator)."""
        session = self.db.session()
        trail.bind(session, trail.AuditContext(actor, None, f"cli-{uuid.uuid4().hex[:12]}"))
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()


pass_ctx = click.make_pass_decorator(Context, ensure=True)
P = ParamSpec("P")
R = TypeVar("R")


def _domain_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Show a domain error as a one-line message and exit 1, never a traceback."""
    import functools

    from casework.errors import DomainError

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
            raise click.ClickException(f"{exc.message} {detail}".strip()) from None

    return wrapper


@click.group()
@click.pass_context
def main(click_ctx: click.Context) -> None:
    """Early help casework."""
    ctx = click_ctx.ensure_object(Context)
    click_ctx.call_on_close(ctx.close)


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context) -> None:
    """Create or upgrade the schema to the latest migration."""
    from casework.migrate import upgrade

    with ctx.db.engine.connect() as conn:
        upgrade(connection=conn)
        conn.commit()
    click.echo("Database is at the latest migration.")


@main.group()
def orgs() -> None:
    """Organisations."""


@orgs.command("create")
@click.option("--name", required=True)
@click.option("--kind", required=True, help="local_authority, school, early_years, health, police, housing, voluntary or other")
@pass_ctx
@_domain_errors
def orgs_create(ctx: Context, name: str, kind: str) -> None:
    """Create an organisation; prints its id on the last line."""
    from casework.auth import services as auth

    with ctx.session() as session:
        org = auth.create_organisation(session, name, kind)
        org_id = org.id
    click.echo(org_id)


@main.group()
def users() -> None:
    """Staff accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--org", "org_id", required=True, help="Organisation id")
@click.option("--role", "roles", multiple=True, required=True, help="practitioner, manager, safeguarding_lead, ig_officer or admin")
@click.option("--team", default=None, help="Team name in the organisation (created if needed)")
@pass_ctx
@_domain_errors
def users_create(ctx: Context, email: str, name: str, org_id: str, roles: tuple[str, ...], team: str | None) -> None:
    """Create a user. The password is read from stdin when it is not a terminal."""
    from casework.auth import services as auth

    password = None
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n") or None
    with ctx.session() as session:
        user = auth.create_user(session, email=email, name=name, organisation_id=org_id, roles=list(roles), team=team, password=password)
        user_id = user.id
    if password is None:
        click.echo("No password given: the user must set one by invitation.", err=True)
    click.echo(user_id)


def _user_by_email(session: Session, email: str) -> User:
    from casework.auth import services as auth

    user = auth.user_by_email(session, email)
    if user is None:
        raise click.ClickException("No user has that email address.")
    return user


@users.command("disable")
@click.option("--email", required=True)
@pass_ctx
@_domain_errors
def users_disable(ctx: Context, email: str) -> None:
    """Disable an account: it cannot sign in, its sessions end and its tokens stop working."""
    from casework.auth import services as auth

    with ctx.session() as session:
        auth.set_active(session, _user_by_email(session, email), False)
    click.echo("Disabled; every session of the account has ended.")


@users.command("reset-second-factor")
@click.option("--email", required=True)
@pass_ctx
@_domain_errors
def users_reset_second_factor(ctx: Context, email: str) -> None:
    """For someone who has lost their authenticator app and recovery codes (check who they are
    first): removes their second factor and ends their sessions; they set up a new one at their
    next sign-in when their role needs one."""
    from casework.auth import second_factor

    with ctx.session() as session:
        second_factor.remove(session, _user_by_email(session, email))
    click.echo("The second factor has been removed; every session of the account has ended.")


@main.group()
def tokens() -> None:
    """Personal API tokens."""


@tokens.command("create")
@click.option("--email", required=True)
@click.option("--name", default="Command-line token")
@pass_ctx
@_domain_errors
def tokens_create(ctx: Context, email: str, name: str) -> None:
    """Create an API token for a user; prints it on the last line (it is shown only once)."""
    from casework.auth import services as auth

    with ctx.session() as session:
        _, token = auth.create_token(session, _user_by_email(session, email), name)
    click.echo(token)


@main.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@pass_ctx
def audit_verify(ctx: Context) -> None:
    """Verify the whole trail and its checkpoints. Exit 1 naming the first failing position."""
    from casework.audit.verify import count_events, verify_trail

    directory = ctx.settings.resolved_checkpoint_dir
    with ctx.session() as session:
        total = count_events(session)
        with click.progressbar(length=total, label="Verifying", file=sys.stderr, show_pos=True) as bar:
            result = verify_trail(session, ctx.db.keyring, directory, progress=bar.update)
    if result.failure is None:
        click.echo(f"Audit trail intact: {result.checked} events and {result.checkpoints} checkpoints verified.")
        return
    click.echo(f"Audit trail FAILED at event {result.failure.seq}: {result.failure.reason} ({result.checked} events verified before it).")
    sys.exit(1)


@audit.command("checkpoint")
@pass_ctx
def audit_checkpoint(ctx: Context) -> None:
    """Sign a checkpoint of the trail as it stands now; store it and write it to the directory."""
    from casework.audit.checkpointing import make_checkpoint

    with ctx.session() as session:
        checkpoint = make_checkpoint(session)
    directory = ctx.settings.resolved_checkpoint_dir
    click.echo(f"Checkpoint signed: {checkpoint.size} events, head {checkpoint.head.hex()[:16]}..., written to {directory}.")


@main.group()
def keys() -> None:
    """The keyring."""


@keys.command("rotate")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 100_000), help="Families per transaction")
@pass_ctx
def keys_rotate(ctx: Context, batch: int) -> None:
    """Add new keys and rewrap every family's data key under the new key-encryption key.

    Safe while the app runs: old keys stay in the keyring for reading and verification.
    """
    from casework.security.keyring import KeyringError
    from casework.security.rotation import rotate

    bar = click.progressbar(length=0, label="Rewrapping family keys", file=sys.stderr, show_pos=True)

    def total(n: int) -> None:
        bar.length = n

    try:
        with bar:
            result = rotate(ctx.db, batch=batch, progress=bar.update, on_total=total)
    except KeyringError as exc:
        raise click.ClickException(str(exc)) from None
    skipped = f" ({result.unreadable} already destroyed, left as they are)" if result.unreadable else ""
    click.echo(f"Rotated to {result.kek_id}: {result.rewrapped} family keys rewrapped{skipped}.")


@keys.command("retire")
@click.option("--kek", "kek_id", required=True, help="The retired key-encryption key to destroy")
@pass_ctx
def keys_retire(ctx: Context, kek_id: str) -> None:
    """Destroy a key-encryption key no family uses any more: backups that need it become unreadable."""
    from casework.security.keyring import KeyringError
    from casework.security.rotation import retire_kek

    try:
        retire_kek(ctx.db, kek_id)
    except KeyringError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Destroyed {kek_id}: keep no copy of a keyring that holds it beyond the backup retention period.")


@main.group()
def demo() -> None:
    """Synthetic demonstration data."""


@demo.command("load")
@click.option("--families", default=200, show_default=True, type=click.IntRange(1, 1_000_000))
@pass_ctx
def demo_load(ctx: Context, families: int) -> None:
    """Load realistic synthetic data: organisations, teams, users, families and their cases."""
    from casework.demo import load_demo

    if ctx.settings.is_production:
        raise click.ClickException("Demo data cannot be loaded in production.")
    result = load_demo(ctx.db, ctx.settings.instance_dir, families=families, progress=True)
    click.echo(f"Loaded {result.families} families and {result.cases} cases in {result.seconds:.1f} s.")
    click.echo(f"Sign in as {result.email} with the password in {result.credentials_file}")


@demo.command("ensure")
@pass_ctx
def demo_ensure(ctx: Context) -> None:
    """Load a small demo data set once (used by `make run`), then say how to sign in."""
    from casework.demo import ensure_demo

    if ctx.settings.is_production:
        raise click.ClickException("Demo data cannot be loaded in production.")
    result = ensure_demo(ctx.db, ctx.settings.instance_dir)
    click.echo("")
    click.echo(f"  Demo sign-in: {result.email}")
    click.echo(f"  Password:     {result.password}")
    click.echo(f"  (also in {result.credentials_file})")
    click.echo("  The demo managers, safeguarding lead, IG officer and administrator set up a second factor")
    click.echo("  (an authenticator app) the first time they sign in; the demo practitioner does not need one.")
    click.echo("")


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@pass_ctx
def run(ctx: Context, host: str, port: int) -> None:
    """Serve the app with the development server."""
    from casework import create_app

    app = create_app(ctx.settings, ctx.db)
    click.echo(f"casework is running at http://{host}:{port}/  (Ctrl+C to stop)")
    app.run(host=host, port=port, debug=False, use_reloader=False)


@main.group()
def reminders() -> None:
    """Reminders about plans: actions and reviews due or overdue."""


@reminders.command("send")
@click.option("--on", "on", default=None, type=click.DateTime(formats=["%Y-%m-%d"]), help="The day to remind for (default today)")
@pass_ctx
def reminders_send(ctx: Context, on: object) -> None:
    """Queue today's reminders in the email outbox (at most one per action or review a day)."""
    from datetime import datetime

    from casework.db import today
    from casework.notify.outbox import queue_reminders

    day = on.date() if isinstance(on, datetime) else today()
    with ctx.session() as session:
        result = queue_reminders(session, day, ctx.settings.notify_reminder_template_id)
    click.echo(f"Queued {result.queued} reminder(s); {result.already} already queued for {day.isoformat()}.")


@main.group()
def outbox() -> None:
    """The email outbox."""


@outbox.command("send")
@pass_ctx
def outbox_send(ctx: Context) -> None:
    """Deliver queued email through GOV.UK Notify (needs CASEWORK_NOTIFY_API_KEY)."""
    from casework.notify.client import NotifyClient
    from casework.notify.outbox import deliver

    if not ctx.settings.notify_api_key:
        click.echo("CASEWORK_NOTIFY_API_KEY is not set: messages stay in the outbox.")
        return
    with ctx.session() as session:
        result = deliver(session, NotifyClient(ctx.settings.notify_api_key))
    click.echo(f"Sent {result.sent} message(s); {result.failed} failed.")


@main.group()
def retention() -> None:
    """Retention periods and disposal (docs/data-protection.md)."""


_ON = click.option("--on", "on", default=None, type=click.DateTime(formats=["%Y-%m-%d"]), help="The day to review for (default today)")


def _day(on: object) -> date:
    from casework.db import today

    return on.date() if isinstance(on, datetime) else today()


@retention.command("review")
@_ON
@pass_ctx
def retention_review(ctx: Context, on: object) -> None:
    """List the families past their retention date: ids, dates and status only, no names."""
    from casework.retention.disposal import record_review, review

    day = _day(on)
    with ctx.session() as session:
        states = list(review(session, day))
        record_review(session, states, day)
    for state in states:
        click.echo(f"{state.family_id}  {state.status:<10}  retained until {state.until}  ({state.basis})")
    counts = {status: sum(s.status == status for s in states) for status in ("due", "held", "restricted")}
    click.echo(f"{counts['due']} due for disposal; {counts['held']} kept by a legal hold; {counts['restricted']} kept while restricted.")


@retention.command("dispose")
@_ON
@click.option("--dry-run", is_flag=True, help="Show what would be disposed of, and change nothing")
@pass_ctx
def retention_dispose(ctx: Context, on: object, dry_run: bool) -> None:
    """Dispose of every family due: destroy its data key and delete its rows, one family per
    transaction, each leaving a tombstone event in the audit trail."""
    from casework.errors import Conflict
    from casework.retention.disposal import dispose_family, record_review, review, truncate_wal
    from casework.retention.rules import DUE

    day = _day(on)
    with ctx.session() as session:
        states = list(review(session, day))
        record_review(session, states, day)
    disposed = skipped = 0
    for state in (s for s in states if s.status == DUE):
        try:
            with ctx.session() as session:
                result = dispose_family(session, state.family_id, day, dry_run=dry_run)
                if dry_run:
                    session.rollback()
        except Conflict:
            skipped += 1  # a case opened, or a hold or restriction placed, since the review
            continue
        disposed += 1
        rows = sum(result.counts.values())
        click.echo(f"{'would dispose of' if dry_run else 'disposed of'} {result.family_id}  retained until {result.until}  {rows} row(s)")
    if not dry_run and disposed and not truncate_wal(ctx.db):
        click.echo("The SQLite write-ahead log could not be emptied while another process reads it: run the command again.")
    verb = "would be disposed of" if dry_run else "disposed of"
    click.echo(f"{disposed} famil{'y' if disposed == 1 else 'ies'} {verb}; {skipped} no longer due.")
