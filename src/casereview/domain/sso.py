"""Single sign-on: which casereview role a person gets from their identity provider's claims.

The organisation's identity provider (e.g. Microsoft Entra ID) says who the person is and which of its
groups they belong to; the mapping file (TOML, documented in docs/deployment.md) says which group gives
which casereview role, and for a liaison officer or a body's own auditor, which body.  casereview gives
each person exactly one role: a person whose groups map to no role, or to more than one role (or body),
is refused, never given the "first" one, since which one comes first is an accident of the token.

Whether the provider's sign-in counts as casereview's second factor is the mapping's word too: the
token's ``amr`` values (RFC 8176, e.g. ``mfa``) or its ``acr`` value.

Pure: the caller reads the file and checks the token; this module only reads what they hold.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from casereview.domain.errors import Refused
from casereview.domain.language import gettext_noop
from casereview.domain.roles import ROLES, Role

#: Roles that serve one inspected body (the body's code is required for them, refused for the others).
BODY_ROLES: frozenset[str] = frozenset({Role.LIAISON_OFFICER, Role.BODY_AUDITOR})

DEFAULT_CLAIMS: dict[str, str] = {
    "username_claim": "preferred_username",
    "name_claim": "name",
    "email_claim": "email",
    "groups_claim": "groups",
}
DEFAULT_AMR: tuple[str, ...] = ("mfa",)
#: Seconds the provider's discovery document and keys are kept before they are fetched again, unless the
#: setting CASEREVIEW_OIDC_METADATA_SECONDS says otherwise: a key the provider withdraws (a compromised one)
#: stops being trusted within this time, not at the next restart.
METADATA_MAX_AGE_SECONDS = 3600.0
#: At least this many seconds between two fetches of the keys for a token whose key (``kid``) casereview
#: does not hold: a provider's new key is picked up at once, but made-up ``kid`` values cannot make
#: casereview ask the provider at every request.
KEYS_REFETCH_INTERVAL_SECONDS = 60.0

#: Django's username rule (letters, digits and @ . + - _, at most 150), in ASCII only: a provider's name
#: in other scripts could be a lookalike of a local one ("аdmin" with a Cyrillic "а"), so it is refused.
_USERNAME = re.compile(r"^[\w.@+-]{1,150}$", re.ASCII)
#: The longest ``sub`` OIDC Core allows (255 ASCII characters), which is what ProviderIdentity holds.
SUBJECT_MAX = 255
#: ID-token signature algorithms casereview accepts, whatever the provider lists: asymmetric ones only
#: (never ``none``, never an HMAC keyed with something the provider publishes or shares).
ACCEPTED_ALGORITHMS: tuple[str, ...] = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
)
#: Longest group id, body code and claim value quoted back in a problem (a hostile file is quoted short).
_QUOTED = 60


class MappingError(Refused):
    """A mapping file that cannot be used; ``problems`` lists every one found (the message joins them)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("The single sign-on mapping file cannot be used: " + "; ".join(problems))


class RefusalReason(StrEnum):
    """Why a single sign-on was refused: the code journaled (``sso_refused``, ``detail["reason"]``)."""

    STATE = "state"  # no sign-in of this browser is waiting for this answer (missing, mismatched, replayed)
    TOKEN = "token"  # noqa: S105 (a reason code) -- the ID token failed a check: signature, iss, aud, exp, nonce
    PROVIDER_ERROR = (
        "provider_error"  # the provider answered with an error (e.g. a code used twice)
    )
    UNMAPPED = "unmapped"
    SEVERAL_ROLES = "several_roles"
    NO_USERNAME = "no_username"
    USERNAME_TAKEN = "username_taken"
    UNKNOWN_BODY = "unknown_body"
    INACTIVE = "inactive"
    LOCKED = "locked"
    CONFIGURATION = "configuration"  # the mapping file no longer parses or is gone (logged for the administrator)
    # Confirming it's you at the provider (a signed-in person signing in there again):
    OTHER_PERSON = "other_person"  # the provider signed in someone else than the casereview user
    NOT_FRESH = (
        "not_fresh"  # the provider's auth_time is older than the request: it did not ask again
    )
    # No second factor from the provider, and casereview's own authenticator cannot stand in for it:
    MFA_REQUIRED = "mfa_required"
    # The provider's discovery document or keys could not be fetched (down, slow, or answering nonsense):
    PROVIDER_UNREACHABLE = "provider_unreachable"


#: Each reason in plain words, and what the person can do about it (the refusal page shows both).
REFUSAL_WORDS: dict[str, tuple[str, str]] = {
    RefusalReason.STATE: (
        gettext_noop(
            "This sign-in had already been used, had expired, or was not started from this browser."
        ),
        gettext_noop("Start again from the sign-in page."),
    ),
    RefusalReason.TOKEN: (
        gettext_noop(
            "The answer from your organisation's sign-in service did not pass casereview's checks."
        ),
        gettext_noop(
            "Start again from the sign-in page. If it happens again, tell your administrator."
        ),
    ),
    RefusalReason.PROVIDER_ERROR: (
        gettext_noop("Your organisation's sign-in service did not sign you in."),
        gettext_noop(
            "Start again from the sign-in page. If it happens again, tell your administrator."
        ),
    ),
    RefusalReason.UNMAPPED: (
        gettext_noop(
            "Your organisation's account is not in any group that gives access to casereview."
        ),
        gettext_noop("Ask your administrator to add you to the group for your role."),
    ),
    RefusalReason.SEVERAL_ROLES: (
        gettext_noop(
            "Your organisation's account is in groups that give more than one casereview role; "
            "casereview gives each person one role."
        ),
        gettext_noop("Ask your administrator to leave you in the group for one role only."),
    ),
    RefusalReason.NO_USERNAME: (
        gettext_noop(
            "Your organisation's sign-in service did not send a username casereview can use."
        ),
        gettext_noop("Tell your administrator."),
    ),
    RefusalReason.USERNAME_TAKEN: (
        gettext_noop(
            "A casereview account with your username already exists and is not linked to your "
            "organisation's account."
        ),
        gettext_noop(
            "Sign in with that account's password, or ask your administrator to link or rename it."
        ),
    ),
    RefusalReason.UNKNOWN_BODY: (
        gettext_noop(
            "Your group gives a role for an inspected body that casereview does not know."
        ),
        gettext_noop(
            "Tell your administrator: the single sign-on mapping names a body that is not set up."
        ),
    ),
    RefusalReason.INACTIVE: (
        gettext_noop("Your casereview account is deactivated."),
        gettext_noop("Ask your administrator to reactivate it."),
    ),
    RefusalReason.LOCKED: (
        gettext_noop("Sign-in is locked after too many attempts that did not work."),
        gettext_noop("Wait 30 minutes and try again, or ask your administrator to unlock it."),
    ),
    RefusalReason.CONFIGURATION: (
        gettext_noop("casereview's single sign-on is not set up correctly at the moment."),
        gettext_noop("Contact your casereview administrator: the details are in casereview's log."),
    ),
    RefusalReason.OTHER_PERSON: (
        gettext_noop(
            "Your organisation's sign-in service signed in a different person from the one signed in to "
            "casereview."
        ),
        gettext_noop(
            "Sign in at your organisation as yourself. If someone else is signed in on this computer, "
            "sign out of casereview first."
        ),
    ),
    RefusalReason.NOT_FRESH: (
        gettext_noop("Your organisation's sign-in service did not ask you to sign in again."),
        gettext_noop("Try again. If it happens again, tell your administrator."),
    ),
    RefusalReason.MFA_REQUIRED: (
        gettext_noop(
            "Your organisation's sign-in did not ask you for your second factor (such as a code or an "
            "app's prompt) this time, and you have no casereview authenticator app set up."
        ),
        gettext_noop(
            "Your organisation's sign-in must ask for the second factor, or an administrator must set you "
            "up: they reset your second factor, and you then set up casereview's authenticator app."
        ),
    ),
    RefusalReason.PROVIDER_UNREACHABLE: (
        gettext_noop("casereview cannot reach your organisation's sign-in service at the moment."),
        gettext_noop("Try again in a minute. If it goes on, tell your administrator."),
    ),
}


class SecondFactorStep(StrEnum):
    """What a single sign-on without an error does about the second factor."""

    PROVIDER = "provider"  # the provider's MFA counts: signed in and verified
    VERIFY = "verify"  # casereview's authenticator app asks for its code
    ENROL = "enrol"  # the person sets up casereview's authenticator app first
    REFUSE = "refuse"  # mfa_required


def second_factor_step(
    *, provider_mfa: bool, has_authenticator: bool, provider_vouched_before: bool
) -> SecondFactorStep:
    """The second factor of a single sign-on.

    Setting up an authenticator needs only the first factor, so it is open only to someone who has never
    had a second factor: a person whose earlier sign-ins carried the provider's MFA
    (``provider_vouched_before``) and who has no casereview authenticator would otherwise let whoever
    holds just their provider password enrol an authenticator of their own and take the account.  An
    administrator's reset of their second factor forgets the provider's word too, and opens enrolment once
    again; a person created by this very sign-in has nothing before it, so enrols as a new local account
    does.
    """
    if provider_mfa:
        return SecondFactorStep.PROVIDER
    if has_authenticator:
        return SecondFactorStep.VERIFY
    if provider_vouched_before:
        return SecondFactorStep.REFUSE
    return SecondFactorStep.ENROL


def usable_algorithms(advertised: Any) -> list[str]:
    """The ID-token algorithms to accept: those the provider lists (OIDC Discovery's
    ``id_token_signing_alg_values_supported``) that casereview accepts, in casereview's order; when the
    provider lists none, every one casereview accepts (never the library's default, which has HMAC)."""
    if not isinstance(advertised, list | tuple):
        return list(ACCEPTED_ALGORITHMS)
    listed = {a for a in advertised if isinstance(a, str)}
    return [a for a in ACCEPTED_ALGORITHMS if a in listed]


def metadata_expired(*, loaded_at: Any, now: float, max_age: float) -> bool:
    """Whether the discovery document and keys loaded at ``loaded_at`` (seconds, as ``now``; None when not
    loaded) must be fetched again.  A load time in the future (the clock went back) counts as expired."""
    if not isinstance(loaded_at, int | float):
        return True
    return not 0 <= now - loaded_at < max_age


def keys_refetch_allowed(*, last_refetch: float | None, now: float) -> bool:
    """Whether the keys may be fetched again for a token with an unknown ``kid``: not within
    ``KEYS_REFETCH_INTERVAL_SECONDS`` of the last such fetch (``None``: there was none)."""
    return last_refetch is None or not 0 <= now - last_refetch < KEYS_REFETCH_INTERVAL_SECONDS


def subject_usable(subject: Any) -> bool:
    """A ``sub`` that can be an identity: a non-empty string of at most 255 characters (OIDC Core 2)."""
    return isinstance(subject, str) and 0 < len(subject) <= SUBJECT_MAX


@dataclass(frozen=True)
class GroupRule:
    """One ``[[group]]`` of the mapping: members of ``group_id`` get ``role`` (with ``body_code``)."""

    group_id: str
    role: str
    body_code: str | None


@dataclass(frozen=True)
class SsoMapping:
    username_claim: str
    name_claim: str
    email_claim: str
    groups_claim: str
    mfa_amr: frozenset[str]
    mfa_acr: frozenset[str]
    groups: tuple[GroupRule, ...]
    #: The provider's e-mail is kept even without ``email_verified: true`` (Entra ID, whose ``email`` is
    #: set by the tenant's administrators and which sends no ``email_verified``).
    trust_email: bool = False

    def rule_for(self, group_id: str) -> GroupRule | None:
        return next((r for r in self.groups if r.group_id == group_id), None)


@dataclass(frozen=True)
class SsoGrant:
    """What the provider's claims give: who the person is, their one role, and whether MFA was asserted."""

    username: str
    name: str
    email: str
    role: str
    body_code: str | None
    provider_mfa: bool


@dataclass(frozen=True)
class SsoRefusal:
    """Why the claims give no role: ``reason`` (a ``RefusalReason``), ``words`` for the person, and the
    group ids that matched a rule (for the journal: never other claims)."""

    reason: str
    words: str
    groups: tuple[str, ...] = ()


def refusal(reason: str, groups: tuple[str, ...] = ()) -> SsoRefusal:
    return SsoRefusal(reason=reason, words=REFUSAL_WORDS[reason][0], groups=groups)


def _quoted(value: Any) -> str:
    return repr(str(value)[:_QUOTED])


def _strings(value: Any, where: str, problems: list[str]) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.append(f"{where} must be a list of non-empty strings")
        return frozenset()
    return frozenset(value)


def _group(index: int, entry: Any, problems: list[str]) -> GroupRule | None:
    where = f"[[group]] number {index}"
    if not isinstance(entry, dict):
        problems.append(f"{where} must be a table with id and role")
        return None
    before = len(problems)
    for key in sorted(set(entry) - {"id", "role", "body"}):
        problems.append(f"{where} has an unknown key {_quoted(key)} (keys are id, role, body)")
    group_id, role, body = entry.get("id"), entry.get("role"), entry.get("body")
    if not isinstance(group_id, str) or not group_id.strip():
        problems.append(f"{where} needs an id: the group's id as the provider sends it")
    if role not in ROLES:
        problems.append(
            f"{where} has role {_quoted(role)}, which is not a casereview role ({', '.join(ROLES)})"
        )
    elif role in BODY_ROLES and (not isinstance(body, str) or not body.strip()):
        problems.append(f'{where} gives role {role}, which needs the body\'s code (body = "...")')
    elif role not in BODY_ROLES and body is not None:
        problems.append(f"{where} gives role {role}, which serves no one body: remove its body")
    if len(problems) > before:
        return None
    return GroupRule(
        group_id=str(group_id).strip(),
        role=str(role),
        body_code=body.strip() if isinstance(body, str) else None,
    )


def parse_mapping(text: str) -> SsoMapping:
    """The mapping file's text as a mapping; ``MappingError`` lists every problem at once."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError([f"it is not valid TOML ({exc})"]) from exc
    problems: list[str] = []
    known = {*DEFAULT_CLAIMS, "trust_email", "second_factor", "group"}
    for key in sorted(set(data) - known):
        problems.append(f"unknown key {_quoted(key)} (keys are {', '.join(sorted(known))})")
    claims: dict[str, str] = {}
    for key, default in DEFAULT_CLAIMS.items():
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{key} must be the name of a claim")
        claims[key] = str(value).strip()
    trust_email = data.get("trust_email", False)
    if not isinstance(trust_email, bool):
        problems.append("trust_email must be true or false")
    second = data.get("second_factor", {})
    amr: frozenset[str] = frozenset(DEFAULT_AMR)
    acr: frozenset[str] = frozenset()
    if not isinstance(second, dict):
        problems.append("[second_factor] must be a table with amr and acr")
    else:
        for key in sorted(set(second) - {"amr", "acr"}):
            problems.append(
                f"[second_factor] has an unknown key {_quoted(key)} (keys are amr, acr)"
            )
        if "amr" in second:
            amr = _strings(second["amr"], "[second_factor] amr", problems)
        if "acr" in second:
            acr = _strings(second["acr"], "[second_factor] acr", problems)
    entries = data.get("group", [])
    if not isinstance(entries, list):
        problems.append("group must be written as [[group]] tables")
        entries = []
    if not entries:
        problems.append("there is no [[group]]: nobody could be given a role")
    rules: list[GroupRule] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        rule = _group(index, entry, problems)
        if rule is None:
            continue
        if rule.group_id in seen:
            problems.append(f"group {_quoted(rule.group_id)} is mapped more than once")
            continue
        seen.add(rule.group_id)
        rules.append(rule)
    if problems:
        raise MappingError(problems)
    return SsoMapping(
        username_claim=claims["username_claim"],
        name_claim=claims["name_claim"],
        email_claim=claims["email_claim"],
        groups_claim=claims["groups_claim"],
        mfa_amr=amr,
        mfa_acr=acr,
        groups=tuple(rules),
        trust_email=trust_email is True,
    )


def _as_strings(value: Any) -> list[str]:
    """A claim that should be a list of strings, as one (a lone string is a list of one; others are dropped)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def provider_mfa(mapping: SsoMapping, claims: Mapping[str, Any]) -> bool:
    """Whether the token says the person passed multi-factor authentication, as the mapping reads it."""
    amr = set(_as_strings(claims.get("amr")))
    acr = claims.get("acr")
    return bool(amr & mapping.mfa_amr) or (isinstance(acr, str) and acr in mapping.mfa_acr)


def email_kept(mapping: SsoMapping, claims: Mapping[str, Any]) -> str:
    """The e-mail address to keep: only one the provider says it verified (``email_verified`` exactly
    true), or any when the mapping trusts the provider's e-mail (``trust_email``).  casereview sends
    notifications there: an address a person typed in at the provider unverified could be a colleague's,
    who would then receive their notifications."""
    if claims.get("email_verified") is not True and not mapping.trust_email:
        return ""
    return _text(claims.get(mapping.email_claim), 254)


def resolve(mapping: SsoMapping, claims: Mapping[str, Any]) -> SsoGrant | SsoRefusal:
    """The one role (and body) the claims' groups give, or why there is none."""
    matched = [
        rule
        for group in dict.fromkeys(_as_strings(claims.get(mapping.groups_claim)))
        if (rule := mapping.rule_for(group)) is not None
    ]
    ids = tuple(sorted(rule.group_id for rule in matched))
    grants = {(rule.role, rule.body_code) for rule in matched}
    if not grants:
        return refusal(RefusalReason.UNMAPPED)
    if len(grants) > 1:
        return refusal(RefusalReason.SEVERAL_ROLES, ids)
    username = claims.get(mapping.username_claim)
    if not isinstance(username, str) or not _USERNAME.fullmatch(username.strip()):
        return refusal(RefusalReason.NO_USERNAME, ids)
    ((role, body_code),) = grants
    return SsoGrant(
        username=username.strip(),
        name=_text(claims.get(mapping.name_claim), 150),
        email=email_kept(mapping, claims),
        role=role,
        body_code=body_code,
        provider_mfa=provider_mfa(mapping, claims),
    )
