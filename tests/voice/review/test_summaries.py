"""The summary tables are kept up to date by the writers, never by a dashboard request."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, event, func, select

from voice.extensions import db
from voice.jobs import queue_job
from voice.models import Answer, Code, Response, ReviewCube, ReviewFact, ReviewFactState, Tag, VoiceItem
from voice.review import aggregates as agg, facts

Y2026 = agg.Period(2026)
WRITES = ("INSERT", "UPDATE", "DELETE")


def snapshot(campaign_id: int) -> tuple:
    """The summaries as a reader sees them: non-zero cube sums per cell, the fact rows, the options."""
    columns = [getattr(ReviewCube, name) for name in facts.CELL_COLUMNS]
    cube = {tuple(row[:-1]): row[-1] for row in db.session.execute(
        select(*columns, func.sum(ReviewCube.residents)).where(ReviewCube.campaign_id == campaign_id)
        .group_by(*columns)) if row[-1]}
    fact_rows = sorted((row.resident_key, row.code_id or 0, row.geography_id or 0, row.channel, row.item_id,
                        str(sorted(row.groups.items())))
                       for row in db.session.scalars(select(ReviewFact).where(ReviewFact.campaign_id == campaign_id)))
    state = db.session.get(ReviewFactState, campaign_id, populate_existing=True)
    return cube, fact_rows, state.options, sorted(state.code_sets)


def rebuilt(campaign_id: int) -> tuple:
    facts.rebuild(campaign_id)
    return snapshot(campaign_id)


def test_dashboard_requests_never_write(app, client, signed_in, town):
    signed_in("committee")
    writes = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(WRITES):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for path in ("/review/town?period=2026", "/review/town?period=2026&geography=T-N&language=he",
                     "/review/town?period=all&channel=online&group=role%3Dparent",
                     "/review/town/indicators?period=2026&indicator=kr",
                     "/review/town/indicators?period=2026&indicator=kr&shade=barrier.cost",
                     "/review/town/export?table=codes&format=csv&period=2026"):
            assert client.get(path).status_code == 200, path
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert writes == []


def test_a_tagging_run_is_in_the_summaries_when_it_commits(app, town):
    campaign_id = town["campaign"].id
    f = agg.Filters(campaign_id, Y2026)
    before = agg.code_counts(f)
    db.session.execute(delete(Tag).where(Tag.source == "rule"))  # as if the rules never ran
    db.session.commit()
    queue_job("nlp_run", campaign_id=campaign_id)  # tags "redacted he 0" etc. with the real pipeline
    db.session.expire_all()
    after = agg.code_counts(f)
    assert after != before or not after
    assert snapshot(campaign_id) == rebuilt(campaign_id)


def test_a_coders_rejection_is_counted_at_once(app, town):
    f = agg.Filters(town["campaign"].id, Y2026, geography_ids=(town["south"].id,))
    assert agg.code_counts(f)[town["cost"].id] == 5
    item = db.session.scalar(select(VoiceItem).join(Tag).where(VoiceItem.geography_id == town["south"].id,
                                                               Tag.code_id == town["cost"].id).limit(1))
    db.session.add(Tag(item_id=item.id, code_id=town["cost"].id, source="human", applies=False))
    db.session.commit()
    assert agg.code_counts(f)[town["cost"].id] == 4


def test_a_new_resident_is_counted_and_quoted(app, town):
    campaign_id = town["campaign"].id
    f = agg.Filters(campaign_id, agg.Period(2024))
    assert agg.population(f) == 0 and agg.periods(campaign_id)[-1] == agg.Period(2025)
    resident(town, datetime(2024, 5, 1, tzinfo=timezone.utc), [town["capacity"]], text="a late quote")
    assert agg.population(f) == 1 and agg.code_counts(f) == {town["capacity"].id: 1}
    assert agg.periods(campaign_id)[-1] == agg.Period(2024)  # the period filter offers the new year
    assert agg.quote_candidates(f, town["capacity"].id)[0][1] == "a late quote"


def test_the_rebuild_command_rebuilds_every_campaign(app, town):
    campaign_id = town["campaign"].id
    expected = snapshot(campaign_id)
    db.session.execute(delete(ReviewCube))  # lost behind the application's back
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["review", "rebuild"])
    assert result.exit_code == 0 and "town: summaries rebuilt" in result.output
    assert snapshot(campaign_id) == expected
    assert app.test_cli_runner().invoke(args=["review", "rebuild", "--campaign", "nowhere"]).exit_code != 0


def resident(town, when, codes, *, text="redacted text", place=None):
    """A new survey response with one answer item carrying these rule tags (committed)."""
    version = db.session.scalar(select(Response.survey_version_id).limit(1))
    survey = db.session.scalar(select(Response.survey_id).limit(1))
    place = place or town["north"]
    response = Response(uuid=uuid.uuid4(), survey_id=survey, content_hash="0" * 64, survey_version_id=version,
                        channel="canvass", language="am", geography_id=place.id,
                        groups={"language": "am", "role": "youth"}, consent=True)
    db.session.add(response)
    db.session.flush()
    answer = Answer(response_id=response.id, question="q0", value="raw")
    db.session.add(answer)
    db.session.flush()
    item = VoiceItem(campaign_id=town["campaign"].id, source="answer", source_id=answer.id, channel="canvass",
                     original_text="raw", language="am", redacted_text=text, geography_id=place.id,
                     groups={"language": "am", "role": "youth"}, created_at=when)
    db.session.add(item)
    db.session.flush()
    for code in codes:
        db.session.add(Tag(item_id=item.id, code_id=code.id, source="rule"))
    db.session.commit()
    return item


OPERATIONS = st.lists(st.tuples(st.sampled_from(["tag", "untag", "reject", "accept", "new"]),
                                st.integers(0, 40), st.integers(0, 2)), min_size=1, max_size=6)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_incremental_summaries_equal_a_full_rebuild(app, town, operations):
    """Random tagging, untagging, coder decisions and new residents, each committed on its own:
    the summaries kept up to date equal the ones rebuilt from scratch."""
    campaign_id = town["campaign"].id
    theme = db.session.scalar(select(Code).where(Code.key == "theme.early_learning"))
    codes = [town["cost"], town["capacity"], theme]
    item_ids = list(db.session.scalars(select(VoiceItem.id).where(VoiceItem.campaign_id == campaign_id)
                                       .order_by(VoiceItem.id)))
    for action, index, which in operations:
        item_id, code = item_ids[index % len(item_ids)], codes[which]
        if action == "new":
            when = datetime(2024 + which, 1 + 3 * (index % 4), 2, tzinfo=timezone.utc)
            item_ids.append(resident(town, when, codes[:which], place=town["south"]).id)
            continue
        source, applies = {"tag": ("rule", True), "reject": ("human", False), "accept": ("human", True)}.get(
            action, ("rule", None))
        db.session.execute(delete(Tag).where(Tag.item_id == item_id, Tag.code_id == code.id, Tag.source == source))
        if applies is not None:
            db.session.add(Tag(item_id=item_id, code_id=code.id, source=source, applies=applies))
        else:
            db.session.get(VoiceItem, item_id).tagged_at = datetime.now(timezone.utc)  # the run touched the item
        db.session.commit()
    assert snapshot(campaign_id) == rebuilt(campaign_id)
