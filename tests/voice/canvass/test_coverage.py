"""Coverage numbers on a hand-made dataset: doors, outcomes, responses by place, language
and channel against population, under-heard groups, per-canvasser progress."""
from __future__ import annotations

import uuid

from voice.canvass.coverage import campaign_coverage
from voice.extensions import db
from voice.models import Visit
from voice.intake.responses import store_response

from .field import DEFINITION


def answers(area: str) -> dict:
    return {"consent": "yes", "area": area, "role": "parent", "kids": "0", "hard": "x"}


def add_response(field, *, area, language, channel, canvasser=None):
    store_response(field.version, uuid=uuid.uuid4(), channel=channel, language=language, answers=answers(area),
                   consent=True, canvasser=canvasser)


def add_visit(field, door, outcome, canvasser, turf=None):
    db.session.add(Visit(uuid=uuid.uuid4(), turf_id=(turf or field.turf).id, door_id=door, outcome=outcome,
                         canvasser_id=canvasser.id))
    db.session.commit()


def test_coverage_numbers(field, users, canvasser2, client, signed_in):
    me = users["canvasser"]
    assert DEFINITION["languages"] == ["en", "he", "am"]
    # North (pop 2000: he 1200, am 800), South (pop 1000: en 1000); total 3000.
    for _ in range(6):
        add_response(field, area="N1", language="he", channel="online")
    add_response(field, area="N1", language="he", channel="canvass", canvasser=me)
    add_response(field, area="N1", language="am", channel="canvass", canvasser=me)
    for _ in range(2):
        add_response(field, area="S1", language="en", channel="online")
    add_visit(field, "n-1", "not_home", me)
    add_visit(field, "n-1", "completed", me)
    add_visit(field, "n-2", "completed", me)
    add_visit(field, "s-1", "refused", me)
    add_visit(field, "s-2", "moved", canvasser2, turf=field.other_turf)

    report = campaign_coverage(field.campaign)
    places = {row.geography.code: row for row in report.places}
    assert set(places) == {"N1", "S1"}
    north, south = places["N1"], places["S1"]
    assert (north.doors, north.doors_visited, north.outcomes) == (3, 2, {"not_home": 1, "completed": 2})
    assert (south.doors, south.doors_visited, south.outcomes) == (2, 2, {"refused": 1, "moved": 1})
    assert (north.online, north.canvass, south.online, south.canvass) == (6, 2, 2, 0)
    assert report.total_responses == 10 and report.total_population == 3000
    assert north.per_thousand == 4.0
    # Amharic speakers in North: 800/3000 = 26.7 % of the population, 1/10 of responses.
    am = north.languages["am"]
    assert (am.population, am.responses, am.canvass) == (800, 1, 1)
    assert round(am.ratio, 3) == round(0.1 / (800 / 3000), 3) and am.under_heard
    assert am.missing == round(10 * 800 / 3000 - 1)  # 2
    he = north.languages["he"]
    assert he.responses == 7 and not he.under_heard  # 0.7 vs 0.4
    en = south.languages["en"]
    assert en.responses == 2 and en.under_heard  # 0.2 vs 0.333 = 0.6
    assert [(place.geography.code, row.language) for place, row in report.under_heard] == [("N1", "am"), ("S1", "en")]
    assert {row.language: row.responses for row in report.languages} == {"he": 7, "am": 1, "en": 2}
    progress = {row.user.email: row for row in report.canvassers}
    mine = progress["canvasser@example.org"]
    assert (mine.turfs, mine.doors, mine.doors_visited, mine.visits, mine.interviews) == (1, 4, 3, 4, 2)
    assert progress["canvasser2@example.org"].visits == 1

    signed_in("analyst")
    page = client.get("/canvass/coverage?campaign=doors")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-place="N1" data-language="am"' in html and "under-heard" in html
