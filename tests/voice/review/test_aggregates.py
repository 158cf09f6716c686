"""The committee's figures against values computed by hand (see the ``town`` fixture)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from voice.extensions import db
from voice.jobs import queue_job
from voice.models import ALL_GROUPS, Code, Geography, IndicatorValue, ReviewFactState
from voice.review import aggregates as agg
from voice.review.facts import fingerprint
from voice.review.indicator_view import joined_view
from voice.review.privacy import TOTAL
from voice.review.themes import dashboard

Y2026, Y2025 = agg.Period(2026), agg.Period(2025)


def test_periods():
    assert agg.Period.parse("2025-Q4").start.month == 10 and agg.Period.parse("2025-Q4").end.year == 2026
    assert agg.Period.parse("2026-Q1").previous() == agg.Period(2025, 4)
    assert agg.Period.parse("2026").previous() == Y2025 and agg.Period.parse("26") is None


def test_residents_are_responses_and_comments_counted_once(town):
    f = agg.Filters(town["campaign"].id, Y2026)
    # North: 10 he + 2 am + 1 whose tag was rejected = 13; South: 8 + 1 comment = 9.
    assert agg.population(f) == 22
    assert agg.population(agg.Filters(town["campaign"].id, Y2025)) == 10
    assert agg.population(agg.Filters(town["campaign"].id)) == 32


def test_code_counts_respect_human_rejections(town):
    counts = agg.code_counts(agg.Filters(town["campaign"].id, Y2026))
    # cost: North 5 he (one of them twice) + 2 am = 7, South 5 -> 12; the rejected item does not count.
    assert counts[town["cost"].id] == 12
    assert counts[town["capacity"].id] == 4  # 3 South residents + the comment


def test_filters_by_geography_language_channel_and_group(town):
    cid = town["campaign"].id
    north = agg.Filters(cid, Y2026, geography_ids=agg.geography_ids_under(town["north"]))
    assert agg.population(north) == 13 and agg.code_counts(north)[town["cost"].id] == 7
    city = agg.Filters(cid, Y2026, geography_ids=agg.geography_ids_under(town["city"]))
    assert agg.population(city) == 22
    assert agg.population(agg.Filters(cid, Y2026, language="am")) == 2
    assert agg.population(agg.Filters(cid, Y2026, channel="forum")) == 1
    residents = agg.Filters(cid, Y2026, group_key="role", group_value="resident")
    assert agg.population(residents) == 8 and agg.code_counts(residents)[town["cost"].id] == 5


def test_grid_by_geography_and_language(town):
    grid = agg.grid(agg.Filters(town["campaign"].id, Y2026), "geography", "language", [town["cost"].id])
    north, south = town["north"].id, town["south"].id
    assert (grid.cells[north, "he"].count, grid.cells[north, "he"].hits) == (11, 5)
    assert (grid.cells[north, "am"].count, grid.cells[north, "am"].hits) == (2, 2)
    assert (grid.cells[south, "he"].count, grid.cells[south, "he"].hits) == (9, 5)
    assert (grid.cells[north, TOTAL].count, grid.cells[TOTAL, "he"].count) == (13, 20)
    assert (grid.cells[TOTAL, TOTAL].count, grid.cells[TOTAL, TOTAL].hits) == (22, 12)


def test_dashboard_shares_change_and_suppression(app, town):
    with app.test_request_context("/?lang=en"):
        view = dashboard(town["campaign"], agg.Filters(town["campaign"].id, Y2026), "en")
        cost = next(row for row in view["barriers"] if row["key"] == "barrier.cost")
        assert (cost["cell"].hits, cost["cell"].count) == (12, 22)
        # 2025 had 2 of 10 raising cost: hidden (fewer than 5), so no change is shown.
        assert cost["previous"].hidden and cost["change"] is None
        capacity = next(row for row in view["barriers"] if row["key"] == "barrier.capacity")
        assert capacity["cell"].hidden  # 4 residents
        assert all(quote["text"].startswith("redacted") for quote in cost["quotes"])
        assert not capacity["quotes"]
        # Amharic speakers: 2 residents, the whole breakdown is hidden.
        am = dashboard(town["campaign"], agg.Filters(town["campaign"].id, Y2026, language="am"), "en")
        assert am["residents"].hidden and all(row["cell"].hidden for row in am["barriers"])
        # Hebrew speakers: 20 residents, but Amharic speakers are only 2, so "all minus Hebrew"
        # would reveal them: the Hebrew view is hidden too (cross-filter protection).
        he = dashboard(town["campaign"], agg.Filters(town["campaign"].id, Y2026, language="he"), "en")
        assert he["residents"].hidden


def test_joined_view(app, town):
    with app.test_request_context("/?lang=he"):
        view = joined_view(town["campaign"], agg.Filters(town["campaign"].id, Y2026), town["indicator"], "he")
    assert view["period"] == "2026" and view["periods"] == ["2025", "2026"]
    rows = {row["geography"].code: row for row in view["rows"]}
    assert rows["T-N"]["label"] == "צפון" and rows["T-N"]["value"] == 62.0 and rows["T-S"]["value"] == 72.0
    assert rows["T-N"]["groups"]["am"] is None  # 3 children measured: hidden
    assert rows["T-N"]["groups"]["he"] is None  # ... and its partner in the row, else 62 vs 67 would give it away
    # ... and South's Amharic value too, since the column's total would give North's away, and
    # then South's Hebrew one (its row partner): a 2 x 2 table with one small cell hides all four.
    assert rows["T-S"]["groups"] == {"am": None, "he": None} and rows["T-S"]["gap"] is None
    assert rows["T-N"]["trend"] == [60.0, 62.0]
    # Residents raising the linked codes: North 7 of 13, South 9 of 9 (5 cost + 3 capacity + comment).
    # South is hidden (9 of 9: "nobody did not" is a complement of 0), so North is hidden as
    # well, or the total would give South away.
    assert rows["T-S"]["residents"].hidden and rows["T-N"]["residents"].hidden
    total = view["residents"].cells[TOTAL, TOTAL]
    assert (total.count, total.hits, total.hidden) == (22, 16, False)
    # Linked barriers alone (cost, capacity are both barriers): same figures, so no quadrant
    # point can be shown; the average of the places' indicator values is still 67.
    assert view["points"] == [] and view["reference"] == 67.0


def test_code_set_not_linked_to_any_indicator_is_counted_on_demand(town):
    f = agg.Filters(town["campaign"].id, Y2026)
    theme = db.session.scalar(select(Code).where(Code.key == "theme.early_learning"))
    unlinked = [town["cost"].id, theme.id]  # no indicator links these two: the cube counts them when asked
    agg.population(f)  # the summaries are built, with the indicator's code sets only
    before = list(db.session.get(ReviewFactState, town["campaign"].id).code_sets)
    grid = agg.grid(f, "geography", None, unlinked)
    assert agg.code_key(unlinked) in db.session.get(ReviewFactState, town["campaign"].id).code_sets
    assert agg.code_key(unlinked) not in before  # it was not there before
    # Nobody raised early learning, so the set counts the cost raisers: North 7, South 5.
    assert grid.cells[town["north"].id, TOTAL].hits == 7 and grid.cells[TOTAL, TOTAL].hits == 12


def test_cube_splits_by_one_group_key_at_a_time(town):
    f = agg.Filters(town["campaign"].id, Y2026, group_key="role", group_value="parent")
    assert agg.population(f) == 13  # North's 13 (South's are "resident"; the comment gives no role)
    with pytest.raises(ValueError):
        agg.tally(f, ["age_band"])


def test_a_tagging_run_rebuilds_the_summaries(app, town):
    campaign_id = town["campaign"].id
    agg.population(agg.Filters(campaign_id, Y2026))  # built once
    before = db.session.get(ReviewFactState, campaign_id).fingerprint
    queue_job("nlp_run", campaign_id=campaign_id)  # the town's items were never tagged by the pipeline
    db.session.expire_all()
    assert db.session.get(ReviewFactState, campaign_id).fingerprint not in (before, None)
    assert db.session.get(ReviewFactState, campaign_id).fingerprint == fingerprint(campaign_id)


@pytest.mark.parametrize("period", [Y2026, agg.Period(2026, 1), None])
def test_dashboard_lifted_figures_match_the_directly_filtered_ones(app, town, period):
    """The dashboard reads every filter combination off one lifted query: its figures must be
    those of the population filtered directly (where shown), this period and the previous."""
    cid = town["campaign"].id
    with app.test_request_context("/?lang=en"):
        for geography in (None, town["north"], town["south"], town["city"]):
            for language in (None, "he", "am"):
                for group in (None, ("role", "parent"), ("role", "resident")):
                    f = agg.Filters(cid, period, agg.geography_ids_under(geography) if geography else None, language,
                                    None, *(group or (None, None)))
                    view = dashboard(town["campaign"], f, "en", geography=geography, quotes=False)
                    assert view["residents"].count == agg.population(f)
                    direct = agg.code_counts(f)
                    for row in view["themes"] + view["barriers"]:
                        assert row["cell"].hits == direct.get(row["code"].id, 0)
                        if period is not None and row["previous"] is not None:
                            assert row["previous"].hits == agg.code_counts(f.in_period(period.previous())).get(
                                row["code"].id, 0)


def test_a_place_where_nobody_answered_cannot_be_worked_out_as_zero(app, town):
    """East has nobody. Its figures read "fewer than 5"; had North's 13 and South's 9 both
    been shown beside the town's 22, East would be exactly 0: so one of them is hidden too,
    on the dashboard (each place's own view) and in the joined view (a row per place)."""
    east = Geography(code="T-E", name="East", level="neighbourhood", parent=town["city"])
    db.session.add(east)
    db.session.flush()
    db.session.add(IndicatorValue(indicator_id=town["indicator"].id, geography_id=east.id, period="2026",
                                  group_key=ALL_GROUPS, group_value=ALL_GROUPS, value=65.0, denominator=100))
    db.session.commit()
    cid = town["campaign"].id
    with app.test_request_context("/?lang=en"):
        def shown(place):
            f = agg.Filters(cid, Y2026, agg.geography_ids_under(place) if place else None)
            view = dashboard(town["campaign"], f, "en", geography=place, quotes=False)
            return None if view["residents"].hidden else view["residents"].count

        assert shown(None) == 22 and shown(east) is None
        assert [shown(town["north"]), shown(town["south"])].count(None) >= 1
        joined = joined_view(town["campaign"], agg.Filters(cid, Y2026), town["indicator"], "en")
    rows = {row["geography"].code: row["residents"] for row in joined["rows"]}
    assert rows["T-E"].hidden and rows["T-E"].count == 0
    assert [rows["T-N"].hidden, rows["T-S"].hidden].count(True) >= 1


def test_a_household_whose_members_each_raise_a_code_is_one_resident(town):
    """Each member's open answer is its own item (a roster's instances); the household counts once."""
    import uuid

    from voice.intake.responses import SurveyDefinition, flat_answers, store_response
    from voice.models import Survey, SurveyVersion, Tag, VoiceItem

    from .conftest import SPRING

    roster = {"format": 1, "form_id": "roster", "version": "1", "title": {"he": "משק בית"}, "default_language": "he",
              "languages": ["he"], "choice_lists": {},
              "items": [{"kind": "group", "name": "members", "label": {"he": "בן/בת בית"}, "relevant": None,
                         "appearance": None, "repeat": True,
                         "children": [{"kind": "question", "name": "worry", "type": "text", "label": {"he": "דאגה?"}}]}]}
    survey = db.session.scalar(select(Survey).where(Survey.campaign_id == town["campaign"].id))
    version = SurveyVersion(survey=survey, number=2, definition=roster)
    db.session.add(version)
    db.session.commit()
    f = agg.Filters(town["campaign"].id, Y2026)
    population, cost = agg.population(f), agg.code_counts(f)[town["cost"].id]
    answers = flat_answers(SurveyDefinition.from_dict(roster), {"members": [{"worry": "שכר דירה"}, {"worry": "מחיר"},
                                                                            {"worry": "חשבונות"}]})
    store_response(version, uuid=uuid.uuid4(), channel="canvass", language="he", answers=answers, consent=True)
    items = [item for item in db.session.scalars(select(VoiceItem))
             if item.original_text in ("שכר דירה", "מחיר", "חשבונות")]
    for item in items:
        item.created_at = SPRING
        db.session.add(Tag(item_id=item.id, code_id=town["cost"].id, source="rule"))
    db.session.commit()
    assert agg.population(f) == population + 1 and agg.code_counts(f)[town["cost"].id] == cost + 1
