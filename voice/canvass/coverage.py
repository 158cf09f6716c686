"""Coverage: who has been heard, where, in which language, against who lives there.

The counts come from GROUP BY queries (the same SQL on SQLite and PostgreSQL); population
comes from ``Geography.population`` and ``population_by_group["language"]``. A group is
*under-heard* when its share of the campaign's responses is below ``UNDER_HEARD`` times its
share of the population; ``missing`` is how many more responses would bring it to its share.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import DOOR_OUTCOMES, Campaign, Geography, Response, Survey, Turf, User, Visit
from ..models.base import as_utc

UNDER_HEARD = 0.75  # heard at less than three quarters of the population share


class Heard:
    """Responses online and at the door, and their share beside the population's share."""
    population: int
    online: int
    canvass: int
    population_share: float
    response_share: float

    @property
    def responses(self) -> int:
        return self.online + self.canvass

    @property
    def ratio(self) -> float | None:
        return self.response_share / self.population_share if self.population_share else None

    @property
    def under_heard(self) -> bool:
        return self.ratio is not None and self.ratio < UNDER_HEARD

    def count(self, channel: str, responses: int) -> None:
        if channel == "online":
            self.online += responses
        else:
            self.canvass += responses

    def share_of(self, total_population: int, placed_responses: int) -> None:
        self.population_share = _share(self.population, total_population)
        self.response_share = _share(self.responses, placed_responses)


@dataclass
class LanguageRow(Heard):
    language: str
    population: int
    online: int = 0
    canvass: int = 0
    population_share: float = 0.0
    response_share: float = 0.0
    expected: float = 0.0

    @property
    def missing(self) -> int:
        return max(0, round(self.expected - self.responses))

    def share_of(self, total_population: int, placed_responses: int) -> None:
        super().share_of(total_population, placed_responses)
        self.expected = placed_responses * self.population_share


@dataclass
class PlaceRow(Heard):
    geography: Geography
    doors: int = 0
    doors_visited: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    online: int = 0
    canvass: int = 0
    languages: dict[str, LanguageRow] = field(default_factory=dict)
    population_share: float = 0.0
    response_share: float = 0.0

    @property
    def population(self) -> int:
        return self.geography.population or 0

    @property
    def per_thousand(self) -> float | None:
        return 1000 * self.responses / self.population if self.population else None

    def language(self, language: str) -> LanguageRow:
        """This place's row for ``language``, with the place's population speaking it."""
        if language not in self.languages:
            self.languages[language] = LanguageRow(language, _language_population(self.geography, language))
        return self.languages[language]


@dataclass
class CanvasserRow:
    user: User
    turfs: int = 0
    doors: int = 0
    doors_visited: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    interviews: int = 0
    last_received: datetime | None = None

    @property
    def visits(self) -> int:
        return sum(self.outcomes.values())


@dataclass
class Coverage:
    places: list[PlaceRow]
    languages: list[LanguageRow]  # whole campaign, one row per language
    canvassers: list[CanvasserRow]
    total_responses: int
    total_population: int
    unplaced_responses: int

    @property
    def under_heard(self) -> list[tuple[PlaceRow, LanguageRow]]:
        """Neighbourhood and language pairs heard below their population share, most missing first."""
        cells = [(place, row) for place in self.places for row in place.languages.values() if row.under_heard]
        return sorted(cells, key=lambda cell: (-cell[1].missing, cell[0].geography.name, cell[1].language))


def _places(campaign: Campaign, turfs: list[Turf]) -> list[Geography]:
    scope = campaign.geography_scope
    if scope is not None and scope.children:
        return sorted(scope.children, key=lambda place: place.name)
    codes = {door.get("geography") for turf in turfs for door in turf.doors}
    parents = select(Geography.parent_id).where(Geography.parent_id.is_not(None))
    leaves = select(Geography).where(Geography.id.not_in(parents))
    return [place for place in db.session.scalars(leaves.order_by(Geography.name))
            if place.population or place.code in codes]


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def campaign_coverage(campaign: Campaign) -> Coverage:
    turfs = list(db.session.scalars(select(Turf).where(Turf.campaign_id == campaign.id)))
    places = {place.id: PlaceRow(place) for place in _places(campaign, turfs)}
    _count_doors(campaign, turfs, places)
    total_responses, unplaced = _count_responses(campaign, places)
    total_population = sum(row.population for row in places.values())
    languages = _share_out(list(places.values()), total_population, total_responses - unplaced)
    return Coverage(places=sorted(places.values(), key=lambda row: row.geography.name), languages=languages,
                    canvassers=_canvassers(campaign, turfs), total_responses=total_responses,
                    total_population=total_population, unplaced_responses=unplaced)


def _count_doors(campaign: Campaign, turfs: list[Turf], places: dict[int, PlaceRow]) -> None:
    """Each place's doors on the campaign's turfs, how many were visited, and the visits' outcomes."""
    by_code = {row.geography.code: row for row in places.values()}
    door_place = {(turf.id, door["id"]): by_code.get(door.get("geography")) for turf in turfs for door in turf.doors}
    for row in door_place.values():
        if row is not None:
            row.doors += 1
    # Visits: one aggregate row per door and outcome.
    visits = db.session.execute(
        select(Visit.turf_id, Visit.door_id, Visit.outcome, func.count())
        .join(Turf, Turf.id == Visit.turf_id).where(Turf.campaign_id == campaign.id)
        .group_by(Visit.turf_id, Visit.door_id, Visit.outcome)).all()
    visited: dict[int, set] = defaultdict(set)
    for turf_id, door_id, outcome, count in visits:
        row = door_place.get((turf_id, door_id))
        if row is not None:
            row.outcomes[outcome] = row.outcomes.get(outcome, 0) + count
            visited[row.geography.id].add((turf_id, door_id))
    for place_id, doors in visited.items():
        places[place_id].doors_visited = len(doors)


def _count_responses(campaign: Campaign, places: dict[int, PlaceRow]) -> tuple[int, int]:
    """Count the responses into their place and language by channel; return how many there are
    and how many came from no listed place."""
    counts = db.session.execute(
        select(Response.geography_id, Response.language, Response.channel, func.count())
        .join(Survey, Survey.id == Response.survey_id).where(Survey.campaign_id == campaign.id)
        .group_by(Response.geography_id, Response.language, Response.channel)).all()
    unplaced = 0
    for place_id, language, channel, count in counts:
        row = places.get(place_id)
        if row is None:
            unplaced += count
            continue
        row.count(channel, count)
        row.language(language).count(channel, count)
    return sum(count for *_, count in counts), unplaced


def _share_out(places: list[PlaceRow], total_population: int, placed_responses: int) -> list[LanguageRow]:
    """Give every place and language its shares (each place listing every language its census
    counts); return the campaign's rows by language, largest population first."""
    overall: dict[str, LanguageRow] = {}
    for row in places:
        for language in (row.geography.population_by_group or {}).get("language", {}):
            row.language(language)
        row.share_of(total_population, placed_responses)
        for cell in row.languages.values():
            cell.share_of(total_population, placed_responses)
            whole = overall.setdefault(cell.language, LanguageRow(cell.language, 0))
            whole.population += cell.population
            whole.online += cell.online
            whole.canvass += cell.canvass
        row.languages = dict(sorted(row.languages.items(), key=lambda item: -item[1].population))
    for whole in overall.values():
        whole.share_of(total_population, placed_responses)
    return sorted(overall.values(), key=lambda row: -row.population)


def _language_population(place: Geography, language: str) -> int:
    return int(((place.population_by_group or {}).get("language") or {}).get(language, 0))


def _canvassers(campaign: Campaign, turfs: list[Turf]) -> list[CanvasserRow]:
    rows: dict[int, CanvasserRow] = {}
    for turf in turfs:
        if turf.canvasser is None:
            continue
        row = rows.setdefault(turf.canvasser_id, CanvasserRow(turf.canvasser))
        row.turfs += 1
        row.doors += len(turf.doors)
    turf_ids = [turf.id for turf in turfs]
    if turf_ids:
        for user_id, outcome, count, last in db.session.execute(
                select(Visit.canvasser_id, Visit.outcome, func.count(), func.max(Visit.received_at))
                .where(Visit.turf_id.in_(turf_ids)).group_by(Visit.canvasser_id, Visit.outcome)):
            row = rows.get(user_id) or rows.setdefault(user_id, CanvasserRow(db.session.get(User, user_id)))
            row.outcomes[outcome] = count
            row.last_received = max(filter(None, [row.last_received, as_utc(last)]), default=None)
        distinct_doors = select(Visit.canvasser_id, Visit.turf_id, Visit.door_id).where(
            Visit.turf_id.in_(turf_ids)).distinct().subquery()
        for user_id, doors in db.session.execute(
                select(distinct_doors.c.canvasser_id, func.count()).group_by(distinct_doors.c.canvasser_id)):
            if user_id in rows:
                rows[user_id].doors_visited = doors
    for user_id, count, last in db.session.execute(
            select(Response.canvasser_id, func.count(), func.max(Response.received_at))
            .join(Survey, Survey.id == Response.survey_id)
            .where(Survey.campaign_id == campaign.id, Response.channel == "canvass",
                   Response.canvasser_id.is_not(None))
            .group_by(Response.canvasser_id)):
        row = rows.get(user_id) or rows.setdefault(user_id, CanvasserRow(db.session.get(User, user_id)))
        row.interviews = count
        row.last_received = max(filter(None, [row.last_received, as_utc(last)]), default=None)
    return sorted(rows.values(), key=lambda row: row.user.display_name)


__all__ = ["DOOR_OUTCOMES", "UNDER_HEARD", "Coverage", "campaign_coverage"]
