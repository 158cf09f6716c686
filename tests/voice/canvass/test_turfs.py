"""Turf imports: all or nothing with a line-by-line report; assignment is audited."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from voice.extensions import db
from voice.models import AuditEvent, Turf

from ...helpers import post_form

GOOD = ("door_id,address,geography,block\n"
        "a-1,1 Elm Street,N1,Elm\n"
        "a-2,3 Elm Street,N1,Elm\n"
        "b-1,2 Oak Street,S1,Oak\n")


def upload(client, field, content: str | bytes, *, name="Imported", canvasser=0):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return post_form(client, "/canvass/turfs", {
        "campaign": str(field.campaign.id), "name": name, "canvasser": str(canvasser),
        "upload": (io.BytesIO(data), "doors.csv")},
        content_type="multipart/form-data")


def turf_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Turf))


def test_good_list_makes_a_turf_per_block(client, signed_in, field, users):
    signed_in("analyst")
    before = turf_count()
    answer = upload(client, field, GOOD, canvasser=users["canvasser"].id)
    assert answer.status_code == 302
    turfs = {turf.name: turf for turf in db.session.scalars(select(Turf).where(Turf.name.like("Imported%")))}
    assert set(turfs) == {"Imported · Elm", "Imported · Oak"} and turf_count() == before + 2
    assert [door["id"] for door in turfs["Imported · Elm"].doors] == ["a-1", "a-2"]
    assert turfs["Imported · Elm"].geography_id == field.north.id
    assert turfs["Imported · Oak"].canvasser_id == users["canvasser"].id
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "turf.import")) == 2


def test_without_block_one_turf_and_semicolons_are_read(client, signed_in, field):
    signed_in("analyst")
    assert upload(client, field, "Door ID;Address;Geography code\nz-1;9 Pine;N1\n", name="Pine").status_code == 302
    turf = db.session.scalar(select(Turf).where(Turf.name == "Pine"))
    assert turf.doors == [{"id": "z-1", "address": "9 Pine", "geography": "N1"}]


def test_a_list_excel_saved_in_cp1252_is_read(client, signed_in, field):
    signed_in("analyst")
    content = "Door ID;Address;Geography code\ne-1;4 Rue de l’Église;N1\n".encode("cp1252")
    assert upload(client, field, content, name="Église").status_code == 302
    turf = db.session.scalar(select(Turf).where(Turf.name == "Église"))
    assert turf.doors == [{"id": "e-1", "address": "4 Rue de l’Église", "geography": "N1"}]


def test_broken_semicolon_list_names_every_line_and_stores_nothing(client, signed_in, field):
    signed_in("analyst")
    before = turf_count()
    answer = upload(client, field, "door_id;address;geography\nz-1;;N1\nz-1;2 Pine;XX\n", name="Pine")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    for expected in ("Line 2: The address is empty.", "Line 3: The door id z-1 is already on line 2.",
                     "Line 3: The geography code XX is not a known geography."):
        assert expected in page, expected
    assert turf_count() == before


def test_broken_list_stores_nothing_and_names_every_line(client, signed_in, field):
    signed_in("analyst")
    before = turf_count()
    broken = ("door_id,address,geography\n"
              "a-1,1 Elm Street,N1\n"
              "a-1,2 Elm Street,N1\n"     # line 3: duplicate id
              ",3 Elm Street,N1\n"        # line 4: no id
              "a-4,,XX\n"                 # line 5: no address, unknown place
              "n-1,7 Elm Street,N1\n")    # line 6: already in a turf of the campaign
    answer = upload(client, field, broken)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Nothing was stored" in page
    for expected in ("Line 3:", "Line 4:", "Line 5:", "Line 6:", "XX", "a-1"):
        assert expected in page, expected
    assert turf_count() == before


def test_bad_header_and_encoding_are_reported(client, signed_in, field):
    signed_in("analyst")
    assert "The column geography is missing" in upload(client, field, "door_id,address\nx,y\n").get_data(as_text=True)
    answer = upload(client, field, b"door_id,address,geography\nx,\x00\x01\x02,N1\n", name="Bad")
    assert answer.status_code == 422 and "UTF-8" in answer.get_data(as_text=True)
    existing = upload(client, field, "door_id,address,geography\nq-1,1 Q,N1\n", name="North A")
    assert existing.status_code == 422 and "already exists" in existing.get_data(as_text=True)


def test_assigning_a_turf_is_audited(client, signed_in, field, canvasser2):
    signed_in("analyst")
    prefix = f"turf-{field.turf.id}"
    answer = post_form(client, f"/canvass/turfs/{field.turf.id}/assign", {f"{prefix}-canvasser": str(canvasser2.id)},
                       token_from="/canvass/turfs")
    assert answer.status_code == 302
    db.session.refresh(field.turf)
    assert field.turf.canvasser_id == canvasser2.id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "turf.assign")).details["canvasser"] == canvasser2.id
