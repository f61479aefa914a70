"""The inspection as a task list: each step's status from plain counts, and the stage it is at."""

from __future__ import annotations

from dataclasses import replace

from casereview.domain.tasks import (
    STAGE_WORDS,
    STATUS_WORDS,
    Progress,
    Status,
    Step,
    stage,
    stage_words,
    task_list,
)


def statuses(p: Progress) -> dict[str, Status]:
    return {t.step.value: t.status for t in task_list(p)}


#: Drawn, 10 cases, all assigned, all first reviews submitted, 3 moderated, no disagreement, nothing at risk.
REVIEWED = Progress(
    committed=True,
    registers=1,
    drawn=True,
    sampled=10,
    assigned=10,
    submitted=10,
    moderation_assigned=3,
    moderation_submitted=3,
)


def test_a_new_inspection_can_only_commit_and_import() -> None:
    got = statuses(Progress())
    assert got["seed"] is Status.NOT_STARTED and got["register"] is Status.NOT_STARTED
    for later in (
        "draw",
        "assign",
        "review",
        "moderate",
        "resolve",
        "send_backs",
        "report",
        "publish",
    ):
        assert got[later] is Status.CANNOT_START, later
    assert stage(task_list(Progress())) == "seed"


def test_the_draw_waits_for_both_the_commitment_and_a_register() -> None:
    assert statuses(Progress(committed=True))["draw"] is Status.CANNOT_START
    assert statuses(Progress(registers=1))["draw"] is Status.CANNOT_START
    both = Progress(committed=True, registers=2)
    assert statuses(both)["draw"] is Status.NOT_STARTED
    assert stage(task_list(both)) == "draw"
    register = next(t for t in task_list(both) if t.step is Step.REGISTER)
    assert str(register.hint) == "2 registers ready to draw from"


def test_assigning_and_reviewing_count_against_the_active_sample() -> None:
    drawn = Progress(committed=True, registers=1, drawn=True, sampled=10)
    assert statuses(drawn)["assign"] is Status.NOT_STARTED
    assert statuses(drawn)["review"] is Status.CANNOT_START
    half = replace(drawn, assigned=5)
    assert statuses(half)["assign"] is Status.IN_PROGRESS and stage(task_list(half)) == "assign"
    everyone = replace(drawn, assigned=10)
    assert statuses(everyone)["assign"] is Status.COMPLETED
    assert statuses(everyone)["review"] is Status.NOT_STARTED
    assert statuses(replace(everyone, drafts=1))["review"] is Status.IN_PROGRESS
    some = replace(everyone, submitted=4)
    review = next(t for t in task_list(some) if t.step is Step.REVIEW)
    assert review.status is Status.IN_PROGRESS and str(review.hint) == "4 of 10 submitted"
    assert stage(task_list(some)) == "review"
    assert statuses(replace(everyone, submitted=10))["review"] is Status.COMPLETED


def test_a_report_with_everything_done_is_ready_to_publish_and_then_published() -> None:
    got = statuses(REVIEWED)
    assert got["moderate"] is Status.COMPLETED and got["resolve"] is Status.COMPLETED
    assert got["send_backs"] is Status.COMPLETED and got["report"] is Status.COMPLETED
    assert got["publish"] is Status.NOT_STARTED and stage(task_list(REVIEWED)) == "publish"
    done = replace(REVIEWED, published=1)
    assert statuses(done)["publish"] is Status.COMPLETED and stage(task_list(done)) == "published"
    assert stage_words("published") == "Published"


def test_moderation_is_not_required_to_publish_but_unsubmitted_moderation_blocks_it() -> None:
    unmoderated = replace(REVIEWED, moderation_assigned=0, moderation_submitted=0)
    got = statuses(unmoderated)
    assert got["moderate"] is Status.NOT_STARTED and got["resolve"] is Status.CANNOT_START
    assert got["publish"] is Status.NOT_STARTED
    waiting = replace(REVIEWED, moderation_assigned=4)
    got = statuses(waiting)
    assert got["moderate"] is Status.IN_PROGRESS and got["report"] is Status.IN_PROGRESS
    assert got["publish"] is Status.CANNOT_START and stage(task_list(waiting)) == "moderate"


def test_an_unresolved_disagreement_holds_the_report_back() -> None:
    two = replace(REVIEWED, disagreements=2, resolved=1)
    tasks = task_list(two)
    resolve = next(t for t in tasks if t.step is Step.RESOLVE)
    assert (
        resolve.status is Status.IN_PROGRESS
        and str(resolve.hint) == "1 of 2 disagreements resolved"
    )
    assert statuses(two)["publish"] is Status.CANNOT_START and stage(tasks) == "resolve"
    assert statuses(replace(two, resolved=2))["resolve"] is Status.COMPLETED
    assert statuses(replace(two, resolved=0))["resolve"] is Status.NOT_STARTED


def test_a_case_at_risk_not_sent_back_is_a_send_back_to_make() -> None:
    unsent = replace(REVIEWED, at_risk_unsent=1)
    tasks = task_list(unsent)
    send_backs = next(t for t in tasks if t.step is Step.SEND_BACKS)
    assert send_backs.status is Status.NOT_STARTED
    assert str(send_backs.hint) == "1 case at risk not sent back"
    assert statuses(unsent)["publish"] is Status.CANNOT_START and stage(tasks) == "send_backs"
    open_one = replace(REVIEWED, send_backs=2, send_backs_open=1, send_backs_overdue=1)
    task = next(t for t in task_list(open_one) if t.step is Step.SEND_BACKS)
    assert (
        task.status is Status.IN_PROGRESS and str(task.hint) == "1 of 2 send backs open, 1 overdue"
    )
    closed = replace(REVIEWED, send_backs=2)
    assert statuses(closed)["send_backs"] is Status.COMPLETED


def test_every_status_and_stage_has_words() -> None:
    assert set(STATUS_WORDS) == set(Status)
    assert {s.value for s in Step} | {"published"} == set(STAGE_WORDS)
    for task in task_list(REVIEWED):
        assert task.title and task.status_words and "_" not in str(task.status_words)


def test_registers_imported_before_the_commitment_do_not_complete_the_register_step() -> None:
    older_only = Progress(committed=True, registers=0, registers_older=2)
    got = statuses(older_only)
    assert got["register"] is Status.NOT_STARTED
    assert got["draw"] is Status.CANNOT_START
    assert stage(task_list(older_only)) == "register"
    register = next(t for t in task_list(older_only) if t.step is Step.REGISTER)
    assert "2 older registers" in str(register.hint) and "late commitment" in str(register.hint)
    fresh = replace(older_only, registers=1)
    assert statuses(fresh)["register"] is Status.COMPLETED
    assert statuses(fresh)["draw"] is Status.NOT_STARTED


def test_hints_use_thousands_separators() -> None:
    big = replace(REVIEWED, sampled=12_000, assigned=1_500, submitted=1_234)
    hints = {t.step.value: str(t.hint) for t in task_list(big)}
    assert hints["assign"] == "1,500 of 12,000 cases assigned"
    assert hints["review"] == "1,234 of 12,000 submitted"
