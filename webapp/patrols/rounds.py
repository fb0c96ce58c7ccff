"""A patrol round: started or scanned, tapped item by item, findings sent as work orders on
finish, read back for its page, then signed off and amended."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from webapp import audit, clock, signoff
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.models import (
    Amendment,
    CheckItem,
    Checkpoint,
    CheckpointVisit,
    ItemResult,
    PatrolRound,
    PatrolTemplate,
    User,
    WorkOrder,
)
from webapp.models.patrols import Outcome, RoundStatus
from webapp.patrols.checklists import template_tree
from webapp.photos import services as photos
from webapp.scoping import estate_ids_of
from webapp.workflow import SUPERVISORS, Rule, Workflow, step
from webapp.workorders import services as workorders

TARGET = "patrol_round"
RESULT = "patrol_result"
R = RoundStatus
MINE = Rule(lambda user, r: r.patroller_id == user.id, _l("只有巡查人本人可以记录这一轮巡查。"))
ROUND = Workflow(
    "patrol_round",
    PatrolRound,
    [
        # Tapping items (an answer, a note, photos, the rest of a checkpoint 正常), then the end.
        step("record", (R.IN_PROGRESS,), rules=[MINE]),
        step("finish", (R.IN_PROGRESS,), R.FINISHED, rules=[MINE]),
        # After the end: corrections that keep the original, and the signatures.
        step(
            "amend",
            (R.FINISHED,),
            rules=[
                Rule(
                    lambda user, r: r.patroller_id == user.id or user.role in SUPERVISORS,
                    _l("只有巡查人或主管可以更正。"),
                )
            ],
            status_message=_l("进行中的巡查可以直接修改。"),
        ),
        signoff.sign_step(
            TARGET, (R.FINISHED,), lambda r: r.patroller_id, _l("巡查结束后才能签核。")
        ),
    ],
    status_message=_l("这一轮巡查已经结束，不能再修改。"),
)
FINDING_DUE = timedelta(hours=24)


def visible_rounds(user: User) -> Select:
    if not user.is_staff:
        return select(PatrolRound).where(PatrolRound.id.is_(None))
    return select(PatrolRound).where(PatrolRound.estate_id.in_(estate_ids_of(user)))


def visible_result_ids(user: User, ids: list[int]) -> set[int]:
    rounds = visible_rounds(user).with_only_columns(PatrolRound.id)
    return set(
        db.session.scalars(
            select(ItemResult.id).where(ItemResult.id.in_(ids), ItemResult.round_id.in_(rounds))
        )
    )


def running_round(user: User, template_id: int) -> PatrolRound | None:
    return db.session.scalar(
        select(PatrolRound).where(
            PatrolRound.patroller_id == user.id,
            PatrolRound.template_id == template_id,
            PatrolRound.status == RoundStatus.IN_PROGRESS,
        )
    )


def start_round(actor: User, template: PatrolTemplate) -> PatrolRound:
    """Start a round, or continue the one already running on this template."""
    if not template.active:
        raise Invalid("template", _("这张巡查表已停用。"))
    existing = running_round(actor, template.id)
    if existing is not None:
        return existing
    patrol_round = PatrolRound(
        template_id=template.id,
        estate_id=template.estate_id,
        patroller_id=actor.id,
        status=RoundStatus.IN_PROGRESS,
        started_at=clock.now(),
    )
    db.session.add(patrol_round)
    db.session.flush()
    audit.record(
        actor,
        "patrol_round.start",
        TARGET,
        patrol_round.id,
        estate_id=patrol_round.estate_id,
        after={"template": template.name},
    )
    return patrol_round


def _editable(actor: User, patrol_round: PatrolRound) -> None:
    ROUND.check(actor, patrol_round, "record")


def _find_item(patrol_round: PatrolRound, item_id: int) -> CheckItem | None:
    return db.session.scalar(
        select(CheckItem)
        .join(Checkpoint)
        .where(CheckItem.id == item_id, Checkpoint.template_id == patrol_round.template_id)
    )


def _item_of(patrol_round: PatrolRound, item_id: int) -> CheckItem:
    item = _find_item(patrol_round, item_id)
    if item is None:
        raise Invalid("item", _("这一项不属于这张巡查表。"))
    return item


def _result(patrol_round: PatrolRound, item: CheckItem) -> ItemResult:
    result = db.session.scalar(
        select(ItemResult).where(
            ItemResult.round_id == patrol_round.id, ItemResult.item_id == item.id
        )
    )
    if result is None:
        result = ItemResult(round_id=patrol_round.id, item_id=item.id, recorded_at=clock.now())
        db.session.add(result)
        db.session.flush()
    set_committed_value(result, "item", item)  # its card is drawn next: no second look-up
    return result


def record(
    actor: User,
    patrol_round: PatrolRound,
    item_id: int,
    *,
    outcome: str | None,
    note: str | None,
    department: str | None,
) -> ItemResult:
    """One tap (or a note) on one item, saved at once."""
    _editable(actor, patrol_round)
    item = _item_of(patrol_round, item_id)
    if outcome is not None and outcome not in {o.value for o in Outcome}:
        raise Invalid("outcome", _("请选择正常、异常或不适用。"))
    result = _result(patrol_round, item)
    if outcome is not None:
        result.outcome = outcome
        result.recorded_at = clock.now()
    if note is not None:
        if len(note) > 1000:
            raise Invalid("note", _("说明最多 1000 个字。"))
        result.note = note.strip()
    if department:
        result.department = department
    if result.outcome == Outcome.ISSUE and not result.department:
        # The template's suggestion, shown (and changeable) on the card; never a silent default.
        result.department = item.department
    db.session.flush()
    return result


def rest_ok(actor: User, patrol_round: PatrolRound, checkpoint_id: int | None = None) -> int:
    """「其余正常」: every item not yet answered (of one checkpoint, or of the whole round) is
    marked 正常 in one step; answers already given stay as they are. Returns how many."""
    _editable(actor, patrol_round)
    query = (
        select(CheckItem)
        .join(Checkpoint)
        .where(
            Checkpoint.template_id == patrol_round.template_id,
            Checkpoint.active.is_(True),
            CheckItem.active.is_(True),
        )
    )
    if checkpoint_id is not None:
        query = query.where(Checkpoint.id == checkpoint_id)
    items = db.session.scalars(query).all()
    if checkpoint_id is not None and not items:
        raise Invalid("checkpoint", _("这个巡查点不属于这张巡查表。"))
    results = {
        r.item_id: r
        for r in db.session.scalars(
            select(ItemResult).where(ItemResult.round_id == patrol_round.id)
        )
    }
    now = clock.now()
    marked = 0
    for item in items:
        result = results.get(item.id)
        if result is not None and result.outcome:
            continue  # answered already: left as it is
        if result is None:
            result = ItemResult(round_id=patrol_round.id, item_id=item.id)
            db.session.add(result)
        result.outcome, result.recorded_at = Outcome.OK, now
        marked += 1
    db.session.flush()
    audit.record(
        actor,
        "patrol_round.rest_ok",
        TARGET,
        patrol_round.id,
        estate_id=patrol_round.estate_id,
        after={"checkpoint": checkpoint_id, "marked": marked},
    )
    return marked


def add_photos(actor: User, patrol_round: PatrolRound, item_id: int, uploads) -> ItemResult:
    _editable(actor, patrol_round)
    item = _item_of(patrol_round, item_id)
    stored = photos.ingest_uploads(uploads, actor)
    if not stored:
        raise Invalid("photos", _("请选择照片。"))
    result = _result(patrol_round, item)
    for photo in stored:
        photos.attach(photo, RESULT, result.id, "evidence", actor)
    return result


def visit(actor: User, checkpoint: Checkpoint) -> tuple[PatrolRound, CheckpointVisit]:
    """A scanned QR code: the checkpoint in the person's running round, with the scan time."""
    template = checkpoint.template
    if template.estate_id not in {m.estate_id for m in actor.memberships}:
        raise Invalid("qr", _("这个二维码不属于你所在的项目。"))
    patrol_round = start_round(actor, template)
    existing = next((v for v in patrol_round.visits if v.checkpoint_id == checkpoint.id), None)
    if existing is not None:
        return patrol_round, existing
    scan = CheckpointVisit(
        round_id=patrol_round.id, checkpoint_id=checkpoint.id, scanned_at=clock.now()
    )
    db.session.add(scan)
    db.session.flush()
    audit.record(
        actor,
        "patrol_round.scan",
        TARGET,
        patrol_round.id,
        estate_id=patrol_round.estate_id,
        after={"checkpoint": checkpoint.name},
    )
    return patrol_round, scan


def finish(
    actor: User, patrol_round: PatrolRound, *, unchecked_confirmed: bool = False
) -> list[WorkOrder]:
    """End the round; every 异常 goes out as a work order to its department. Items left
    unchecked are allowed only when the patroller says so (the round then shows how many)."""
    ROUND.check(actor, patrol_round, "finish")
    now = clock.now()
    results = db.session.scalars(
        select(ItemResult)
        .where(ItemResult.round_id == patrol_round.id)
        .options(joinedload(ItemResult.item).joinedload(CheckItem.checkpoint))
    ).all()
    undecided = [
        f"department-{r.item_id}"
        for r in results
        if r.outcome == Outcome.ISSUE and r.work_order_id is None and not r.department
    ]
    if undecided:
        raise Invalid(undecided, _("请为每个异常项选择交由哪个部门处理。"))
    left = progress(patrol_round).unchecked
    if left and not unchecked_confirmed:
        raise Invalid(
            "unchecked_confirmed",
            _(
                "还有 %(n)d 项未检查。请检查完，或勾选「仍要完成」后再点完成巡查。",
                n=left,
            ),
        )
    orders = []
    for result in results:
        if result.outcome == Outcome.ISSUE and result.work_order_id is None:
            checkpoint = result.item.checkpoint
            order = workorders.dispatch(
                actor,
                estate=patrol_round.estate,
                department=result.department,
                location=checkpoint.name,
                description=f"{result.item.text}：{result.note}"
                if result.note
                else result.item.text,
                due_at=now + FINDING_DUE,
                origin_type=RESULT,
                origin_id=result.id,
            )
            for link in photos.photos_for(RESULT, [result.id]).get(result.id, []):
                photos.attach(link.photo, "work_order", order.id, "before", actor)
            result.work_order_id = order.id
            orders.append(order)
    patrol_round.status = RoundStatus.FINISHED
    patrol_round.finished_at = now
    db.session.flush()
    audit.record(
        actor,
        "patrol_round.finish",
        TARGET,
        patrol_round.id,
        estate_id=patrol_round.estate_id,
        after={"answered": len([r for r in results if r.outcome]), "findings": len(orders)},
    )
    return orders


@dataclass
class ItemView:
    item: CheckItem
    result: ItemResult | None
    photos: list = field(default_factory=list)
    amendments: list = field(default_factory=list)
    work_order: WorkOrder | None = None
    after_photos: list = field(default_factory=list)


@dataclass
class CheckpointView:
    checkpoint: Checkpoint
    items: list[ItemView]
    visited_at: datetime | None

    @property
    def answered(self) -> int:
        return sum(1 for i in self.items if i.result and i.result.outcome)


def round_view(patrol_round: PatrolRound) -> list[CheckpointView]:
    """A round's checkpoints, items, answers, photos and amendments, in a few queries."""
    template = template_tree(patrol_round.template_id)
    results = {
        r.item_id: r
        for r in db.session.scalars(
            select(ItemResult).where(ItemResult.round_id == patrol_round.id)
        )
    }
    result_ids = [r.id for r in results.values()]
    links = photos.photos_for(RESULT, result_ids)
    order_ids = [r.work_order_id for r in results.values() if r.work_order_id]
    orders = (
        {o.id: o for o in db.session.scalars(select(WorkOrder).where(WorkOrder.id.in_(order_ids)))}
        if order_ids
        else {}
    )
    fixes = photos.photos_for("work_order", order_ids)
    corrections = defaultdict(list)
    if result_ids:
        for a in db.session.scalars(
            select(Amendment)
            .where(Amendment.target_type == RESULT, Amendment.target_id.in_(result_ids))
            .options(joinedload(Amendment.author))
            .order_by(Amendment.id)
        ):
            corrections[a.target_id].append(a)
    visits = {v.checkpoint_id: v.scanned_at for v in patrol_round.visits}
    answered_items = set(results)
    view = []
    for checkpoint in template.checkpoints:
        items = [i for i in checkpoint.items if i.active or i.id in answered_items]
        if not checkpoint.active and not any(i.id in answered_items for i in items):
            continue
        view.append(
            CheckpointView(
                checkpoint,
                [
                    ItemView(
                        item,
                        results.get(item.id),
                        links.get(results[item.id].id, []) if item.id in results else [],
                        corrections.get(results[item.id].id, []) if item.id in results else [],
                        orders.get(results[item.id].work_order_id) if item.id in results else None,
                        [
                            link
                            for link in fixes.get(results[item.id].work_order_id, [])
                            if link.purpose == "after"
                        ]
                        if item.id in results
                        else [],
                    )
                    for item in items
                ],
                visits.get(checkpoint.id),
            )
        )
    return view


@dataclass
class Progress:
    answered: int
    total: int
    issues: int

    @property
    def unchecked(self) -> int:
        return max(0, self.total - self.answered)


def progress(patrol_round: PatrolRound) -> Progress:
    """How far a round is, in one statement."""
    total = (
        select(func.count(CheckItem.id))
        .join(Checkpoint)
        .where(
            Checkpoint.template_id == patrol_round.template_id,
            Checkpoint.active.is_(True),
            CheckItem.active.is_(True),
        )
        .scalar_subquery()
    )
    answered, issues, items = db.session.execute(
        select(
            func.count(ItemResult.outcome),
            func.count(ItemResult.id).filter(ItemResult.outcome == Outcome.ISSUE),
            total,
        ).where(ItemResult.round_id == patrol_round.id)
    ).one()
    return Progress(answered, items, issues)


def card(patrol_round: PatrolRound, item: CheckItem, result: ItemResult | None) -> ItemView:
    """One item as its card shows it, loading only what that card shows: its photos, and once
    the round has ended its amendments and its work order."""
    view = ItemView(item, result)
    if result is None:
        return view
    if result.id is not None:
        view.photos = photos.photos_for(RESULT, [result.id]).get(result.id, [])
    if patrol_round.running:
        return view  # no amendments or work orders before the end
    view.amendments = list(
        db.session.scalars(
            select(Amendment)
            .where(Amendment.target_type == RESULT, Amendment.target_id == result.id)
            .options(joinedload(Amendment.author))
            .order_by(Amendment.id)
        )
    )
    if result.work_order_id:
        view.work_order = db.session.get(WorkOrder, result.work_order_id)
        view.after_photos = [
            link
            for link in photos.photos_for("work_order", [result.work_order_id]).get(
                result.work_order_id, []
            )
            if link.purpose == "after"
        ]
    return view


def item_view(patrol_round: PatrolRound, item_id: int) -> ItemView | None:
    """One item of the round as its card shows it; None when the item is not on this round."""
    item = _find_item(patrol_round, item_id)
    if item is None:
        return None
    result = db.session.scalar(
        select(ItemResult).where(
            ItemResult.round_id == patrol_round.id, ItemResult.item_id == item.id
        )
    )
    return card(patrol_round, item, result)


def round_content(patrol_round: PatrolRound) -> dict:
    """What a signature covers: every answer as it stood."""
    results = db.session.scalars(
        select(ItemResult).where(ItemResult.round_id == patrol_round.id)
    ).all()
    return {
        "round": patrol_round.id,
        "patroller": patrol_round.patroller_id,
        "finished_at": str(patrol_round.finished_at),
        "results": sorted((r.item_id, r.outcome, r.note) for r in results),
    }


def sign(actor: User, patrol_round: PatrolRound, opinion: str, *, fresh: bool) -> None:
    signoff.check(ROUND, actor, patrol_round)
    signoff.sign(
        actor,
        TARGET,
        patrol_round.id,
        estate_id=patrol_round.estate_id,
        content=round_content(patrol_round),
        opinion=opinion,
        fresh=fresh,
    )


def amend(
    actor: User, patrol_round: PatrolRound, item_id: int, *, outcome: str, note: str, reason: str
) -> None:
    """Correct an answer of a signed (or finished) round: the original stays visible."""
    ROUND.check(actor, patrol_round, "amend")
    if outcome not in {o.value for o in Outcome}:
        raise Invalid("outcome", _("请选择正常、异常或不适用。"))
    item = _item_of(patrol_round, item_id)
    result = _result(patrol_round, item)
    signoff.amend(
        actor,
        RESULT,
        result.id,
        estate_id=patrol_round.estate_id,
        before={"outcome": result.outcome, "note": result.note},
        after={"outcome": outcome, "note": note.strip()},
        reason=reason,
    )
