"""The queue file a tablet exports for the day it cannot reach the server, replayed with the
same checks and the same once-only storage as the sync API."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..extensions import db
from ..json_body import parse_json
from ..models import AuditEvent, Turf, User
from ..problems import Invalid, N_, Problem
from .records import Conflict, check_response, check_visit, row_id, store_canvass_response, store_visit

QUEUE_FORMAT = "community-voice-canvass-queue"


@dataclass
class QueueImport:
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    replayed: int = 0
    conflicts: list[Problem] = field(default_factory=list)


def _record_canvasser(payload: dict, owner: dict, turf_lookup) -> User | None:
    email = owner.get("email") if isinstance(owner, dict) else None
    # A NUL is in no address, and PostgreSQL refuses it in a query's text.
    user = User.by_email(email) if isinstance(email, str) and email and "\x00" not in email else None
    if user is None:
        turf = turf_lookup(payload.get("turf"))
        user = db.session.get(User, turf.canvasser_id) if turf is not None and turf.canvasser_id else None
    return user


def import_queue(content: bytes, *, actor: User | None) -> QueueImport:
    """Replay an exported tablet queue with the same dedupe as the sync API.

    Every record is checked first and nothing is stored if any is refused (with each record's
    problems). Then each record is stored once: replays change nothing, and a UUID stored
    with other content is reported and audited as a conflict.
    """
    result = QueueImport()
    try:
        data = parse_json(content)
    except Invalid as invalid:
        result.problems.extend(invalid.problems)
        return result
    if not isinstance(data, dict) or data.get("format") != QUEUE_FORMAT or not isinstance(data.get("records"), list):
        result.problems.append(Problem("not_queue", N_("The file is not a canvass queue export.")))
        return result
    owner = data.get("canvasser") or {}
    checked = []
    for number, entry in enumerate(data["records"], start=1):
        kind = entry.get("kind") if isinstance(entry, dict) else None
        payload = entry.get("payload") if isinstance(entry, dict) else None
        if kind not in ("visit", "response") or not isinstance(payload, dict):
            result.problems.append(Problem("unknown_kind", N_("Record %(number)d is neither a visit nor an interview."),
                                           {"number": number}, line=number))
            continue
        canvasser = _record_canvasser(payload, owner, lambda turf_id: db.session.get(Turf, turf_id)
                                      if row_id(turf_id) else None)
        try:
            parsed = check_visit(payload, None) if kind == "visit" else check_response(payload, None)
        except Invalid as invalid:
            result.problems.extend(problem.at(line=number) for problem in invalid.problems)
            continue
        if canvasser is None:
            result.problems.append(Problem("nobody_assigned", N_("Record %(number)d: nobody is assigned to its turf."),
                                           {"number": number}, line=number))
            continue
        checked.append((number, kind, parsed, canvasser))
    if result.problems:
        return result
    checked.sort(key=lambda item: 0 if item[1] == "visit" else 1)  # visits first: interviews link to them
    for number, kind, parsed, canvasser in checked:
        try:
            outcome = store_visit(parsed, canvasser) if kind == "visit" else store_canvass_response(parsed, canvasser)
        except Conflict:
            result.conflicts.append(Problem("conflict", N_("Record %(number)d (%(uuid)s) is already stored with "
                                                           "other content."),
                                            {"number": number, "uuid": str(parsed.uuid)}, line=number))
            continue
        if outcome.created:
            result.created += 1
        else:
            result.replayed += 1
    AuditEvent.record("canvass.import_queue", actor=actor, record_type="queue", created=result.created,
                      replayed=result.replayed, conflicts=len(result.conflicts))
    db.session.commit()
    return result
