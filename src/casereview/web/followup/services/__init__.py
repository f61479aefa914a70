"""Every write to findings, recommendations, action plans and actions.

Each service is one transaction and one journal entry; a move is checked against the state machines of
``casereview.domain.followup`` with who the person is for the object (the inspection's lead, the body's
liaison officer or senior lead, or the daily escalation), and applied by compare-and-set on ``version``: of
two people acting at once on the same version exactly one wins, the other gets ``FollowupChanged`` carrying
the object as it is now.  E-mails go through the outbox and never carry case content.

The services live in four modules: ``findings`` (findings and recommendations), ``judging`` (at a later
inspection), ``plans`` (the body's action plan, its actions, the escalation) and ``_common`` (what they share).
"""

from __future__ import annotations

from casereview.domain.followup import FollowupRefused

from ._common import FollowupChanged, FollowupError, plan_working_days
from .findings import (
    finding_add,
    finding_edit,
    finding_publish,
    finding_withdraw,
    recommendation_add,
    recommendation_edit,
    recommendation_publish,
    recommendation_withdraw,
)
from .judging import recommendation_judge
from .plans import (
    action_complete,
    action_update,
    action_withdraw,
    followup_escalate,
    plan_accept,
    plan_return,
    plan_save,
    plan_submit,
)

__all__ = [
    "FollowupChanged",
    "FollowupError",
    "FollowupRefused",
    "action_complete",
    "action_update",
    "action_withdraw",
    "finding_add",
    "finding_edit",
    "finding_publish",
    "finding_withdraw",
    "followup_escalate",
    "plan_accept",
    "plan_return",
    "plan_save",
    "plan_submit",
    "plan_working_days",
    "recommendation_add",
    "recommendation_edit",
    "recommendation_judge",
    "recommendation_publish",
    "recommendation_withdraw",
]
