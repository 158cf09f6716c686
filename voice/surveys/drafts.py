"""Edits to a survey's working copy (``Survey.draft``), as plain functions on its dict.

The draft has the shape of ``SurveyDefinition.to_dict()``. A top-level group is a page; a
question outside any group is a page of its own. Edits never validate the whole survey:
an author may leave it half-done, and publishing checks everything (``validate_definition``
and ``missing_translations``).
"""
from __future__ import annotations

import copy
from typing import Any

from ..intake.definition import FORMAT


class DraftError(ValueError):
    """An edit that cannot be applied; ``code`` names it for the web layer."""

    def __init__(self, code: str, name: str = ""):
        super().__init__(f"{code}: {name}")
        self.code, self.name = code, name


def new_definition(form_id: str, title: dict[str, str], languages: list[str]) -> dict:
    return {"format": FORMAT, "form_id": form_id, "version": "1", "title": dict(title),
            "default_language": languages[0] if languages else "en", "languages": list(languages),
            "items": [], "choice_lists": {}}


def _walk(items: list[dict], parent: list[dict] | None = None):
    for index, item in enumerate(items):
        yield items, index, item
        if item.get("kind") == "group":
            yield from _walk(item.get("children", []), items)


def find(draft: dict, name: str) -> tuple[list[dict], int, dict] | None:
    """(the list holding the item, its index, the item), or None."""
    for container, index, item in _walk(draft["items"]):
        if item.get("name") == name:
            return container, index, item
    return None


def page_of(draft: dict, name: str) -> str:
    """The top-level group holding question ``name``, or "" for a page of its own."""
    for item in draft["items"]:
        if item.get("kind") == "group" and any(inner.get("name") == name for _c, _i, inner in _walk(item["children"])):
            return item["name"]
    return ""


def page_names(draft: dict) -> list[str]:
    return [item["name"] for item in draft["items"] if item.get("kind") == "group"]


def save_question(draft: dict, original: str | None, question: dict, page: str,
                  choices: list[dict] | None) -> dict:
    """Add (``original`` None) or replace a question, on ``page`` ("" = its own page)."""
    draft = copy.deepcopy(draft)
    name = question["name"]
    clash = find(draft, name)
    if clash is not None and name != original:
        raise DraftError("duplicate_name", name)
    if page and page not in page_names(draft):
        raise DraftError("unknown_page", page)
    position = None
    if original is not None:
        found = find(draft, original)
        if found is None:
            raise DraftError("unknown_question", original)
        container, index, _old = found
        if page_of(draft, original) == page:
            position = (container, index)
        else:
            del container[index]
    if choices is not None:
        question["choice_list"] = question.get("choice_list") or name
        draft["choice_lists"][question["choice_list"]] = choices
    entry = {"kind": "question", **question}
    if position is not None:
        container, index = position
        container[index] = entry
    elif page:
        find(draft, page)[2]["children"].append(entry)
    else:
        draft["items"].append(entry)
    _drop_unused_lists(draft)
    return draft


def _drop_unused_lists(draft: dict) -> None:
    used = {item.get("choice_list") for _c, _i, item in _walk(draft["items"]) if item.get("kind") == "question"}
    for list_name in [n for n in draft["choice_lists"] if n not in used]:
        del draft["choice_lists"][list_name]


def remove(draft: dict, name: str) -> dict:
    """Remove a question, or a page with the questions on it."""
    draft = copy.deepcopy(draft)
    found = find(draft, name)
    if found is None:
        raise DraftError("unknown_question", name)
    container, index, _item = found
    del container[index]
    _drop_unused_lists(draft)
    return draft


def move(draft: dict, name: str, step: int) -> dict:
    """Move an item one place up (-1) or down (+1) among its siblings."""
    draft = copy.deepcopy(draft)
    found = find(draft, name)
    if found is None:
        raise DraftError("unknown_question", name)
    container, index, item = found
    target = index + step
    if 0 <= target < len(container):
        container[index], container[target] = container[target], item
    return draft


def save_page(draft: dict, original: str | None, name: str, label: dict[str, str],
              relevant: str | None) -> dict:
    """Add or rename a page (a top-level group)."""
    draft = copy.deepcopy(draft)
    if find(draft, name) is not None and name != original:
        raise DraftError("duplicate_name", name)
    if original is None:
        draft["items"].append({"kind": "group", "name": name, "label": label, "appearance": "field-list",
                               "relevant": relevant, "children": []})
        return draft
    found = find(draft, original)
    if found is None or found[2].get("kind") != "group":
        raise DraftError("unknown_page", original)
    found[2].update(name=name, label=label, relevant=relevant)
    return draft


def set_texts(draft: dict, *, title: dict[str, str], languages: list[str], default_language: str) -> dict:
    draft = copy.deepcopy(draft)
    draft.update(title=title, languages=languages, default_language=default_language)
    return draft


def choices_from_lines(text: str, languages: list[str]) -> list[dict[str, Any]]:
    """``name | label in language 1 | label in language 2`` per line, into choices."""
    choices = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        labels = {language: label for language, label in zip(languages, parts[1:]) if label}
        choices.append({"name": parts[0], "label": labels, "attributes": {}})
    return choices


def choices_to_lines(choices: list[dict], languages: list[str]) -> str:
    return "\n".join(" | ".join([choice["name"]] + [choice.get("label", {}).get(language, "")
                                                   for language in languages]).rstrip(" |")
                     for choice in choices)
