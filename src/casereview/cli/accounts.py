"""People: create users, change their roles and second factors, lift locks, name body contacts, API tokens."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from casereview.domain.words import count
from casereview.web.accounts.services import (
    address_unlock,
    user_create,
    user_deactivate,
    user_reactivate,
    user_role_change,
    user_second_factor_reset,
    user_unlock,
)
from casereview.web.api.selectors import token_by_id, tokens_listed
from casereview.web.api.services import token_create, token_revoke
from casereview.web.core.users import user_by_username
from casereview.web.referrals.services import body_contact_add
from casereview.web.registers.selectors import body_by_code

from .shared import (
    EXIT_REJECTED,
    by_id_or_reject,
    err,
    found_or_reject,
    out,
    print_json,
    print_rows,
)


def createuser(
    username: str,
    role: Annotated[
        str,
        typer.Option(
            help="administrator, lead_inspector, inspector, liaison_officer, analyst or body_auditor"
        ),
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
    email: Annotated[str, typer.Option(help="E-mail address")] = "",
) -> None:
    """Create a user with one role."""
    if not password_stdin:
        err.print("Give the password on standard input with --password-stdin")
        raise typer.Exit(EXIT_REJECTED)
    password = sys.stdin.readline().rstrip("\r\n")
    user_create(username=username, role=role, password=password, email=email)
    out.print(f"Created {username} ({role})")


def body_contact(
    body: Annotated[str, typer.Option(help="Code of the body")],
    user: Annotated[str, typer.Option(help="Username")],
    kind: Annotated[
        str,
        typer.Option(
            help="liaison, senior_lead or auditor (one of the body's own auditors: holds the "
            "body_auditor role)"
        ),
    ],
) -> None:
    """Make a user the body's liaison officer (answers send backs), senior lead (told of escalations) or one
    of its own auditors (leads and grades the body's own audits)."""
    found = body_by_code(body)
    person = user_by_username(user)
    if found is None or person is None:
        err.print("[red]Unknown body or user[/red]")
        raise typer.Exit(EXIT_REJECTED)
    body_contact_add(body=found, user=person, kind=kind)
    out.print(f"{user} is now {kind} for {found.code}")


def deactivate(username: str) -> None:
    """Deactivate a user and end all their sessions."""
    ended = user_deactivate(username=username)
    out.print(f"Deactivated {username}; {count(ended, 'session')} ended")


def unlock(username: str) -> None:
    """Lift every sign-in lock that blocks a username, including the address locks its failures helped make."""
    cleared, addresses = user_unlock(username=username)
    out.print(
        f"Unlocked {username} ({count(cleared, 'failed attempt record')} cleared)"
        + (f"; address(es) unlocked too: {', '.join(addresses)}" if addresses else "")
    )


def unlock_address(address: str) -> None:
    """Lift a sign-in lock-out on an IP address (clears the failed sign-ins recorded from it)."""
    cleared = address_unlock(address=address)
    out.print(f"Unlocked {address} ({count(cleared, 'failed attempt record')} cleared)")


def reactivate(username: str) -> None:
    """Let a deactivated user sign in again."""
    user_reactivate(username=username)
    out.print(f"{username} can sign in again")


def role(
    username: str,
    role: str,
    body: Annotated[
        str, typer.Option(help="For a liaison officer: the code of the body they work for")
    ] = "",
) -> None:
    """Give a user another role (a liaison officer with their body)."""
    user_role_change(username=username, role=role, body_code=body)
    out.print(f"{username} is now {role}" + (f" for {body}" if body else ""))


def reset_second_factor(username: str) -> None:
    """Remove a user's authenticator and recovery codes and end their sessions; they enrol again at next sign-in."""
    ended = user_second_factor_reset(username=username)
    out.print(
        f"{username}'s second factor is reset; {count(ended, 'session')} ended; they set it up again at next sign-in"
    )


def token_create_command(
    user: Annotated[str, typer.Option(help="Whose token: it reaches only what this user may")],
    name: Annotated[str, typer.Option(help="What will use it, e.g. 'MPS case system'")],
    scope: Annotated[
        list[str],
        typer.Option(help="read, register_upload or send_back_response; repeat for several"),
    ],
    days: Annotated[int, typer.Option(help="Days until it expires (1 to 366)")] = 90,
    rate: Annotated[
        int | None, typer.Option(help="Requests a minute (default CASEREVIEW_API_RATE_PER_MINUTE)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Make a personal access token for the API; it is printed once and stored only as a hash."""
    found = found_or_reject(user_by_username(user), f"[red]No user {user!r}[/red]")
    issued = token_create(user=found, name=name, scopes=scope, days=days, rate_per_minute=rate)
    token = issued.token
    if as_json:
        print_json(
            {
                "token_id": token.pk,
                "token": issued.secret,
                "user": user,
                "scopes": token.scopes,
                "expires_at": token.expires_at.isoformat(),
                "rate_per_minute": token.rate_per_minute,
            }
        )
        return
    out.print(
        f"Token {token.pk} for {user} ({', '.join(token.scopes)}), expires {token.expires_at:%d/%m/%Y}."
    )
    out.print("Copy it now; it is not shown again:")
    sys.stdout.write(issued.secret + "\n")


def token_list(
    user: Annotated[str | None, typer.Option(help="Only this user's tokens")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """API tokens (never their secrets): owner, scopes, expiry, last use, revoked."""
    rows: list[dict[str, Any]] = [
        {
            "token_id": t.pk,
            "user": t.user.get_username(),
            "name": t.name,
            "key_id": t.key_id,
            "scopes": t.scopes,
            "expires_at": t.expires_at.isoformat(),
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        }
        for t in tokens_listed(user)
    ]
    print_rows(
        rows,
        [
            ("id", lambda r: str(r["token_id"])),
            ("user", lambda r: str(r["user"])),
            ("name", lambda r: str(r["name"])),
            ("scopes", lambda r: ", ".join(r["scopes"])),
            ("expires", lambda r: str(r["expires_at"])[:10]),
            ("last used", lambda r: str(r["last_used_at"] or "never")[:16]),
            ("revoked", lambda r: str(r["revoked_at"] or "")[:10]),
        ],
        as_json=as_json,
    )


def token_revoke_command(token_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Revoke a token at once; a revoked token is refused from its next request."""
    found = by_id_or_reject(token_by_id, token_id, "token")
    token_revoke(token=found)
    out.print(f"Token {token_id} of {found.user.get_username()} is revoked")
