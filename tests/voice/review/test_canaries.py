"""Canaries: personal data planted in every kind of free text residents and facilitators
write must not reach a committee page, its PDF, a committee export or a log line once the NLP
has run."""
from __future__ import annotations

import io
import logging
import uuid

from openpyxl import load_workbook
from pypdf import PdfReader

from voice.extensions import db
from voice.models import Answer, Comment, ListeningSession, Response, Survey, Turf, Visit, VoiceItem

from .conftest import SPRING

CANARIES = {"email": "miriam.canary@example.org", "phone": "054-778-1234", "national id": "039337423",
            "card": "4111 1111 1111 1111", "name": "Miriam Cohen"}
# Each text carries every canary and a word that tags it with barrier.cost, so that it is
# quoted on the dashboard: the quotes are where redacted text reaches the committee.
TEXT = ("The fees are too expensive. My neighbour Miriam Cohen can't afford it either; "
        "write to miriam.canary@example.org or call 054-778-1234. ID 039337423, card 4111 1111 1111 1111.")


def _plant(town, canvasser) -> None:
    campaign, north = town["campaign"], town["north"]
    survey = db.session.query(Survey).filter_by(campaign_id=campaign.id).one()
    version = survey.versions[0]
    for channel in ("online", "canvass", "online", "canvass", "online", "canvass"):
        response = Response(uuid=uuid.uuid4(), survey_id=survey.id, content_hash="0" * 64,
                            survey_version_id=version.id, channel=channel, language="en",
                            geography_id=north.id, groups={"language": "he", "role": "parent"}, consent=True,
                            canvasser_id=canvasser.id if channel == "canvass" else None)
        db.session.add(response)
        db.session.flush()
        answer = Answer(response_id=response.id, question="why", value=TEXT)
        db.session.add(answer)
        db.session.flush()
        item = VoiceItem.for_answer(answer, response, campaign_id=campaign.id)
        item.created_at = SPRING
        db.session.add(item)
    session = ListeningSession(campaign_id=campaign.id, kind="forum", title="Canary forum", languages=["en"],
                               held_at=SPRING, geography_id=north.id, attendance=30,
                               priorities=[{"text": TEXT, "votes": 12, "codes": ["barrier.cost"]}])
    for _ in range(3):
        session.comments.append(Comment(text=TEXT, language="en"))
    db.session.add(session)
    db.session.flush()
    for comment in session.comments:
        item = VoiceItem.for_comment(comment, session)
        item.created_at = SPRING
        db.session.add(item)
    turf = Turf(campaign_id=campaign.id, name="Canary turf", geography_id=north.id, canvasser_id=canvasser.id,
                doors=[{"id": "d1", "label": "1 Main St"}])
    db.session.add(turf)
    db.session.flush()
    db.session.add(Visit(uuid=uuid.uuid4(), turf_id=turf.id, door_id="d1", canvasser_id=canvasser.id,
                         outcome="come_back", note=TEXT))
    db.session.commit()


def _committee_texts(client) -> dict[str, str]:
    pages = {name: client.get(path).get_data(as_text=True) for name, path in (
        ("dashboard", "/review/town?period=2026"), ("dashboard north", "/review/town?period=2026&geography=T-N"),
        ("joined view", "/review/town/indicators?period=2026"), ("report", "/review/town/report?period=2026"))}
    pdf = PdfReader(io.BytesIO(client.get("/review/town/report.pdf?period=2026").data))
    pages["report.pdf"] = "\n".join(page.extract_text() for page in pdf.pages)
    for table in ("codes", "joined", "barriers", "trend"):
        pages[f"{table}.csv"] = client.get(f"/review/town/export?table={table}&format=csv&period=2026").get_data(
            as_text=True)
        sheet = load_workbook(io.BytesIO(client.get(f"/review/town/export?table={table}&format=xlsx"
                                                    "&period=2026").data)).active
        pages[f"{table}.xlsx"] = "\n".join(" ".join(str(v) for v in row if v is not None)
                                           for row in sheet.iter_rows(values_only=True))
    return pages


def test_no_canary_reaches_the_committee_or_the_logs(client, signed_in, town, users, runner, caplog):
    _plant(town, users["canvasser"])
    caplog.set_level(logging.DEBUG)
    result = runner.invoke(args=["nlp", "run"])
    assert result.exit_code == 0, result.output
    signed_in("committee")
    pages = _committee_texts(client)
    logged = "\n".join(record.getMessage() for record in caplog.records) + result.output
    for kind, canary in CANARIES.items():
        for name, text in {**pages, "log": logged}.items():
            assert canary not in text, f"the {kind} canary is in the {name}"
    assert "[EMAIL]" in pages["dashboard"] and "[NAME]" in pages["dashboard"]  # the planted texts are quoted
    assert "[NAME]" in pages["report"]  # ... and the room's priority is shown
    assert "[NAME]" in pages["report.pdf"]  # the PDF's text was read, redacted quotes and all
