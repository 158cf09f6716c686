"""The analyst's review queue names an item's channel in words, never by its key."""
from __future__ import annotations

import re


def test_the_review_queue_names_the_channel(client, tagged, signed_in):
    signed_in("analyst")
    page = client.get("/coding/review?lang=en").get_data(as_text=True)
    assert "<span>Community forum</span>" in page and '<option value="forum">Community forum</option>' in page
    assert not re.search(r">\s*forum\s*<", page)  # the key alone, as the page once showed it
    hebrew = client.get("/coding/review?lang=he").get_data(as_text=True)
    assert not re.search(r">\s*forum\s*<", hebrew) and "<span>Community forum</span>" not in hebrew
