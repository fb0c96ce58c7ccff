"""Every record type, once: how a viewer finds one (history pages) and whose photos it may see.

Photos and history pages ask these rules instead of growing their own.
"""

from __future__ import annotations

from webapp import audit, escalation, scoping
from webapp.photos import services as photos


def _getter(select_visible, model):
    def get(user, record_id: int):
        return scoping.get_or_404(select_visible(user), model, record_id)

    return get


def register() -> None:
    from webapp.decoration import services as decoration
    from webapp.models import (
        DecorationPermit,
        PatrolRound,
        PatrolTemplate,
        RectificationNotice,
        Ticket,
        WorkOrder,
    )
    from webapp.patrols import services as patrols
    from webapp.tickets import services as tickets
    from webapp.workorders import services as workorders

    audit.register_target("user", scoping.get_person_or_404)
    audit.register_target("estate", scoping.get_estate_or_404)
    audit.register_target("building", scoping.get_building_or_404)
    audit.register_target("area", scoping.get_area_or_404)
    audit.register_target("patrol_round", _getter(patrols.visible_rounds, PatrolRound))
    audit.register_target("patrol_template", _getter(patrols.visible_templates, PatrolTemplate))
    audit.register_target("work_order", _getter(workorders.visible_work_orders, WorkOrder))
    audit.register_target(decoration.PERMIT, _getter(decoration.visible_permits, DecorationPermit))
    audit.register_target(
        decoration.NOTICE, _getter(decoration.visible_notices, RectificationNotice)
    )

    photos.register_owner(patrols.RESULT, patrols.visible_result_ids)
    photos.register_owner(decoration.RESULT, decoration.visible_result_ids)
    photos.register_owner(decoration.NOTICE, decoration.visible_notice_ids)
    photos.register_owner(decoration.PERMIT, decoration.visible_permit_ids)
    photos.register_owner("ticket_entry", tickets.visible_entry_ids)
    audit.register_target(tickets.TARGET, _getter(tickets.visible_tickets, Ticket))
    photos.register_owner("work_order", workorders.visible_ids)

    escalation.register_link(tickets.TARGET, "tickets.detail", "ticket_id")
    escalation.register_link("work_order", "workorders.detail", "order_id")
    escalation.register_link(decoration.NOTICE, "decoration.notice", "notice_id")
