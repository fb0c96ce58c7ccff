"""Every record type, once: how a viewer finds one (history pages), whose photos it may see,
where its escalations link to, its deadline (sweep, homes, state), and which findings a ticket
can start from.

The mechanisms ask these rules instead of growing their own; this module is the one place that
knows every feature, so the features need not know each other.
"""

from __future__ import annotations

from webapp import audit, deadlines, escalation, scoping, search
from webapp.announcements import services as announcements
from webapp.decoration import services as decoration
from webapp.duty import handover
from webapp.duty import services as duty
from webapp.keys import services as keys
from webapp.models import (
    Announcement,
    DecorationPermit,
    Duty,
    DutyEvent,
    Handover,
    HomeVisit,
    Key,
    KeyLoan,
    MoveIn,
    PatrolRound,
    PatrolTemplate,
    RectificationNotice,
    Survey,
    Ticket,
    WorkOrder,
)
from webapp.movein import services as movein
from webapp.patrols import checklists, rounds
from webapp.photos import services as photos
from webapp.surveys import services as surveys
from webapp.tickets import inbox as tickets
from webapp.tickets import intake, lifecycle
from webapp.tickets.lifecycle import TARGET as TICKET
from webapp.visits import services as visits
from webapp.workorders import services as workorders


def _getter(select_visible, model):
    def get(user, record_id: int):
        return scoping.get_or_404(select_visible(user), model, record_id)

    return get


def register() -> None:
    audit.register_target("user", scoping.get_person_or_404)
    audit.register_target("estate", scoping.get_estate_or_404)
    audit.register_target("building", scoping.get_building_or_404)
    audit.register_target("area", scoping.get_area_or_404)
    audit.register_target("patrol_round", _getter(rounds.visible_rounds, PatrolRound))
    audit.register_target("patrol_template", _getter(checklists.visible_templates, PatrolTemplate))
    audit.register_target(workorders.TARGET, _getter(workorders.visible_work_orders, WorkOrder))
    audit.register_target(decoration.PERMIT, _getter(decoration.visible_permits, DecorationPermit))
    audit.register_target(
        decoration.NOTICE, _getter(decoration.visible_notices, RectificationNotice)
    )
    audit.register_target(TICKET, _getter(tickets.visible_tickets, Ticket))
    audit.register_target(duty.TARGET, _getter(duty.visible_duties, Duty))
    audit.register_target(duty.EVENT, _getter(duty.visible_events, DutyEvent))
    audit.register_target(keys.TARGET, _getter(keys.visible_keys, Key))
    audit.register_target(movein.TARGET, _getter(movein.visible_move_ins, MoveIn))
    audit.register_target(handover.TARGET, _getter(handover.visible_handovers, Handover))
    audit.register_target(surveys.TARGET, _getter(surveys.visible_surveys, Survey))
    audit.register_target(visits.TARGET, _getter(visits.visible_visits, HomeVisit))
    audit.register_target(
        announcements.TARGET, _getter(announcements.visible_announcements, Announcement)
    )

    photos.register_owner(rounds.RESULT, rounds.visible_result_ids)
    photos.register_owner(decoration.RESULT, decoration.visible_result_ids)
    photos.register_owner(decoration.NOTICE, decoration.visible_notice_ids)
    photos.register_owner(decoration.PERMIT, decoration.visible_permit_ids)
    photos.register_owner("ticket_entry", tickets.visible_entry_ids)
    photos.register_owner(workorders.TARGET, workorders.visible_ids)
    photos.register_owner(duty.EVENT, duty.visible_event_ids)
    photos.register_owner(movein.RESULT, movein.visible_result_ids)
    photos.register_owner(movein.TARGET, movein.visible_ids)
    photos.register_owner(announcements.TARGET, announcements.visible_ids)

    search.index(Ticket, *tickets.SEARCHED)
    intake.register_caller_notices(decoration.notices_for_caller, decoration.reply_via_link)

    escalation.register_link(TICKET, "tickets.detail", "ticket_id")
    escalation.register_owner_link(TICKET, "tickets.mine_detail", "ticket_id")
    escalation.register_owner_link(decoration.NOTICE, "decoration.notice", "notice_id")
    escalation.register_link(workorders.TARGET, "workorders.detail", "order_id")
    escalation.register_link(decoration.NOTICE, "decoration.notice", "notice_id")
    escalation.register_link(duty.TARGET, "duty.show", "duty_id")
    escalation.register_link(duty.EVENT, "duty.event", "event_id")
    escalation.register_link(keys.LOAN, "keys.loan", "loan_id")
    escalation.register_link(handover.TARGET, "duty.handover_page", "handover_id")
    escalation.register_link(movein.TARGET, "movein.record", "move_in_id")
    escalation.register_owner_link(movein.TARGET, "movein.record", "move_in_id")
    escalation.register_owner_link(surveys.TARGET, "surveys.mine", "survey_id")
    escalation.register_owner_link(announcements.TARGET, "announcements.read", "announcement_id")

    deadlines.register(
        deadlines.Kind(
            TICKET,
            Ticket,
            due_of=lambda t: t.next_follow_up_at,
            running=lifecycle.running,
            sweep=lifecycle.sweep,
            escalated=tickets.escalated_to,
            line=lifecycle.home_line,
        )
    )
    deadlines.register(
        deadlines.Kind(
            workorders.TARGET,
            WorkOrder,
            due_of=lambda o: o.due_at,
            running=workorders.running,
            sweep=workorders.sweep,
            escalated=workorders.escalated_to,
            line=workorders.home_line,
        )
    )
    deadlines.register(
        deadlines.Kind(
            decoration.NOTICE,
            RectificationNotice,
            due_of=lambda n: n.deadline,
            running=decoration.notice_running,
            sweep=decoration.sweep,
            escalated=decoration.overdue_notices,
            line=decoration.notice_line,
        )
    )

    deadlines.register(
        deadlines.Kind(
            duty.EVENT,
            DutyEvent,
            due_of=lambda e: e.report_due_at,
            running=duty.report_running,
            sweep=duty.sweep,
            escalated=duty.overdue_reports,
            line=duty.report_line,
        )
    )

    deadlines.register(
        deadlines.Kind(
            keys.LOAN,
            KeyLoan,
            due_of=lambda loan: loan.due_at,
            running=keys.running,
            sweep=keys.sweep,
            escalated=keys.overdue_loans,
            line=keys.loan_line,
        )
    )

    intake.register_finding(workorders.TARGET, workorders.as_finding)
    intake.register_finding(duty.EVENT, duty.as_finding)
    intake.register_finding(decoration.NOTICE, decoration.as_finding)
    intake.register_finding(surveys.ANSWER, surveys.as_finding)
