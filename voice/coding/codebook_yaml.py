"""The codebook as a YAML file: export, and an all-or-nothing import that names the line of
every problem it finds."""
from __future__ import annotations

import re

import yaml

from ..extensions import db
from ..json_body import MAX_DEPTH, TOO_DEEP
from ..models import AuditEvent, Code
from ..nlp_adapter import Codebook, CodebookError, codebook_from_database, import_codebook
from ..problems import N_, Invalid, Problem
from .codes import checked_hash, snapshot


def export_yaml() -> str:
    return codebook_from_database().to_yaml()


def _lines(text: str) -> tuple[dict, dict]:
    """Where each code (by index and by key) and each of its fields start, 1-based."""
    by_index: dict[int, int] = {}
    by_key: dict[tuple[str, str | None], int] = {}
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return by_index, by_key
    for name, value in root.value:
        if name.value != "codes" or not isinstance(value, yaml.SequenceNode):
            continue
        for index, entry in enumerate(value.value):
            by_index[index] = entry.start_mark.line + 1
            if not isinstance(entry, yaml.MappingNode):
                continue
            key = next((v.value for k, v in entry.value if k.value == "key" and isinstance(v, yaml.ScalarNode)),
                       None)
            if key is None:
                continue
            by_key[(key, None)] = entry.start_mark.line + 1  # the last of duplicates wins
            for field_name, field_value in entry.value:
                by_key[(key, field_name.value)] = field_name.start_mark.line + 1
    return by_index, by_key


def _line_of(message: str, index: int | None, by_index: dict, by_key: dict) -> int:
    """The line a library message speaks of: by the code's key and field it names, else its number."""
    key = re.search(r"code '([^']+)'", message)
    name = re.search(r"field '([^']+)'", message)
    numbered = re.search(r"code #(\d+)", message)
    if key:
        return by_key.get((key.group(1), name.group(1) if name else None)) or by_key.get((key.group(1), None)) or 1
    if numbered:
        return by_index.get(int(numbered.group(1)), 1)
    return by_index.get(index, 1) if index is not None else 1


def _each_code_problem(codes: list, by_index: dict, by_key: dict) -> list[Problem]:
    """Each code checked alone, so every broken code is reported, not just the first."""
    problems = []
    for index, raw in enumerate(codes):
        try:
            Codebook.from_dict({"codes": [dict(raw, parent=None) if isinstance(raw, dict) else raw]})
        except CodebookError as error:
            message = str(error).replace("code #0", f"code #{index}")
            problems.append(Problem("code_invalid", N_("Code %(number)s: %(problem)s"),
                                    {"number": index + 1, "problem": message},
                                    line=_line_of(message, index, by_index, by_key)))
    return problems


def _refuse_deep_nesting(text: str) -> None:
    """PyYAML builds nodes recursively (a RecursionError for a few hundred nested brackets), but
    its parser does not: the parser's events measure the nesting before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise Invalid([Problem("too_deep", TOO_DEEP, {"depth": MAX_DEPTH}, line=event.start_mark.line + 1)])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def parse_yaml(text: str) -> Codebook:
    """The codebook in a file, or ``Invalid`` with every problem and its line; nothing is stored."""
    try:
        _refuse_deep_nesting(text)
        data = yaml.safe_load(text)
        by_index, by_key = _lines(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise Invalid([Problem("yaml_syntax", N_("This is not valid YAML: %(problem)s"),
                               {"problem": getattr(error, "problem", None) or error},
                               line=mark.line + 1 if mark else 1)]) from error
    if not isinstance(data, dict) or not isinstance(data.get("codes"), list):
        raise Invalid([Problem("codebook_shape",
                               N_("The file must be a mapping with a list of codes under 'codes:'."), line=1)])
    problems = _each_code_problem(data["codes"], by_index, by_key)
    if problems:
        raise Invalid(problems)
    try:
        return Codebook.from_dict(data)
    except CodebookError as error:
        raise Invalid([Problem("codebook_invalid", N_("The codebook: %(problem)s"), {"problem": str(error)},
                               line=_line_of(str(error), None, by_index, by_key))]) from error


def import_yaml(text: str, *, actor, retire_missing: bool = False) -> tuple[int, int]:
    """All or nothing: the number of codes imported and of codes retired (with
    ``retire_missing``, the active codes the file leaves out), or ``Invalid`` with every problem."""
    codebook = parse_yaml(text)
    before = codebook_from_database()
    import_codebook(codebook, actor=actor)
    retired = _retire_missing(codebook, actor) if retire_missing else 0
    try:
        after_hash = checked_hash()
    except Invalid as error:
        raise Invalid([problem.at(line=1) for problem in error.problems]) from error
    AuditEvent.record("codebook.import_yaml", record_type="codes", actor=actor, before=before.to_dict(),
                      after=codebook.to_dict(), codebook_before=before.content_hash(), codebook_after=after_hash,
                      retired=retired)
    db.session.commit()
    return len(codebook), retired


def _retire_missing(codebook: Codebook, actor) -> int:
    """Retire, never delete: a retired code is no longer offered or tagged, its tags stay."""
    keys = {entry.key for entry in codebook}
    missing = [code for code in Code.active() if code.key not in keys]
    for code in missing:
        before = snapshot(code)
        code.retired = True
        AuditEvent.record("code.retire", code, actor=actor, before=before, after=snapshot(code),
                          reason="missing from the imported codebook")
    return len(missing)
