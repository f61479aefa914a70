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
from collections.abc import Callable, Mapping
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
from .language import ENGLISH, WELSH, gettext_noop, welsh_plural_form
from .plans import STRATUM_SEPARATOR, Allocation
from .referrals import STATE_WORDS, State, Urgency
from .registers import RISK_LEVELS, Category
from .roles import INSPECTION_KIND_WORDS, InspectionKind, Role
from .roles import ROLE_WORDS as _ROLE_WORDS
from .sampling import ALGORITHM, MONTHS_IN_ENGLISH
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
    # A report's comparisons (domain.statistics): codes in the JSON, words where a page or file shows them.
    DIRECTION = "direction"
    TEST = "test"


CATEGORY_WORDS: Mapping[str, str] = {
    Category.CHILD_SEXUAL_EXPLOITATION: gettext_noop("Child sexual exploitation"),
    Category.CHILD_SEXUAL_ABUSE: gettext_noop("Child sexual abuse"),
    Category.MISSING_CHILD: gettext_noop("Missing child"),
    Category.DOMESTIC_ABUSE: gettext_noop("Domestic abuse"),
    Category.ONLINE_ABUSE: gettext_noop("Online abuse"),
    Category.PHYSICAL_ABUSE: gettext_noop("Physical abuse"),
    Category.NEGLECT: gettext_noop("Neglect"),
    Category.CHILD_CRIMINAL_EXPLOITATION: gettext_noop("Child criminal exploitation"),
    Category.HONOUR_BASED_ABUSE_FGM: gettext_noop("Honour-based abuse and FGM"),
    Category.CHILDREN_IN_CUSTODY: gettext_noop("Children in custody"),
    Category.OTHER: gettext_noop("Other"),
}

#: Kept in ``referrals`` (its messages name states too, and it must not import this module): one table.
SEND_BACK_STATE_WORDS: Mapping[str, str] = STATE_WORDS

URGENCY_WORDS: Mapping[str, str] = {
    Urgency.IMMEDIATE: gettext_noop("Immediate (same working day)"),
    Urgency.PRIORITY: gettext_noop("Priority (5 working days)"),
    Urgency.ROUTINE: gettext_noop("Routine (20 working days)"),
}

#: Kept in ``roles`` (``Role.label`` reads it, and that module must not import this one): one table.
ROLE_WORDS: Mapping[str, str] = _ROLE_WORDS

SCOPE_WORDS: Mapping[str, str] = {
    Scope.READ: gettext_noop("Read what you may read"),
    Scope.REGISTER_UPLOAD: gettext_noop("Send registers"),
    Scope.SEND_BACK_RESPONSE: gettext_noop("Act on send backs"),
}

ALLOCATION_WORDS: Mapping[str, str] = {
    Allocation.PROPORTIONAL: gettext_noop("Proportional to stratum size"),
    Allocation.EQUAL: gettext_noop("Equal per stratum"),
    Allocation.NEYMAN: gettext_noop("Neyman (by size and expected variation)"),
    Allocation.FIXED: gettext_noop("Fixed numbers per stratum"),
}

REVIEW_STATE_WORDS: Mapping[str, str] = {
    "not_started": gettext_noop("Not started"),
    "draft": gettext_noop("Draft"),
    "submitted": gettext_noop("Submitted"),
}

RISK_LEVEL_WORDS: Mapping[str, str] = {
    "standard": gettext_noop("Standard"),
    "medium": gettext_noop("Medium"),
    "high": gettext_noop("High"),
}

LOCK_KIND_WORDS: Mapping[str, str] = {
    LockKind.USERNAME: gettext_noop("User name"),
    LockKind.ADDRESS: gettext_noop("Network address"),
}

ALGORITHM_WORDS: Mapping[str, str] = {
    ALGORITHM: gettext_noop("Keyed-hash ranking (HMAC-SHA256), version 1"),
}

JOURNAL_ACTION_WORDS: Mapping[str, str] = {
    JournalAction.LOGIN: gettext_noop("Signed in"),
    JournalAction.LOGOUT: gettext_noop("Signed out"),
    JournalAction.LOGIN_FAILED: gettext_noop("Sign-in failed"),
    JournalAction.SSO_REFUSED: gettext_noop("Single sign-on refused"),
    JournalAction.LOCKED_OUT: gettext_noop("Locked out after failed sign-ins"),
    JournalAction.SECOND_FACTOR_PASSED: gettext_noop("Second factor passed"),
    JournalAction.SECOND_FACTOR_FAILED: gettext_noop("Second factor failed"),
    JournalAction.SECOND_FACTOR_ENROLLED: gettext_noop("Second factor set up"),
    JournalAction.SECOND_FACTOR_ENROL_FAILED: gettext_noop("Second factor set-up failed"),
    JournalAction.IDENTITY_CONFIRMED: gettext_noop("Identity confirmed"),
    JournalAction.ACCESS_DENIED: gettext_noop("Access refused"),
    JournalAction.ANSWERS_KEPT: gettext_noop("Unsaved answers kept at sign-out"),
    JournalAction.ANSWERS_RESTORED: gettext_noop("Kept answers restored"),
    JournalAction.KEPT_ANSWERS_EXPIRED: gettext_noop("Kept answers expired"),
    JournalAction.USER_CREATE: gettext_noop("User added"),
    JournalAction.USER_DEACTIVATE: gettext_noop("User deactivated"),
    JournalAction.USER_REACTIVATE: gettext_noop("User reactivated"),
    JournalAction.USER_ROLE_CHANGE: gettext_noop("User's role changed"),
    JournalAction.USER_SECOND_FACTOR_RESET: gettext_noop("User's second factor reset"),
    JournalAction.USER_UNLOCK: gettext_noop("User unlocked"),
    JournalAction.ADDRESS_UNLOCK: gettext_noop("Network address unlocked"),
    JournalAction.PASSWORD_CHANGE: gettext_noop("Password changed"),
    JournalAction.LANGUAGE_CHOOSE: gettext_noop("Language chosen"),
    JournalAction.BODY_ADD: gettext_noop("Body added"),
    JournalAction.BODY_CONTACT_ADD: gettext_noop("Body contact added"),
    JournalAction.BODY_CONTACT_REMOVE: gettext_noop("Body contact removed"),
    JournalAction.API_TOKEN_CREATE: gettext_noop("API token created"),
    JournalAction.API_TOKEN_REVOKE: gettext_noop("API token revoked"),
    JournalAction.API_REQUEST: gettext_noop("API request"),
    JournalAction.REGISTER_IMPORT: gettext_noop("Register imported"),
    JournalAction.REGISTER_IMPORT_REFUSED: gettext_noop("Register import refused"),
    JournalAction.REGISTER_EXPORT: gettext_noop("Register exported"),
    JournalAction.REGISTER_PURGE: gettext_noop("Register purged"),
    JournalAction.REGISTER_RETENTION_SET: gettext_noop("Register retention set"),
    JournalAction.CASE_LIST: gettext_noop("Case list viewed"),
    JournalAction.INSPECTION_CREATE: gettext_noop("Inspection created"),
    JournalAction.SEED_COMMIT: gettext_noop("Seed committed"),
    JournalAction.SAMPLE_DRAW: gettext_noop("Sample drawn"),
    JournalAction.SAMPLE_CASE_OUT_OF_SCOPE: gettext_noop("Sampled case found out of scope"),
    JournalAction.SAMPLE_CASE_REPLACEMENT: gettext_noop("Replacement case drawn"),
    JournalAction.MANIFEST_DOWNLOAD: gettext_noop("Sample manifest downloaded"),
    JournalAction.SAMPLE_EXPORT: gettext_noop("Sample table downloaded"),
    JournalAction.LINKS_COMPUTE: gettext_noop("Related cases found"),
    JournalAction.CASE_LINKS: gettext_noop("Related cases viewed"),
    JournalAction.CONFLICT_DECLARE: gettext_noop("Conflict of interest declared"),
    JournalAction.ASSIGNMENTS_BALANCE: gettext_noop("Cases assigned"),
    JournalAction.MODERATION_ASSIGN: gettext_noop("Moderation assigned"),
    JournalAction.ASSIGNMENT_MOVE: gettext_noop("Case moved to another inspector"),
    JournalAction.CASE_CONSULT: gettext_noop("Case consulted"),
    JournalAction.REVIEW_SAVE: gettext_noop("Review saved"),
    JournalAction.REVIEW_SUBMIT: gettext_noop("Review submitted"),
    JournalAction.REVIEW_REOPEN: gettext_noop("Review reopened"),
    JournalAction.REVIEW_CONFLICT: gettext_noop("Review edit conflict"),
    JournalAction.REVIEW_TAMPERED: gettext_noop("Review tampering refused"),
    JournalAction.REVIEWS_IMPORT: gettext_noop("Reviews imported"),
    JournalAction.DISAGREEMENT_RESOLVE: gettext_noop("Disagreement resolved"),
    JournalAction.SEND_BACK_OPEN: gettext_noop("Send back opened"),
    JournalAction.SEND_BACK_ACKNOWLEDGE: gettext_noop("Send back acknowledged"),
    JournalAction.SEND_BACK_RESPOND: gettext_noop("Send back answered"),
    JournalAction.SEND_BACK_RETURN: gettext_noop("Send back returned to the body"),
    JournalAction.SEND_BACK_ACCEPT: gettext_noop("Send back accepted and closed"),
    JournalAction.SEND_BACK_ESCALATE: gettext_noop("Send back escalated"),
    JournalAction.MAIL_SENT: gettext_noop("E-mail sent"),
    JournalAction.MAIL_RETRY: gettext_noop("E-mail retried"),
    JournalAction.BASELINE_ADD: gettext_noop("Baseline added"),
    JournalAction.REPORT_GENERATE: gettext_noop("Report produced"),
    JournalAction.REPORT_PUBLISH: gettext_noop("Report published"),
    JournalAction.PUBLICATION_SCHEDULE: gettext_noop("Publication scheduled"),
    JournalAction.PUBLICATION_RESCHEDULE: gettext_noop("Scheduled publication changed"),
    JournalAction.PUBLICATION_CANCEL: gettext_noop("Scheduled publication cancelled"),
    JournalAction.PUBLICATION_RELEASE: gettext_noop("Scheduled publication released"),
    JournalAction.PUBLICATION_FAIL: gettext_noop("Scheduled publication not released"),
    JournalAction.TREND_GENERATE: gettext_noop("National trend produced"),
    JournalAction.FINDING_ADD: gettext_noop("Finding added"),
    JournalAction.FINDING_EDIT: gettext_noop("Finding changed"),
    JournalAction.FINDING_PUBLISH: gettext_noop("Finding published"),
    JournalAction.FINDING_WITHDRAW: gettext_noop("Finding withdrawn"),
    JournalAction.RECOMMENDATION_ADD: gettext_noop("Recommendation added"),
    JournalAction.RECOMMENDATION_EDIT: gettext_noop("Recommendation changed"),
    JournalAction.RECOMMENDATION_PUBLISH: gettext_noop("Recommendation published"),
    JournalAction.RECOMMENDATION_WITHDRAW: gettext_noop("Recommendation withdrawn"),
    JournalAction.RECOMMENDATION_JUDGE: gettext_noop("Recommendation judged"),
    JournalAction.ACTION_PLAN_SAVE: gettext_noop("Action plan saved"),
    JournalAction.ACTION_PLAN_SUBMIT: gettext_noop("Action plan submitted"),
    JournalAction.ACTION_PLAN_ACCEPT: gettext_noop("Action plan accepted"),
    JournalAction.ACTION_PLAN_RETURN: gettext_noop("Action plan returned to the body"),
    JournalAction.ACTION_PLAN_ESCALATE: gettext_noop("Action plan overdue and escalated"),
    JournalAction.PLAN_ACTION_UPDATE: gettext_noop("Progress update on an action"),
    JournalAction.PLAN_ACTION_COMPLETE: gettext_noop("Action marked done"),
    JournalAction.PLAN_ACTION_WITHDRAW: gettext_noop("Action withdrawn"),
    JournalAction.PLAN_ACTION_ESCALATE: gettext_noop("Action overdue and escalated"),
    JournalAction.CALIBRATION_CREATE: gettext_noop("Calibration created"),
    JournalAction.CALIBRATION_DRAW: gettext_noop("Calibration sample drawn"),
    JournalAction.CALIBRATION_COMPLETE: gettext_noop("Calibration completed"),
    JournalAction.CALIBRATION_WITHDRAW: gettext_noop("Calibration withdrawn"),
    JournalAction.CALIBRATION_EXPORT: gettext_noop("Calibration figures exported"),
    JournalAction.JOURNAL_VIEW: gettext_noop("Journal viewed"),
    JournalAction.JOURNAL_EXPORT: gettext_noop("Journal exported"),
    JournalAction.JOURNAL_ANCHOR: gettext_noop("Journal anchored"),
    JournalAction.JOURNAL_VERIFY: gettext_noop("Journal verified"),
}

#: An inspection's task list (domain/tasks.py): each task's status, each step's title, and the stage an
#: inspection is at (the first step not completed, or "published").
STATUS_WORDS: Mapping[str, str] = {
    "cannot_start": gettext_noop("Cannot start yet"),
    "not_started": gettext_noop("Not yet started"),
    "in_progress": gettext_noop("In progress"),
    "completed": gettext_noop("Completed"),
}


STEP_TITLES: Mapping[str, str] = {
    "seed": gettext_noop("Commit the seed"),
    "register": gettext_noop("Import the register"),
    "draw": gettext_noop("Draw the sample"),
    "assign": gettext_noop("Assign the cases"),
    "review": gettext_noop("Review the cases"),
    "moderate": gettext_noop("Moderate"),
    "resolve": gettext_noop("Resolve disagreements"),
    "send_backs": gettext_noop("Send backs"),
    "report": gettext_noop("Check the report"),
    "publish": gettext_noop("Publish the report"),
}

#: The stage an inspection is at, in words: the first step not completed (or "Published").
STAGE_WORDS: Mapping[str, str] = {
    "seed": gettext_noop("Seed not committed"),
    "register": gettext_noop("Waiting for the register"),
    "draw": gettext_noop("Ready to draw the sample"),
    "assign": gettext_noop("Assigning cases"),
    "review": gettext_noop("Reviewing"),
    "moderate": gettext_noop("Moderating"),
    "resolve": gettext_noop("Resolving disagreements"),
    "send_backs": gettext_noop("Send backs to make"),
    "report": gettext_noop("Checking the report"),
    "publish": gettext_noop("Ready to publish"),
    "published": gettext_noop("Published"),
}

#: A comparison's direction and test as the report's JSON has them (``domain.statistics``: its values, kept
#: literal here so that every page need not import the statistics; a unit test holds the two together).
DIRECTION_WORDS: Mapping[str, str] = {
    "worse": gettext_noop("worse"),
    "better": gettext_noop("better"),
    "no significant change": gettext_noop("no significant change"),
}
TEST_WORDS: Mapping[str, str] = {
    "two-proportion z-test": gettext_noop("two-proportion z-test"),
    "Fisher's exact test": gettext_noop("Fisher's exact test"),
    "Wald test on the difference of design-weighted shares": gettext_noop(
        "Wald test on the difference of design-weighted shares"
    ),
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
    Kind.DIRECTION: DIRECTION_WORDS,
    Kind.TEST: TEST_WORDS,
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
    Kind.DIRECTION: tuple(DIRECTION_WORDS),
    Kind.TEST: tuple(TEST_WORDS),
}


#: How a caller turns marked English into the page's language: the web edge passes Django's ``gettext``;
#: everything else (PDFs, spreadsheets, the CLI, the domain's own messages) keeps the English.
Translate = Callable[[str], str]


def _as_it_is(text: str) -> str:
    return text


def plain(code: str) -> str:
    """An unknown code's words: underscores out, first letter capital (never an error)."""
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


_FRAMEWORK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(?:/[0-9]+)?")


def framework_words(reference: str, translate: Translate = _as_it_is) -> str:
    """``child-protection/1`` -> "Child protection framework, version 1"; text not shaped like a framework's
    id (``name`` or ``name/version``) is returned as it is.  The name is read from the id (data, untranslated);
    the words around it are translated."""
    if not _FRAMEWORK_ID.fullmatch(reference):
        return reference
    name, _, version = reference.partition("/")
    words = plain(name.replace("-", " "))
    if version:
        frame = translate(gettext_noop("%(name)s framework, version %(version)s"))
        return frame % {"name": words, "version": version}
    return translate(gettext_noop("%(name)s framework")) % {"name": words}


def stratum_words(label: str, translate: Translate = _as_it_is) -> str:
    """A stratum label ("missing_child / North") with each category code in words."""
    if not label:
        return translate(gettext_noop("All cases"))
    parts = label.split(STRATUM_SEPARATOR)
    blank = translate(gettext_noop("(blank)"))
    return STRATUM_SEPARATOR.join(
        (translate(CATEGORY_WORDS[p]) if p in CATEGORY_WORDS else p) if p else blank for p in parts
    )


def words(kind: Kind | str, code: object, translate: Translate = _as_it_is) -> str:
    """The words a person reads for ``code`` of this kind, through ``translate`` (Django's ``gettext`` on a
    page); an unknown code's fallback words are never translated (they are no catalogue's)."""
    if code is None:
        return ""
    text = str(code)
    kind = Kind(kind)
    if kind is Kind.FRAMEWORK:
        return framework_words(text, translate)
    if kind is Kind.STRATUM:
        return stratum_words(text, translate)
    found = TABLES[kind].get(text)
    return plain(text) if found is None else translate(found)


def number(value: int | float) -> str:
    """A count with thousands separators: 1234 -> "1,234"."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,}"
    return f"{int(value):,}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """ "1 case", "2 cases", "1,234 cases"; never "case(s)"."""
    return f"{number(n)} {singular if n == 1 else (plural or singular + 's')}"


#: "percentage point(s)" in Welsh after a numeral, by the numeral's Welsh plural form (0, 1, 2, 3, 6, other):
#: Welsh takes the singular noun after a number, soft-mutated after 2 ("2 bwynt") and aspirate-mutated after
#: 3 and 6 ("3 phwynt", "6 phwynt"), as the spoken numeral does (the catalogue's "2 gofnod", "3 chofnod").
WELSH_POINTS: tuple[str, ...] = (
    "pwynt canran",
    "pwynt canran",
    "bwynt canran",
    "phwynt canran",
    "phwynt canran",
    "pwynt canran",
)


def percentage_points(share: float, places: int = 1, language: str = ENGLISH) -> str:
    """A difference or a margin given as a share, in points: 0.125 -> "12.5 percentage points" ("12.5 pwynt
    canran" in Welsh)."""
    points = round(100 * share, places)
    text = f"{points:,.{places}f}".rstrip("0").rstrip(".") if places else f"{points:,.0f}"
    if language == WELSH:
        digits = text.lstrip("-").replace(",", "")
        form = welsh_plural_form(int(digits)) if digits.isdigit() else 5  # a fraction: no mutation
        return f"{text} {WELSH_POINTS[form]}"
    return f"{text} percentage point{'' if text in ('1', '-1') else 's'}"


#: The months' names, January first, in each language casereview speaks (the dates' one table; written out so
#: that a date never depends on the process's locale).
MONTHS: Mapping[str, tuple[str, ...]] = {
    ENGLISH: MONTHS_IN_ENGLISH,
    WELSH: (
        "Ionawr",
        "Chwefror",
        "Mawrth",
        "Ebrill",
        "Mai",
        "Mehefin",
        "Gorffennaf",
        "Awst",
        "Medi",
        "Hydref",
        "Tachwedd",
        "Rhagfyr",
    ),
}


def uk_date(day: dt.date | dt.datetime | str | None, language: str = ENGLISH) -> str:
    """ "22 October 2026", "22 Hydref 2026" in Welsh (a datetime is taken as already in UK local time).

    A JSON document's ISO date ("2026-10-22", or a timestamp, whose date is taken) is read too; text that
    is not a date is returned as it is (never an error on a page).  A language casereview does not speak
    reads as English.
    """
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        try:
            date: dt.date = dt.date.fromisoformat(day[:10])
        except ValueError:
            return day
    else:
        date = day
    months = MONTHS.get(language, MONTHS[ENGLISH])
    return f"{date.day} {months[date.month - 1]} {date.year}"
