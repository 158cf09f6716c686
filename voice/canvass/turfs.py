"""Turfs: a CSV or workbook of doors imported all or nothing, and assigned to a canvasser."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent, Campaign, Geography, Turf, User
from ..problems import Invalid, N_, Problem
from ..tables import Row, Table, read_table

MAX_DOOR_ID = 64
HEADER_ALIASES = {
    "door_id": "door_id", "door id": "door_id", "door": "door_id", "id": "door_id",
    "address": "address",
    "geography": "geography", "geography code": "geography", "geography_code": "geography",
    "block": "block",
}
REQUIRED_COLUMNS = ("door_id", "address", "geography")


@dataclass
class TurfImport:
    problems: list[Problem] = field(default_factory=list)
    turfs: list[Turf] = field(default_factory=list)
    doors: int = 0


def import_turfs(campaign: Campaign, content: bytes, *, name: str, canvasser: User | None,
                 actor: User | None) -> TurfImport:
    """Import an address list into one turf (or one per block): everything or nothing."""
    try:
        doors_by_turf = _check_turfs(campaign, read_table(content), name)
    except Invalid as invalid:
        return TurfImport(problems=invalid.problems)
    return _store_turfs(campaign, doors_by_turf, canvasser, actor)


def _check_turfs(campaign: Campaign, table: Table, name: str) -> dict[str, list[dict]]:
    """The doors of each new turf by its name, or Invalid with every problem of every line."""
    columns = _turf_columns(table.header)
    if not table.rows:
        raise Invalid([Problem("no_doors", N_("The file has no doors."), line=1)])
    by_block, problems = _doors_by_block(campaign, table.rows, columns)
    doors_by_turf = {(f"{name} · {block}" if block else name): doors for block, doors in by_block.items()}
    taken = set(db.session.scalars(select(Turf.name).where(Turf.campaign_id == campaign.id)))
    problems += [Problem("turf_exists", N_("A turf named %(name)s already exists in this campaign."),
                         {"name": turf_name}) for turf_name in doors_by_turf if turf_name in taken]
    if problems:
        raise Invalid(problems)
    return doors_by_turf


def _turf_columns(header: tuple[str, ...]) -> dict[str, int]:
    """Where each known column is (door_id, address, geography, block), or Invalid."""
    columns: dict[str, int] = {}
    problems = []
    for index, title in enumerate(header):
        key = HEADER_ALIASES.get(title.lower())
        if key is None:
            problems.append(Problem("unknown_column", N_("Unknown column %(column)s: use door_id, address, geography "
                                                         "and optionally block."), {"column": title}, line=1))
        elif key in columns:
            problems.append(Problem("duplicate_column", N_("The column %(column)s appears twice."), {"column": key},
                                    line=1))
        else:
            columns[key] = index
    problems += [Problem("missing_column", N_("The column %(column)s is missing."), {"column": key}, line=1)
                 for key in REQUIRED_COLUMNS if key not in columns]
    if problems:
        raise Invalid(problems)
    return columns


def _doors_by_block(campaign: Campaign, rows: tuple[Row, ...],
                    columns: dict[str, int]) -> tuple[dict[str, list[dict]], list[Problem]]:
    """The doors of each block ("" without a block column), and every line's problems."""
    places = set(db.session.scalars(select(Geography.code)))
    stored = {door["id"] for turf in db.session.scalars(select(Turf).where(Turf.campaign_id == campaign.id))
              for door in turf.doors}
    seen: dict[str, int] = {}
    by_block: dict[str, list[dict]] = {}
    problems: list[Problem] = []
    for row in rows:
        door_id, address, place, block = (row.cell(columns[key]) if key in columns else ""
                                          for key in ("door_id", "address", "geography", "block"))
        problems += [problem.at(line=row.line) for problem in _door_problems(door_id, address, place, seen,
                                                                            stored, places)]
        seen.setdefault(door_id, row.line)
        by_block.setdefault(block, []).append({"id": door_id, "address": address, "geography": place,
                                               **({"block": block} if block else {})})
    return by_block, problems


def _door_problems(door_id: str, address: str, place: str, seen: dict[str, int], stored: set[str],
                   places: set[str]) -> list[Problem]:
    problems = []
    if not door_id:
        problems.append(Problem("empty_door", N_("The door id is empty.")))
    elif len(door_id) > MAX_DOOR_ID:
        problems.append(Problem("long_door", N_("The door id %(door)s is longer than %(max)d characters."),
                                {"door": door_id[:20] + "…", "max": MAX_DOOR_ID}))
    elif door_id in seen:
        problems.append(Problem("duplicate_door", N_("The door id %(door)s is already on line %(other)d."),
                                {"door": door_id, "other": seen[door_id]}))
    elif door_id in stored:
        problems.append(Problem("door_in_turf", N_("The door id %(door)s is already in a turf of this campaign."),
                                {"door": door_id}))
    if not address:
        problems.append(Problem("empty_address", N_("The address is empty.")))
    if not place:
        problems.append(Problem("empty_geography", N_("The geography code is empty.")))
    elif place not in places:
        problems.append(Problem("unknown_geography", N_("The geography code %(code)s is not a known geography."),
                                {"code": place}))
    return problems


def _store_turfs(campaign: Campaign, doors_by_turf: dict[str, list[dict]], canvasser: User | None,
                 actor: User | None) -> TurfImport:
    places = dict(db.session.execute(select(Geography.code, Geography.id)).all())
    result = TurfImport()
    for turf_name, doors in doors_by_turf.items():
        codes = {door["geography"] for door in doors}
        turf = Turf(campaign_id=campaign.id, name=turf_name, doors=doors,
                    geography_id=places[codes.pop()] if len(codes) == 1 else None,
                    canvasser_id=canvasser.id if canvasser else None)
        db.session.add(turf)
        result.turfs.append(turf)
    db.session.flush()
    result.doors = sum(len(turf.doors) for turf in result.turfs)
    for turf in result.turfs:
        AuditEvent.record("turf.import", turf, actor=actor, doors=len(turf.doors), canvasser=turf.canvasser_id)
    db.session.commit()
    return result


def assign_turf(turf: Turf, canvasser: User | None, *, actor: User | None) -> None:
    previous = turf.canvasser_id
    turf.canvasser_id = canvasser.id if canvasser else None
    AuditEvent.record("turf.assign", turf, actor=actor, previous=previous, canvasser=turf.canvasser_id)
    db.session.commit()
