"""Patrol checklists: templates, their checkpoints and items (with the department each
finding goes to), and how often each role must run them."""

from __future__ import annotations

import secrets

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from webapp import audit
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.labels import DEPARTMENT_LABELS
from webapp.locks import check_version
from webapp.models import (
    STAFF_ROLES,
    CheckItem,
    Checkpoint,
    PatrolRequirement,
    PatrolTemplate,
    User,
)
from webapp.models.patrols import Period
from webapp.scoping import estate_ids_of


def visible_templates(user: User) -> Select:
    if not user.is_staff:
        return select(PatrolTemplate).where(PatrolTemplate.id.is_(None))
    return select(PatrolTemplate).where(PatrolTemplate.estate_id.in_(estate_ids_of(user)))


def visible_item(user: User, item_id: int | None) -> CheckItem | None:
    """A check item of one of the person's estates' checklists, or None."""
    if not item_id:
        return None
    return db.session.scalar(
        select(CheckItem)
        .join(Checkpoint)
        .where(
            CheckItem.id == item_id,
            Checkpoint.template_id.in_(
                visible_templates(user).with_only_columns(PatrolTemplate.id)
            ),
        )
    )


def template_tree(template_id: int) -> PatrolTemplate | None:
    return db.session.scalar(
        select(PatrolTemplate)
        .where(PatrolTemplate.id == template_id)
        .options(
            selectinload(PatrolTemplate.checkpoints).selectinload(Checkpoint.items),
            selectinload(PatrolTemplate.checkpoints).joinedload(Checkpoint.area),
            selectinload(PatrolTemplate.requirements),
        )
    )


def create_template(actor: User, estate_id: int, name: str, description: str) -> PatrolTemplate:
    clash = db.session.scalar(
        select(func.count()).where(
            PatrolTemplate.estate_id == estate_id, PatrolTemplate.name == name
        )
    )
    if clash:
        raise Invalid("name", _("已有同名巡查表。"))
    template = PatrolTemplate(estate_id=estate_id, name=name, description=description, active=True)
    db.session.add(template)
    db.session.flush()
    audit.record(
        actor,
        "patrol_template.create",
        "patrol_template",
        template.id,
        estate_id=estate_id,
        after={"name": name},
    )
    return template


def update_template(
    actor: User,
    template: PatrolTemplate,
    *,
    version: int,
    name: str,
    description: str,
    active: bool,
) -> None:
    check_version(template, version)
    before = audit.snapshot(template, ("name", "description", "active"))
    template.name, template.description, template.active = name, description, active
    db.session.flush()
    audit.record(
        actor,
        "patrol_template.update",
        "patrol_template",
        template.id,
        estate_id=template.estate_id,
        before=before,
        after=audit.snapshot(template, ("name", "description", "active")),
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# In the template editor an item may name the department its findings usually go to, after an
# arrow: "消防通道畅通 → 秩序/保安". The department's label (in either language) or key.
_ARROWS = ("→", "->")


def _department_named(name: str) -> str | None:
    """The department called `name` in Chinese or English ("秩序/保安", "秩序", "Security")."""
    wanted = name.strip().lower()
    for key, label in DEPARTMENT_LABELS.items():
        names = {key}
        for locale in ("zh_CN", "en"):
            with force_locale(locale):
                spelled = str(label).lower()
            names |= {spelled, *(part.strip() for part in spelled.split("/"))}
        if wanted in names:
            return key
    return None


def parse_item(line: str) -> tuple[str, str | None]:
    """An editor line as (item text, suggested department or None)."""
    for arrow in _ARROWS:
        if arrow in line:
            text, _sep, name = line.rpartition(arrow)
            department = _department_named(name)
            if department is None:
                raise Invalid("items", _("不认识的部门：%(name)s", name=name.strip()))
            return text.strip(), department
    return line, None


def item_line(item: CheckItem) -> str:
    """An item as the editor shows it (the inverse of parse_item)."""
    return item_line_of(item.text, item.department)


def item_line_of(text: str, department: str | None) -> str:
    if not department:
        return text
    return f"{text} → {DEPARTMENT_LABELS.get(department, department)}"


def save_checkpoint(
    actor: User,
    template: PatrolTemplate,
    checkpoint: Checkpoint | None,
    *,
    name: str,
    area_id: int | None,
    position: int,
    items_text: str,
) -> Checkpoint:
    """Create or change a checkpoint; its items are one per line, in order."""
    parsed = [parse_item(line) for line in _lines(items_text)]
    texts = [text for text, _dept in parsed]
    if not texts:
        raise Invalid("items", _("至少填写一个检查项。"))
    if len(texts) > 40:
        raise Invalid("items", _("一个巡查点最多 40 个检查项。"))
    if any(len(t) > 200 for t in texts):
        raise Invalid("items", _("每个检查项最多 200 个字。"))
    if checkpoint is None:
        checkpoint = Checkpoint(template_id=template.id, qr_token=secrets.token_urlsafe(16))
        db.session.add(checkpoint)
        before = None
    else:
        before = {"name": checkpoint.name, "items": [i.text for i in checkpoint.items if i.active]}
    checkpoint.name, checkpoint.area_id, checkpoint.position = name, area_id, position
    db.session.flush()
    # Items already answered in rounds are kept (history refers to them) but retired.
    current = {i.text: i for i in checkpoint.items}
    for index, (text, department) in enumerate(parsed):
        item = current.pop(text, None)
        if item is None:
            item = CheckItem(checkpoint_id=checkpoint.id, text=text)
            db.session.add(item)
        item.position, item.active, item.department = index, True, department
    for leftover in current.values():
        leftover.active = False
    db.session.flush()
    audit.record(
        actor,
        "patrol_template.checkpoint",
        "patrol_template",
        template.id,
        estate_id=template.estate_id,
        before=before,
        after={"name": name, "items": [item_line_of(t, d) for t, d in parsed]},
    )
    return checkpoint


def set_requirement(
    actor: User, template: PatrolTemplate, role: str, period: str, times: int
) -> None:
    if role not in STAFF_ROLES or period not in {p.value for p in Period}:
        raise Invalid("role", _("请选择角色和周期。"))
    req = next((r for r in template.requirements if r.role == role), None)
    before = {"role": role, "period": req.period, "times": req.times} if req else None
    if times <= 0:
        if req is not None:
            db.session.delete(req)
    elif req is None:
        db.session.add(
            PatrolRequirement(template_id=template.id, role=role, period=period, times=times)
        )
    else:
        req.period, req.times = period, times
    db.session.flush()
    audit.record(
        actor,
        "patrol_template.requirement",
        "patrol_template",
        template.id,
        estate_id=template.estate_id,
        before=before,
        after={"role": role, "period": period, "times": times},
    )


def checkpoint_by_token(token: str) -> Checkpoint | None:
    return db.session.scalar(
        select(Checkpoint).where(Checkpoint.qr_token == token, Checkpoint.active.is_(True))
    )
