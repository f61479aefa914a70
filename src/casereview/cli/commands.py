"""The command tree: every command and group of `casereview`, in the order `casereview --help` lists them.

The commands themselves live in one module per job (ops, accounts, registers, inspections, reviews, send
backs, reports, journal, notifications, demo); this module only names them and groups them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import typer

from casereview.domain.errors import Refused

from . import (
    accounts,
    calibration,
    demo,
    inspections,
    journal,
    notify,
    ops,
    recommendations,
    registers,
    release,
    reports,
    reviews,
    send_backs,
)
from .shared import refused_on

app = typer.Typer(
    help="casereview: inspect how child-protection cases were handled.", no_args_is_help=True
)
body_app = typer.Typer(help="Inspected bodies.", no_args_is_help=True)
journal_app = typer.Typer(help="The tamper-evident journal.", no_args_is_help=True)
user_app = typer.Typer(
    help="Users: roles, second factors, deactivate, reactivate, unlock.", no_args_is_help=True
)
inspection_app = typer.Typer(help="Inspections.", no_args_is_help=True)
seed_app = typer.Typer(help="Seed commitments.", no_args_is_help=True)
sample_app = typer.Typer(help="Samples: draw, verify, replace.", no_args_is_help=True)
framework_app = typer.Typer(help="Frameworks: list, validate.", no_args_is_help=True)
conflict_app = typer.Typer(help="Conflicts of interest.", no_args_is_help=True)
send_backs_app = typer.Typer(
    help="Send backs: list them, escalate overdue ones.", no_args_is_help=True
)
recommendations_app = typer.Typer(
    help="Recommendations and action plans: list them, escalate overdue plans and actions.",
    no_args_is_help=True,
)
baseline_app = typer.Typer(help="Published baselines.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
calibration_app = typer.Typer(
    help="Calibrations: a body's own audit against the inspectorate's blind re-grading.",
    no_args_is_help=True,
)
notify_app = typer.Typer(
    help="E-mail notifications: send what the outbox owes, list what is not delivered.",
    no_args_is_help=True,
)
app.add_typer(body_app, name="body")
app.add_typer(journal_app, name="journal")
app.add_typer(user_app, name="user")
app.add_typer(inspection_app, name="inspection")
app.add_typer(seed_app, name="seed")
app.add_typer(sample_app, name="sample")
app.add_typer(framework_app, name="framework")
app.add_typer(conflict_app, name="conflict")
app.add_typer(send_backs_app, name="send-backs")
app.add_typer(recommendations_app, name="recommendations")
app.add_typer(baseline_app, name="baseline")
app.add_typer(token_app, name="token")
app.add_typer(notify_app, name="notify")
app.add_typer(calibration_app, name="calibration")

app.command("migrate")(ops.migrate)
app.command("manage", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
    ops.manage
)
app.command("serve")(ops.serve)
app.command("createuser")(accounts.createuser)
app.command("import-register")(registers.import_register)
app.command("registers")(registers.registers)
app.command("export-register")(registers.export_register)
app.command("backup")(ops.backup)
app.command("restore")(ops.restore)
app.command("purge")(ops.purge)
app.command("register-retention")(ops.register_retention)
app.command("demo-register")(demo.demo_register)
app.command("demo-load")(demo.demo_load)
app.command("demo-code")(demo.demo_code_command)
app.command("sample-size")(inspections.sample_size)
app.command("links")(inspections.links)
app.command("assign")(reviews.assign)
app.command("import-reviews")(reviews.import_reviews)
app.command("move-case")(reviews.move_case)
app.command("report")(reports.report)
app.command("openapi")(ops.openapi)
app.command("trend")(reports.trend)
app.command("publish-due")(release.publish_due_command)

body_app.command("add")(registers.body_add_command)
body_app.command("contact")(accounts.body_contact)
body_app.command("list")(registers.body_list)

journal_app.command("verify")(journal.verify)
journal_app.command("anchor")(journal.anchor)
journal_app.command("export")(journal.journal_export)

user_app.command("deactivate")(accounts.deactivate)
user_app.command("unlock")(accounts.unlock)
user_app.command("unlock-address")(accounts.unlock_address)
user_app.command("reactivate")(accounts.reactivate)
user_app.command("role")(accounts.role)
user_app.command("reset-second-factor")(accounts.reset_second_factor)

inspection_app.command("create")(inspections.create)
seed_app.command("commit")(inspections.seed_commit_command)
sample_app.command("draw")(inspections.draw)
sample_app.command("verify")(inspections.verify)
sample_app.command("replace")(inspections.replace)
framework_app.command("validate")(inspections.framework_validate)
framework_app.command("list")(inspections.framework_list)
conflict_app.command("declare")(reviews.declare)

send_backs_app.command("escalate")(send_backs.escalate)
send_backs_app.command("list")(send_backs.send_backs_list)
recommendations_app.command("escalate")(recommendations.escalate)
recommendations_app.command("list")(recommendations.recommendations_list)
baseline_app.command("add")(reports.baseline_add_command)

token_app.command("create")(accounts.token_create_command)
token_app.command("list")(accounts.token_list)
token_app.command("revoke")(accounts.token_revoke_command)

notify_app.command("send")(notify.send)
notify_app.command("list")(notify.notify_list)
notify_app.command("retry")(notify.retry)

calibration_app.command("create")(calibration.create)
calibration_app.command("draw")(calibration.draw)
calibration_app.command("complete")(calibration.complete)
calibration_app.command("withdraw")(calibration.withdraw)
calibration_app.command("show")(calibration.show)


def _refusals_mapped(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)  # Typer reads the options from the wrapped signature
    def mapped(*args: Any, **kwargs: Any) -> Any:
        with refused_on(Refused):
            return func(*args, **kwargs)

    return mapped


def _map_refusals(group: typer.Typer) -> None:
    """Every command's one mapping of a refusal (``casereview.domain.errors.Refused``): its message in red on
    standard error, exit status 2 (``shared.refused_on``)."""
    for command in group.registered_commands:
        if command.callback is not None:
            command.callback = _refusals_mapped(command.callback)
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _map_refusals(sub.typer_instance)


_map_refusals(app)
