"""The committee's actions ("we heard -> we will do"): recorded and updated, audited, each in its
own commit."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..models import ACTION_STATUSES, Action, AuditEvent, Campaign, Code
from ..models.base import labels_in


def actions_for(campaign: Campaign) -> list[Action]:
    return list(db.session.scalars(select(Action).where(Action.campaign_id == campaign.id)
                                   .order_by(Action.created_at.desc(), Action.id.desc())))


def record_action(campaign: Campaign, *, we_heard: str, we_will: str, status: str, due_on: date | None,
                  code_keys: list[str], indicator_codes: list[str], geography_codes: list[str], actor) -> Action:
    action = Action(campaign_id=campaign.id, we_heard=we_heard.strip(), we_will=we_will.strip(), status=status,
                    due_on=due_on, code_keys=code_keys, indicator_codes=indicator_codes,
                    geography_codes=geography_codes, created_by_id=getattr(actor, "id", None))
    db.session.add(action)
    db.session.flush()
    AuditEvent.record("action.create", action, actor=actor, status=status)
    db.session.commit()
    return action


def set_action_status(action: Action, status: str, *, actor) -> None:
    if status not in ACTION_STATUSES:
        raise ValueError(status)
    if action.status != status:
        AuditEvent.record("action.status", action, actor=actor, before=action.status, after=status)
        action.status = status
    db.session.commit()


def code_choices(locale: str) -> list[tuple[str, str]]:
    return [(code.key, labels_in(code.labels, locale) or code.key) for code in Code.active()]
