"""Words for people: the one place that turns the system's codes into what a reader expects.

Pages, PDFs and spreadsheets show ``words(kind, code)``; the JSON API, the CSV machine file and the
journal keep the codes. UK conventions throughout: "22 October 2026", "1,234", "1 case" / "2 cases".
Every member of every enum named here has its words written out (a unit test says so), so a new code
cannot reach a page as ``snake_case``; an unknown code (an old stored value, a value from a register)
falls back to its words with the underscores taken out, never to an error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from enum import StrEnum

from .followup import STATE_WORDS as FOLLOWUP_WORDS
from .followup import (
    ActionState,
    FindingKind,
    FindingState,
    Judgement,
    PlanState,
    Rag,
    RecommendationState,
)
from .journal import JournalAction
from .plans import STRATUM_SEPARATOR, Allocation
from .referrals import STATE_WORDS, State, Urgency
from .registers import RISK_LEVELS, Category
from .roles import INSPECTION_KIND_WORDS, InspectionKind, Role
from .roles import ROLE_WORDS as _ROLE_WORDS
from .sampling import ALGORITHM
from .sign_in import LockKind
from .tokens import Scope


class Kind(StrEnum):
    CATEGORY = "category"
    STRATUM = "stratum"
    FRAMEWORK = "framework"
    ALGORITHM = "algorithm"
    SCOPE = "scope"
    JOURNAL_ACTION = "journal_action"
    SEND_BACK_STATE = "send_back_state"
    URGENCY = "urgency"
    ROLE = "role"
    ALLOCATION = "allocation"
    REVIEW_STATE = "review_state"
    RISK_LEVEL = "risk_level"
    LOCK_KIND = "lock_kind"
    TASK_STATUS = "task_status"
    TASK_STEP = "task_step"
    STAGE = "stage"
    INSPECTION_KIND = "inspection_kind"
    # Follow-up (issue 24): the tables live in domain/followup.py
    FINDING_KIND = "finding_kind"
    FINDING_STATE = "finding_state"
    RECOMMENDATION_STATE = "recommendation_state"
    JUDGEMENT = "judgement"
    PLAN_STATE = "plan_state"
    ACTION_STATE = "action_state"
    RAG = "rag"


CATEGORY_WORDS: Mapping[str, str] = {
    Category.CHILD_SEXUAL_EXPLOITATION: "Child sexual exploitation",
    Category.CHILD_SEXUAL_ABUSE: "Child sexual abuse",
    Category.MISSING_CHILD: "Missing child",
    Category.DOMESTIC_ABUSE: "Domestic abuse",
    Category.ONLINE_ABUSE: "Online abuse",
    Category.PHYSICAL_ABUSE: "Physical abuse",
    Category.NEGLECT: "Neglect",
    Category.CHILD_CRIMINAL_EXPLOITATION: "Child criminal exploitation",
    Category.HONOUR_BASED_ABUSE_FGM: "Honour-based abuse and FGM",
    Category.CHILDREN_IN_CUSTODY: "Children in custody",
    Category.OTHER: "Other",
}

#: Kept in ``referrals`` (its messages name states too, and it must not import this module): one table.
SEND_BACK_STATE_WORDS: Mapping[str, str] = STATE_WORDS

URGENCY_WORDS: Mapping[str, str] = {
    Urgency.IMMEDIATE: "Immediate (same working day)",
    Urgency.PRIORITY: "Priority (5 working days)",
    Urgency.ROUTINE: "Routine (20 working days)",
}

#: Kept in ``roles`` (``Role.label`` reads it, and that module must not import this one): one table.
ROLE_WORDS: Mapping[str, str] = _ROLE_WORDS

SCOPE_WORDS: Mapping[str, str] = {
    Scope.READ: "Read what you may read",
    Scope.REGISTER_UPLOAD: "Send registers",
    Scope.SEND_BACK_RESPONSE: "Act on send backs",
}

ALLOCATION_WORDS: Mapping[str, str] = {
    Allocation.PROPORTIONAL: "Proportional to stratum size",
    Allocation.EQUAL: "Equal per stratum",
    Allocation.NEYMAN: "Neyman (by size and expected variation)",
    Allocation.FIXED: "Fixed numbers per stratum",
}

REVIEW_STATE_WORDS: Mapping[str, str] = {
    "not_started": "Not started",
    "draft": "Draft",
    "submitted": "Submitted",
}

RISK_LEVEL_WORDS: Mapping[str, str] = {"standard": "Standard", "medium": "Medium", "high": "High"}

LOCK_KIND_WORDS: Mapping[str, str] = {
    LockKind.USERNAME: "User name",
    LockKind.ADDRESS: "Network address",
}

ALGORITHM_WORDS: Mapping[str, str] = {
    ALGORITHM: "Keyed-hash ranking (HMAC-SHA256), version 1",
}

JOURNAL_ACTION_WORDS: Mapping[str, str] = {
    JournalAction.LOGIN: "Signed in",
    JournalAction.LOGOUT: "Signed out",
    JournalAction.LOGIN_FAILED: "Sign-in failed",
    JournalAction.SSO_REFUSED: "Single sign-on refused",
    JournalAction.LOCKED_OUT: "Locked out after failed sign-ins",
    JournalAction.SECOND_FACTOR_PASSED: "Second factor passed",
    JournalAction.SECOND_FACTOR_FAILED: "Second factor failed",
    JournalAction.SECOND_FACTOR_ENROLLED: "Second factor set up",
    JournalAction.SECOND_FACTOR_ENROL_FAILED: "Second factor set-up failed",
    JournalAction.IDENTITY_CONFIRMED: "Identity confirmed",
    JournalAction.ACCESS_DENIED: "Access refused",
    JournalAction.ANSWERS_KEPT: "Unsaved answers kept at sign-out",
    JournalAction.ANSWERS_RESTORED: "Kept answers restored",
    JournalAction.KEPT_ANSWERS_EXPIRED: "Kept answers expired",
    JournalAction.USER_CREATE: "User added",
    JournalAction.USER_DEACTIVATE: "User deactivated",
    JournalAction.USER_REACTIVATE: "User reactivated",
    JournalAction.USER_ROLE_CHANGE: "User's role changed",
    JournalAction.USER_SECOND_FACTOR_RESET: "User's second factor reset",
    JournalAction.USER_UNLOCK: "User unlocked",
    JournalAction.ADDRESS_UNLOCK: "Network address unlocked",
    JournalAction.PASSWORD_CHANGE: "Password changed",
    JournalAction.LANGUAGE_CHOOSE: "Language chosen",
    JournalAction.BODY_ADD: "Body added",
    JournalAction.BODY_CONTACT_ADD: "Body contact added",
    JournalAction.BODY_CONTACT_REMOVE: "Body contact removed",
    JournalAction.API_TOKEN_CREATE: "API token created",
    JournalAction.API_TOKEN_REVOKE: "API token revoked",
    JournalAction.API_REQUEST: "API request",
    JournalAction.REGISTER_IMPORT: "Register imported",
    JournalAction.REGISTER_IMPORT_REFUSED: "Register import refused",
    JournalAction.REGISTER_EXPORT: "Register exported",
    JournalAction.REGISTER_PURGE: "Register purged",
    JournalAction.REGISTER_RETENTION_SET: "Register retention set",
    JournalAction.CASE_LIST: "Case list viewed",
    JournalAction.INSPECTION_CREATE: "Inspection created",
    JournalAction.SEED_COMMIT: "Seed committed",
    JournalAction.SAMPLE_DRAW: "Sample drawn",
    JournalAction.SAMPLE_CASE_OUT_OF_SCOPE: "Sampled case found out of scope",
    JournalAction.SAMPLE_CASE_REPLACEMENT: "Replacement case drawn",
    JournalAction.MANIFEST_DOWNLOAD: "Sample manifest downloaded",
    JournalAction.SAMPLE_EXPORT: "Sample table downloaded",
    JournalAction.LINKS_COMPUTE: "Related cases found",
    JournalAction.CASE_LINKS: "Related cases viewed",
    JournalAction.CONFLICT_DECLARE: "Conflict of interest declared",
    JournalAction.ASSIGNMENTS_BALANCE: "Cases assigned",
    JournalAction.MODERATION_ASSIGN: "Moderation assigned",
    JournalAction.ASSIGNMENT_MOVE: "Case moved to another inspector",
    JournalAction.CASE_CONSULT: "Case consulted",
    JournalAction.REVIEW_SAVE: "Review saved",
    JournalAction.REVIEW_SUBMIT: "Review submitted",
    JournalAction.REVIEW_REOPEN: "Review reopened",
    JournalAction.REVIEW_CONFLICT: "Review edit conflict",
    JournalAction.REVIEW_TAMPERED: "Review tampering refused",
    JournalAction.REVIEWS_IMPORT: "Reviews imported",
    JournalAction.DISAGREEMENT_RESOLVE: "Disagreement resolved",
    JournalAction.SEND_BACK_OPEN: "Send back opened",
    JournalAction.SEND_BACK_ACKNOWLEDGE: "Send back acknowledged",
    JournalAction.SEND_BACK_RESPOND: "Send back answered",
    JournalAction.SEND_BACK_RETURN: "Send back returned to the body",
    JournalAction.SEND_BACK_ACCEPT: "Send back accepted and closed",
    JournalAction.SEND_BACK_ESCALATE: "Send back escalated",
    JournalAction.MAIL_SENT: "E-mail sent",
    JournalAction.MAIL_RETRY: "E-mail retried",
    JournalAction.BASELINE_ADD: "Baseline added",
    JournalAction.REPORT_GENERATE: "Report produced",
    JournalAction.REPORT_PUBLISH: "Report published",
    JournalAction.PUBLICATION_SCHEDULE: "Publication scheduled",
    JournalAction.PUBLICATION_RESCHEDULE: "Scheduled publication changed",
    JournalAction.PUBLICATION_CANCEL: "Scheduled publication cancelled",
    JournalAction.PUBLICATION_RELEASE: "Scheduled publication released",
    JournalAction.PUBLICATION_FAIL: "Scheduled publication not released",
    JournalAction.TREND_GENERATE: "National trend produced",
    JournalAction.FINDING_ADD: "Finding added",
    JournalAction.FINDING_EDIT: "Finding changed",
    JournalAction.FINDING_PUBLISH: "Finding published",
    JournalAction.FINDING_WITHDRAW: "Finding withdrawn",
    JournalAction.RECOMMENDATION_ADD: "Recommendation added",
    JournalAction.RECOMMENDATION_EDIT: "Recommendation changed",
    JournalAction.RECOMMENDATION_PUBLISH: "Recommendation published",
    JournalAction.RECOMMENDATION_WITHDRAW: "Recommendation withdrawn",
    JournalAction.RECOMMENDATION_JUDGE: "Recommendation judged",
    JournalAction.ACTION_PLAN_SAVE: "Action plan saved",
    JournalAction.ACTION_PLAN_SUBMIT: "Action plan submitted",
    JournalAction.ACTION_PLAN_ACCEPT: "Action plan accepted",
    JournalAction.ACTION_PLAN_RETURN: "Action plan returned to the body",
    JournalAction.ACTION_PLAN_ESCALATE: "Action plan overdue and escalated",
    JournalAction.PLAN_ACTION_UPDATE: "Progress update on an action",
    JournalAction.PLAN_ACTION_COMPLETE: "Action marked done",
    JournalAction.PLAN_ACTION_WITHDRAW: "Action withdrawn",
    JournalAction.PLAN_ACTION_ESCALATE: "Action overdue and escalated",
    JournalAction.CALIBRATION_CREATE: "Calibration created",
    JournalAction.CALIBRATION_DRAW: "Calibration sample drawn",
    JournalAction.CALIBRATION_COMPLETE: "Calibration completed",
    JournalAction.CALIBRATION_WITHDRAW: "Calibration withdrawn",
    JournalAction.CALIBRATION_EXPORT: "Calibration figures exported",
    JournalAction.JOURNAL_VIEW: "Journal viewed",
    JournalAction.JOURNAL_EXPORT: "Journal exported",
    JournalAction.JOURNAL_ANCHOR: "Journal anchored",
    JournalAction.JOURNAL_VERIFY: "Journal verified",
}

#: An inspection's task list (domain/tasks.py): each task's status, each step's title, and the stage an
#: inspection is at (the first step not completed, or "published").
STATUS_WORDS: Mapping[str, str] = {
    "cannot_start": "Cannot start yet",
    "not_started": "Not yet started",
    "in_progress": "In progress",
    "completed": "Completed",
}


STEP_TITLES: Mapping[str, str] = {
    "seed": "Commit the seed",
    "register": "Import the register",
    "draw": "Draw the sample",
    "assign": "Assign the cases",
    "review": "Review the cases",
    "moderate": "Moderate",
    "resolve": "Resolve disagreements",
    "send_backs": "Send backs",
    "report": "Check the report",
    "publish": "Publish the report",
}

#: The stage an inspection is at, in words: the first step not completed (or "Published").
STAGE_WORDS: Mapping[str, str] = {
    "seed": "Seed not committed",
    "register": "Waiting for the register",
    "draw": "Ready to draw the sample",
    "assign": "Assigning cases",
    "review": "Reviewing",
    "moderate": "Moderating",
    "resolve": "Resolving disagreements",
    "send_backs": "Send backs to make",
    "report": "Checking the report",
    "publish": "Ready to publish",
    "published": "Published",
}


TABLES: Mapping[Kind, Mapping[str, str]] = {
    Kind.CATEGORY: CATEGORY_WORDS,
    Kind.TASK_STATUS: STATUS_WORDS,
    Kind.TASK_STEP: STEP_TITLES,
    Kind.STAGE: STAGE_WORDS,
    Kind.FINDING_KIND: FOLLOWUP_WORDS[FindingKind],
    Kind.FINDING_STATE: FOLLOWUP_WORDS[FindingState],
    Kind.RECOMMENDATION_STATE: FOLLOWUP_WORDS[RecommendationState],
    Kind.JUDGEMENT: FOLLOWUP_WORDS[Judgement],
    Kind.PLAN_STATE: FOLLOWUP_WORDS[PlanState],
    Kind.ACTION_STATE: FOLLOWUP_WORDS[ActionState],
    Kind.RAG: FOLLOWUP_WORDS[Rag],
    Kind.SEND_BACK_STATE: SEND_BACK_STATE_WORDS,
    Kind.URGENCY: URGENCY_WORDS,
    Kind.ROLE: ROLE_WORDS,
    Kind.SCOPE: SCOPE_WORDS,
    Kind.ALLOCATION: ALLOCATION_WORDS,
    Kind.REVIEW_STATE: REVIEW_STATE_WORDS,
    Kind.RISK_LEVEL: RISK_LEVEL_WORDS,
    Kind.LOCK_KIND: LOCK_KIND_WORDS,
    Kind.ALGORITHM: ALGORITHM_WORDS,
    Kind.JOURNAL_ACTION: JOURNAL_ACTION_WORDS,
    Kind.INSPECTION_KIND: INSPECTION_KIND_WORDS,
}


#: Every code each table must put in words (a unit test holds each table to it, so that no page falls back).
CODES: Mapping[Kind, tuple[str, ...]] = {
    # The task list's enums live in tasks.py (which reads these words); test_tasks.py checks the cover.
    Kind.TASK_STATUS: tuple(STATUS_WORDS),
    Kind.TASK_STEP: tuple(STEP_TITLES),
    Kind.STAGE: tuple(STAGE_WORDS),
    Kind.FINDING_KIND: tuple(FindingKind),
    Kind.FINDING_STATE: tuple(FindingState),
    Kind.RECOMMENDATION_STATE: tuple(RecommendationState),
    Kind.JUDGEMENT: tuple(Judgement),
    Kind.PLAN_STATE: tuple(PlanState),
    Kind.ACTION_STATE: tuple(ActionState),
    Kind.RAG: tuple(Rag),
    Kind.CATEGORY: tuple(Category),
    Kind.SEND_BACK_STATE: tuple(State),
    Kind.URGENCY: tuple(Urgency),
    Kind.ROLE: tuple(Role),
    Kind.SCOPE: tuple(Scope),
    Kind.ALLOCATION: tuple(Allocation),
    Kind.REVIEW_STATE: ("not_started", "draft", "submitted"),
    Kind.RISK_LEVEL: RISK_LEVELS,
    Kind.LOCK_KIND: tuple(LockKind),
    Kind.ALGORITHM: (ALGORITHM,),
    Kind.JOURNAL_ACTION: tuple(JournalAction),
    Kind.INSPECTION_KIND: tuple(InspectionKind),
}


def plain(code: str) -> str:
    """An unknown code's words: underscores out, first letter capital (never an error)."""
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


_FRAMEWORK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(?:/[0-9]+)?")


def framework_words(reference: str) -> str:
    """``child-protection/1`` -> "Child protection framework, version 1"; text not shaped like a framework's
    id (``name`` or ``name/version``) is returned as it is."""
    if not _FRAMEWORK_ID.fullmatch(reference):
        return reference
    name, _, version = reference.partition("/")
    words = plain(name.replace("-", " "))
    return f"{words} framework, version {version}" if version else f"{words} framework"


def stratum_words(label: str) -> str:
    """A stratum label ("missing_child / North") with each category code in words."""
    if not label:
        return "All cases"
    parts = label.split(STRATUM_SEPARATOR)
    return STRATUM_SEPARATOR.join(CATEGORY_WORDS.get(p, p) if p else "(blank)" for p in parts)


def words(kind: Kind | str, code: object) -> str:
    """The words a person reads for ``code`` of this kind."""
    if code is None:
        return ""
    text = str(code)
    kind = Kind(kind)
    if kind is Kind.FRAMEWORK:
        return framework_words(text)
    if kind is Kind.STRATUM:
        return stratum_words(text)
    return TABLES[kind].get(text, plain(text))


def number(value: int | float) -> str:
    """A count with thousands separators: 1234 -> "1,234"."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,}"
    return f"{int(value):,}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """ "1 case", "2 cases", "1,234 cases"; never "case(s)"."""
    return f"{number(n)} {singular if n == 1 else (plural or singular + 's')}"


def percentage_points(share: float, places: int = 1) -> str:
    """A difference or a margin given as a share, in points: 0.125 -> "12.5 percentage points"."""
    points = round(100 * share, places)
    text = f"{points:,.{places}f}".rstrip("0").rstrip(".") if places else f"{points:,.0f}"
    return f"{text} percentage point{'' if text in ('1', '-1') else 's'}"


def uk_date(day: dt.date | dt.datetime | str | None) -> str:
    """ "22 October 2026" (a datetime is taken as already in UK local time).

    A JSON document's ISO date ("2026-10-22", or a timestamp, whose date is taken) is read too; text that
    is not a date is returned as it is (never an error on a page).
    """
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        try:
            parsed = dt.date.fromisoformat(day[:10])
        except ValueError:
            return day
        return f"{parsed.day} {parsed:%B %Y}"
    return f"{day.day} {day:%B %Y}"
