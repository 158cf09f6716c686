"""Listening sessions through the test client: create, tallies, quick comments, imports, tags, access."""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import docx
import pytest
from sqlalchemy import func, select

from voice.extensions import db
from voice.models import AuditEvent, Campaign, Code, Comment, Geography, Job, ListeningSession, Tag, VoiceItem

from ...helpers import post_form


@pytest.fixture
def campaign(app):
    campaign = Campaign(slug="north", name="North listens", languages=["en", "he"], group_keys=["role", "age_band"])
    db.session.add(campaign)
    db.session.commit()
    return campaign


def make_session(campaign, facilitator, title="Kitchen table", **extra) -> ListeningSession:
    session = ListeningSession(campaign_id=campaign.id, kind="house_party", title=title,
                               held_at=datetime(2026, 3, 5, 19, 0, tzinfo=timezone.utc), languages=["en", "he"],
                               facilitator_id=facilitator.id, tallies={}, priorities=[], **extra)
    db.session.add(session)
    db.session.commit()
    return session


@pytest.fixture
def own_session(campaign, users):
    return make_session(campaign, users["facilitator"])


def counts():
    return (db.session.scalar(select(func.count(Comment.id))), db.session.scalar(select(func.count(VoiceItem.id))))


def session_form(**overrides):
    data = {"title": "Parents at the Levi home", "kind": "house_party", "held_on": "2026-03-05",
            "held_time": "19:30", "place": "Levi home", "geography": "", "languages": ["he", "en"],
            "partner_organisation": "Neve Tikva Parents", "attendance": "12",
            "tally-role-parent": "9", "tally-role-provider": "2", "tally-role-extra": "grandparent: 1",
            "priorities-0-text": "Safe crossing by the school", "priorities-0-votes": "8",
            "priorities-0-codes": "", "priorities-1-text": "Longer library hours", "priorities-1-votes": "11"}
    data.update(overrides)
    return data


# --- Creating and editing -------------------------------------------------------------------


def test_facilitator_creates_a_session_with_tallies_and_priorities(client, signed_in, campaign):
    facilitator = signed_in("facilitator")
    response = post_form(client, "/sessions/new?campaign=north", session_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    session = db.session.scalar(select(ListeningSession))
    assert session.facilitator_id == facilitator.id
    assert session.held_at.replace(tzinfo=timezone.utc) == datetime(2026, 3, 5, 19, 30, tzinfo=timezone.utc)
    assert session.languages == ["he", "en"]
    assert session.tallies == {"role": {"parent": 9, "provider": 2, "grandparent": 1}}
    assert [p["text"] for p in session.priorities] == ["Longer library hours", "Safe crossing by the school"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "session.create")).actor_id == facilitator.id


@pytest.mark.parametrize("day, utc_hour", [("2026-01-15", 17), ("2026-07-15", 16)])  # winter, summer time
def test_a_session_is_typed_and_shown_in_the_campaigns_time_zone(client, signed_in, campaign, day, utc_hour):
    campaign.time_zone = "Asia/Jerusalem"
    db.session.commit()
    signed_in("facilitator")
    response = post_form(client, "/sessions/new?campaign=north", session_form(held_on=day, held_time="19:00"))
    assert response.status_code == 302, response.get_data(as_text=True)
    session = db.session.scalar(select(ListeningSession))
    stored = session.held_at.replace(tzinfo=timezone.utc) if session.held_at.tzinfo is None else session.held_at
    assert stored.astimezone(timezone.utc).hour == utc_hour
    zone = "IST" if day.endswith("01-15") else "IDT"
    for page in (client.get("/sessions/").get_data(as_text=True),
                 client.get(f"/sessions/{session.id}").get_data(as_text=True)):
        assert f"7:00\u202fPM {zone}" in page or f"7:00 PM {zone}" in page
    edit = client.get(f"/sessions/{session.id}/edit").get_data(as_text=True)
    assert 'value="19:00"' in edit and "Asia/Jerusalem" in edit


def test_tallies_must_add_up_to_the_attendance(client, signed_in, campaign):
    signed_in("facilitator")
    response = post_form(client, "/sessions/new?campaign=north", session_form(attendance="15"))
    assert response.status_code == 200
    assert "add up to 12, but the attendance is 15" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ListeningSession.id))) == 0


def test_tallies_must_be_whole_numbers(client, signed_in, campaign):
    signed_in("facilitator")
    response = post_form(client, "/sessions/new?campaign=north", session_form(**{"tally-role-extra": "lots"}))
    assert "Counts must be whole numbers" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ListeningSession.id))) == 0


def test_form_fields_carry_only_aria_attributes_that_mean_something(client, signed_in, campaign):
    signed_in("facilitator")
    page = client.get("/sessions/new?campaign=north").get_data(as_text=True)
    assert '="None"' not in page and "aria-invalid" not in page
    refused = post_form(client, "/sessions/new?campaign=north", session_form(title="")).get_data(as_text=True)
    assert '="None"' not in refused
    # The field in error says so and points at its message, which exists on the page.
    field = re.search(r'<input[^>]*aria-invalid="true"[^>]*>', refused).group(0)
    described = re.search(r'aria-describedby="([^"]+)"', field).group(1)
    assert all(f'id="{ident}"' in refused for ident in described.split())


def test_tally_error_is_translated(client, signed_in, campaign, users):
    users["facilitator"].locale = "he"
    db.session.commit()
    signed_in("facilitator")
    response = post_form(client, "/sessions/new?campaign=north&lang=he", session_form(attendance="15"))
    page = response.get_data(as_text=True)
    assert 'dir="rtl"' in page and "tally-role-error" in page


def test_priority_codes_must_be_in_the_codebook(client, signed_in, campaign):
    db.session.add(Code(key="barrier.cost", kind="barrier", labels={"en": "Cost"}))
    db.session.commit()
    signed_in("facilitator")
    response = post_form(client, "/sessions/new?campaign=north", session_form(**{"priorities-0-codes": "barrier.nope"}))
    assert "not in the codebook: barrier.nope" in response.get_data(as_text=True)
    response = post_form(client, "/sessions/new?campaign=north", session_form(**{"priorities-0-codes": "barrier.cost"}))
    assert response.status_code == 302
    assert db.session.scalar(select(ListeningSession)).priorities[1]["codes"] == ["barrier.cost"]


def test_facilitator_cannot_hand_a_session_to_someone_else(client, signed_in, campaign, users):
    facilitator = signed_in("facilitator")
    post_form(client, "/sessions/new?campaign=north", session_form(facilitator=str(users["analyst"].id)))
    assert db.session.scalar(select(ListeningSession)).facilitator_id == facilitator.id


def test_analyst_assigns_the_facilitator_and_edits(client, signed_in, campaign, users):
    signed_in("analyst")
    post_form(client, "/sessions/new?campaign=north", session_form(facilitator=str(users["facilitator"].id)))
    session = db.session.scalar(select(ListeningSession))
    assert session.facilitator_id == users["facilitator"].id
    response = post_form(client, f"/sessions/{session.id}/edit",
                         session_form(kind="forum", facilitator=str(users["facilitator"].id)))
    assert response.status_code == 302
    db.session.refresh(session)
    assert session.kind == "forum"


def test_editing_the_kind_and_area_moves_the_voice_items_along(client, signed_in, own_session, users):
    signed_in("facilitator")
    post_form(client, f"/sessions/{own_session.id}/comments", {"text": "Too far", "language": "en"},
              token_from=f"/sessions/{own_session.id}")
    post_form(client, f"/sessions/{own_session.id}/edit",
              session_form(kind="town_hall", **{"tally-role-parent": "", "tally-role-provider": "",
                                                "tally-role-extra": ""}))
    assert db.session.scalar(select(VoiceItem)).channel == "town_hall"


# --- Quick comment entry --------------------------------------------------------------------


def test_a_comment_becomes_a_comment_and_a_voice_item(client, signed_in, own_session):
    facilitator = signed_in("facilitator")
    response = post_form(client, f"/sessions/{own_session.id}/comments",
                         {"text": "  The bus stops at eight.\nNight shifts walk.  ", "speaker_role": "parent",
                          "language": "en"})
    assert response.status_code == 302
    comment = db.session.scalar(select(Comment))
    assert (comment.text, comment.speaker_role, comment.position) == (
        "The bus stops at eight.\nNight shifts walk.", "parent", 1)
    item = db.session.scalar(select(VoiceItem))
    assert (item.source, item.source_id, item.channel, item.groups) == (
        "comment", comment.id, "house_party", {"language": "en", "role": "parent"})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "comment.create"))
    assert event.actor_id == facilitator.id and event.details["voice_item_id"] == item.id


def test_role_prefix_sets_the_role_and_json_answers_for_the_script(client, signed_in, own_session):
    signed_in("facilitator")
    response = post_form(client, f"/sessions/{own_session.id}/comments",
                         {"text": "Provider: our waitlist is forty children", "language": "en"},
                         headers={"Accept": "application/json"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == 1 and "our waitlist is forty children" in body["html"]
    comment = db.session.scalar(select(Comment))
    assert (comment.speaker_role, comment.text) == ("provider", "our waitlist is forty children")


def test_an_empty_comment_stores_nothing(client, signed_in, own_session):
    signed_in("facilitator")
    response = post_form(client, f"/sessions/{own_session.id}/comments", {"text": "   ", "language": "en"},
                         headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["errors"]
    assert counts() == (0, 0)


def test_a_quick_comment_keeps_no_speaker_name(client, signed_in, own_session):
    """The page promises that speaker names are never kept: typed ones go as imported ones do."""
    signed_in("facilitator")
    for typed in ("Maria: the park has no shade", "Parent: the park has no shade"):
        post_form(client, f"/sessions/{own_session.id}/comments", {"text": typed, "language": "en"})
    stored = [(comment.speaker_role, comment.text) for comment in db.session.scalars(select(Comment).order_by(Comment.id))]
    assert stored == [(None, "the park has no shade"), ("parent", "the park has no shade")]


def test_the_session_page_previews_the_redaction(client, signed_in, own_session):
    signed_in("facilitator")
    post_form(client, f"/sessions/{own_session.id}/comments",
              {"text": "My name is Dana, call me at 050-123-4567 about the clinic", "language": "en"})
    page = client.get(f"/sessions/{own_session.id}").get_data(as_text=True)
    assert "The committee will read:" in page and "[PHONE]" in page and "[NAME]" in page


# --- Imports --------------------------------------------------------------------------------


def import_notes(client, session, **data):
    return post_form(client, f"/sessions/{session.id}/import", {"format": "auto", "language": "en", **data},
                     content_type="multipart/form-data")


def review_form(comments: list[tuple[str, str, str, bool]], source="text") -> dict:
    data = {"count": str(len(comments)), "source": source}
    for i, (text, role, language, keep) in enumerate(comments):
        data.update({f"text-{i}": text, f"role-{i}": role, f"language-{i}": language, f"line-{i}": str(i + 1)})
        if keep:
            data[f"keep-{i}"] = "1"
    return data


def test_pasted_transcript_is_reviewed_then_saved(client, signed_in, own_session):
    facilitator = signed_in("facilitator")
    transcript = ("Miriam: The clinic is too far, call me on 052-555-1234.\n"
                  "Parent: Childcare costs more than rent.\n[Provider] We have a waitlist.\n")
    response = import_notes(client, own_session, pasted=transcript)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Review comments" in page
    assert "Miriam" not in page  # the speaker's name is gone; the number is flagged for redaction
    assert "[PHONE]" in page
    assert counts() == (0, 0)  # nothing stored before the review is saved
    response = post_form(client, f"/sessions/{own_session.id}/import/save",
                         review_form([("The clinic is too far.", "", "en", True),
                                      ("Childcare costs more than rent.", "parent", "en", True),
                                      ("We have a waitlist.", "provider", "en", False)], source="transcript"),
                         token_from=f"/sessions/{own_session.id}/import")
    assert response.status_code == 302
    comments = db.session.scalars(select(Comment).order_by(Comment.position)).all()
    assert [(c.text, c.speaker_role) for c in comments] == [("The clinic is too far.", None),
                                                            ("Childcare costs more than rent.", "parent")]
    assert counts() == (2, 2)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "comment.import"))
    assert event.actor_id == facilitator.id and event.details["count"] == 2


def test_plain_text_upload(client, signed_in, own_session):
    signed_in("facilitator")
    response = import_notes(client, own_session,
                            upload=(io.BytesIO("- Rent is high\n- No shade in the park\n".encode()), "notes.txt"))
    page = response.get_data(as_text=True)
    assert "Rent is high" in page and "No shade in the park" in page and 'name="count" value="2"' in page


def test_csv_upload(client, signed_in, own_session):
    signed_in("facilitator")
    data = "text,speaker_role,language\nאין מקום בגן,parent,he\nToo expensive,,en\n".encode()
    response = import_notes(client, own_session, upload=(io.BytesIO(data), "notes.csv"))
    page = response.get_data(as_text=True)
    assert "אין מקום בגן" in page and 'name="count" value="2"' in page


def test_semicolon_csv_upload_from_excel(client, signed_in, own_session):
    signed_in("facilitator")
    data = "text;language\nLa crèche coûte trop cher;en\nPas de bus, le soir;en\n".encode("cp1252")
    page = import_notes(client, own_session, upload=(io.BytesIO(data), "notes.csv")).get_data(as_text=True)
    assert "La crèche coûte trop cher" in page and "Pas de bus, le soir" in page and 'name="count" value="2"' in page


def test_docx_upload(client, signed_in, own_session):
    signed_in("facilitator")
    document = docx.Document()
    document.add_paragraph("Nowhere for teenagers to go.")
    document.add_paragraph("The clinic closes at four.")
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    page = import_notes(client, own_session, upload=(buffer, "notes.docx")).get_data(as_text=True)
    assert "Nowhere for teenagers to go." in page and 'name="count" value="2"' in page


@pytest.mark.parametrize("filename, data, message", [
    ("notes.txt", b"fine\ncaf\xe9 au lait\n", "Line 2: the file is not UTF-8 text"),
    ("notes.docx", b"PK\x03\x04broken", "The Word document cannot be opened"),
    ("notes.csv", b"text,who\nhello,parent\n", "Line 1: unknown columns who"),
    ("notes.csv", b"text,speaker_role\nhello,parent\n,youth\n", "Line 3: the text is empty."),
])
def test_malformed_files_get_a_line_report_and_store_nothing(client, signed_in, own_session, filename, data, message):
    signed_in("facilitator")
    post_form(client, f"/sessions/{own_session.id}/comments", {"text": "Already stored", "language": "en"})
    response = import_notes(client, own_session, upload=(io.BytesIO(data), filename))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was saved" in page and message in page
    assert counts() == (1, 1)  # what was stored before is untouched, nothing added


def test_malformed_report_is_translated(client, signed_in, own_session):
    signed_in("facilitator")
    response = post_form(client, f"/sessions/{own_session.id}/import?lang=he",
                         {"format": "csv", "language": "en", "pasted": "who\nhello\n"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'dir="rtl"' in page
    assert "שורה 1: השורה הראשונה צריכה לכלול את שמות העמודות" in page


def test_review_with_a_bad_item_saves_nothing(client, signed_in, own_session):
    signed_in("facilitator")
    response = post_form(client, f"/sessions/{own_session.id}/import/save",
                         review_form([("Good one", "", "en", True), ("", "", "en", True),
                                      ("Dropped and empty is fine", "", "en", False)]),
                         token_from=f"/sessions/{own_session.id}/import")
    assert response.status_code == 422
    assert "Line 2: the text is empty." in response.get_data(as_text=True)
    assert counts() == (0, 0)


def test_review_refuses_roles_and_languages_from_outside(client, signed_in, own_session):
    signed_in("facilitator")
    response = post_form(client, f"/sessions/{own_session.id}/import/save",
                         review_form([("Good", "landlord", "en", True), ("Bon", "", "fr", True)]),
                         token_from=f"/sessions/{own_session.id}/import")
    assert response.status_code == 422 and counts() == (0, 0)


# --- Tags -----------------------------------------------------------------------------------


@pytest.fixture
def tagged(client, signed_in, own_session):
    # A codebook of two codes without keywords: the comment's own tagging job adds no tag.
    cost = Code(key="barrier.cost", kind="barrier", labels={"en": "Cost", "he": "עלות"})
    transport = Code(key="theme.transport", kind="theme", labels={"en": "Transport"})
    db.session.add_all([cost, transport])
    db.session.commit()
    signed_in("facilitator")
    post_form(client, f"/sessions/{own_session.id}/comments", {"text": "Daycare is too expensive", "language": "en"})
    item = db.session.scalar(select(VoiceItem))
    db.session.add(Tag(item_id=item.id, code_id=transport.id, source="rule", confidence=0.6))
    db.session.commit()
    return item, cost, transport


def test_facilitator_adds_a_code_and_rejects_a_machine_tag(client, own_session, tagged, users):
    item, cost, transport = tagged
    comment = db.session.scalar(select(Comment))
    url = f"/sessions/{own_session.id}/comments/{comment.id}/tags"
    assert "Transport" in client.get(f"/sessions/{own_session.id}").get_data(as_text=True)
    assert post_form(client, url, {"code": str(cost.id), "applies": "1"},
                     token_from=f"/sessions/{own_session.id}").status_code == 302
    post_form(client, url, {"code": str(transport.id), "applies": "0"}, token_from=f"/sessions/{own_session.id}")
    human = {t.code.key: t.applies for t in db.session.scalars(select(Tag).where(Tag.source == "human"))}
    assert human == {"barrier.cost": True, "theme.transport": False}
    assert all(t.coder_id == users["facilitator"].id for t in db.session.scalars(select(Tag).where(Tag.source == "human")))
    # The machine tag is kept (for evaluation) but the human rejection outranks it on the page.
    assert db.session.scalar(select(func.count(Tag.id)).where(Tag.source == "rule")) == 1
    page = client.get(f"/sessions/{own_session.id}").get_data(as_text=True)
    assert "<del>Transport</del>" in page and "tag-human" in page
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "tag.correct")) == 2


def test_changing_a_decision_updates_the_one_human_tag(client, own_session, tagged):
    item, cost, _transport = tagged
    comment = db.session.scalar(select(Comment))
    url = f"/sessions/{own_session.id}/comments/{comment.id}/tags"
    for applies in ("1", "0"):
        post_form(client, url, {"code": str(cost.id), "applies": applies}, token_from=f"/sessions/{own_session.id}")
    tags = db.session.scalars(select(Tag).where(Tag.source == "human")).all()
    assert [(t.code_id, t.applies) for t in tags] == [(cost.id, False)]


# --- Access ---------------------------------------------------------------------------------


def test_facilitators_see_only_their_own_sessions(client, signed_in, campaign, users, own_session):
    from voice.accounts import create_user
    other = create_user(email="other@example.org", password="x" * 20, display_name="Other", role="facilitator")
    theirs = make_session(campaign, other, title="Someone else's forum")
    signed_in("facilitator")
    listing = client.get("/sessions/").get_data(as_text=True)
    assert "Kitchen table" in listing and "Someone else" not in listing
    assert client.get(f"/sessions/{theirs.id}").status_code == 404
    assert post_form(client, f"/sessions/{theirs.id}/comments", {"text": "x", "language": "en"},
                     token_from=f"/sessions/{own_session.id}").status_code == 404
    assert client.get(f"/sessions/{theirs.id}/edit").status_code == 404
    assert client.get(f"/sessions/{theirs.id}/import").status_code == 404


def test_analysts_see_all_sessions_and_filter(client, signed_in, campaign, users, own_session):
    from voice.accounts import create_user
    other = create_user(email="other@example.org", password="x" * 20, display_name="Other", role="facilitator")
    forum = make_session(campaign, other, title="Youth forum")
    forum.kind, forum.languages = "youth", ["am"]
    forum.held_at = datetime(2026, 4, 1, 17, 0, tzinfo=timezone.utc)
    db.session.commit()
    signed_in("analyst")
    page = client.get("/sessions/").get_data(as_text=True)
    assert "Kitchen table" in page and "Youth forum" in page
    for query, shown in [("kind=youth", "Youth forum"), ("language=he", "Kitchen table"),
                         ("held_from=2026-03-31", "Youth forum"), ("held_to=2026-03-05", "Kitchen table"),
                         (f"facilitator={users['facilitator'].id}", "Kitchen table")]:
        page = client.get(f"/sessions/?{query}").get_data(as_text=True)
        hidden = {"Youth forum", "Kitchen table"} - {shown}
        assert shown in page and not any(title in page for title in hidden), query


def test_committee_never_sees_raw_comments(client, signed_in, own_session):
    signed_in("committee")
    for path in ("/sessions/", f"/sessions/{own_session.id}", f"/sessions/{own_session.id}/import"):
        assert client.get(path).status_code == 403


# --- Machine tags at once -------------------------------------------------------------------


def _machine_codes(comment: Comment) -> set[str]:
    item = db.session.scalar(select(VoiceItem).where(VoiceItem.source == "comment", VoiceItem.source_id == comment.id))
    return {tag.code.key for tag in item.tags if tag.source in ("rule", "model") and tag.applies}


def test_a_saved_comment_is_tagged_by_its_own_job_and_the_answer_shows_its_codes(client, signed_in, own_session):
    signed_in("facilitator")
    response = post_form(client, f"/sessions/{own_session.id}/comments",
                         {"text": "The daycare is too expensive for us", "language": "en"},
                         headers={"Accept": "application/json"})
    assert response.status_code == 200
    comment = db.session.scalar(select(Comment))
    codes = _machine_codes(comment)
    assert {"theme.early_learning", "barrier.cost"} <= codes  # the keywords daycare and expensive
    job = db.session.scalar(select(Job))
    assert (job.kind, job.status, job.result["items"]) == ("nlp_run", "done", 1)
    body = response.get_json()["html"]
    assert body.count('class="tag tag-rule') == len(codes)  # the facilitator sees them without a reload


def test_imported_comments_are_tagged_at_once_and_only_they(client, signed_in, own_session, campaign, users):
    earlier = make_session(campaign, users["facilitator"], title="Earlier, not tagged yet")
    untouched = Comment(session_id=earlier.id, position=1, text="No bus to the clinic", language="en")
    db.session.add(untouched)
    db.session.flush()
    db.session.add(VoiceItem.for_comment(untouched, earlier))
    db.session.commit()
    signed_in("facilitator")
    response = post_form(client, f"/sessions/{own_session.id}/import/save",
                         review_form([("Rent went up again", "", "en", True)], source="text"),
                         token_from=f"/sessions/{own_session.id}/import")
    assert response.status_code == 302
    comment = db.session.scalar(select(Comment).where(Comment.session_id == own_session.id))
    assert "theme.housing" in _machine_codes(comment)
    # The job tagged what was saved, not the whole campaign's backlog (a batch run does that).
    assert db.session.scalar(select(VoiceItem).where(VoiceItem.source_id == untouched.id)).nlp_version is None


def test_a_place_is_named_in_the_reader_language_else_by_its_own_name(client, signed_in, campaign, users):
    north = Geography(code="N1", name="North", names={"he": "צפון"}, level="neighbourhood")
    market = Geography(code="OM", name="Old Market", names={"he": "השוק הישן"}, level="neighbourhood")
    db.session.add_all([north, market])
    db.session.flush()
    session = make_session(campaign, users["facilitator"], geography_id=north.id)
    signed_in("facilitator")
    hebrew = client.get(f"/sessions/{session.id}?lang=he").get_data(as_text=True)
    english = client.get(f"/sessions/{session.id}?lang=en").get_data(as_text=True)
    assert "<dd>צפון</dd>" in hebrew and "<dd>North</dd>" in english
    form = client.get(f"/sessions/{session.id}/edit?lang=en").get_data(as_text=True)
    assert ">Old Market</option>" in form and "השוק הישן" not in form and "צפון" not in form
