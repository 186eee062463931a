"""The payload models accept every recorded answer of the functions they cover."""

from __future__ import annotations

import json

import pytest

from connector import errors
from connector.moodle import models
from tests.conftest import all_fixtures, load_fixture, set2_fixtures


def _covered() -> list[str]:
    out = []
    for f in (*all_fixtures(), *set2_fixtures()):
        d = json.loads(f.read_text())
        r = d.get("response")
        if d.get("wsfunction") in models.PARSERS and not (isinstance(r, dict) and "exception" in r) and r is not None:
            out.append(f.name)
    return out


COVERED = _covered()


def test_every_parsed_function_has_recordings():
    functions = {load_fixture(n)["wsfunction"] for n in COVERED}
    assert functions == set(models.PARSERS)
    assert len(COVERED) >= 35


def _dump(x):
    if hasattr(x, "model_dump"):
        return x.model_dump()
    if isinstance(x, list | tuple):
        return [_dump(i) for i in x]
    return x


def _same(a, b) -> bool:
    """A parsed value and the recorded one: equal, or equal once the model coerced a type ("3" → 3, 1 → True)."""
    if a == b or (a in (None, "") and b in (None, "")):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b) and str(b).lower() in ("0", "1", "true", "false", "")
    return str(a) == str(b)


def _compare(parsed, raw, path="") -> tuple[int, list[str]]:
    """(leaves compared, mismatches) of every field the model kept that the payload holds."""
    if isinstance(parsed, dict) and isinstance(raw, dict):
        out = (0, [])
        for k, v in parsed.items():
            if k in raw:
                n, bad = _compare(v, raw[k], f"{path}.{k}")
                out = (out[0] + n, out[1] + bad)
        return out
    if isinstance(parsed, list) and isinstance(raw, list):
        if len(parsed) != len(raw):
            return 1, [f"{path}: {len(parsed)} items parsed, {len(raw)} recorded"]
        out = (0, [])
        for i, (a, b) in enumerate(zip(parsed, raw, strict=True)):
            n, bad = _compare(a, b, f"{path}[{i}]")
            out = (out[0] + n, out[1] + bad)
        return out
    if isinstance(parsed, dict | list) or isinstance(raw, dict | list):
        return 1, [f"{path}: {type(parsed).__name__} parsed, {type(raw).__name__} recorded"]
    return 1, ([] if _same(parsed, raw) else [f"{path}: {parsed!r} parsed, {raw!r} recorded"])


def _leaves(x) -> int:
    if isinstance(x, dict):
        return sum(_leaves(v) for k, v in x.items() if k != "warnings")
    if isinstance(x, list):
        return sum(_leaves(v) for v in x)
    return 1


@pytest.mark.parametrize("name", COVERED)
def test_model_accepts_recording_and_keeps_its_values(name):
    """Every field the model keeps equals the recorded one (wrapper objects: the list they wrap)."""
    d = load_fixture(name)
    raw = d["response"]
    parsed = _dump(models.PARSERS[d["wsfunction"]](raw))
    if isinstance(parsed, list) and isinstance(raw, dict):  # e.g. parse_courses returns the "courses" list
        raw = next(v for v in raw.values() if isinstance(v, list) and len(v) == len(parsed))
    compared, bad = _compare(parsed, raw)
    assert not bad, bad[:5]
    assert compared > 0 or not _leaves(raw)  # an answer of empty lists has nothing to compare


def test_extra_fields_are_kept():
    d = load_fixture("core_course_get_courses_by_field__all.json")
    course = models.parse_courses(d["response"])[0]
    assert course.model_extra  # e.g. enrollmentmethods, courseimage …


def test_wrong_shape_names_the_place():
    with pytest.raises(errors.UnexpectedPayloadError, match=r"courses\.0\.id"):
        models.parse_courses({"courses": [{"id": "abc"}], "warnings": []})
    with pytest.raises(errors.UnexpectedPayloadError):
        models.parse_enrolled_users({"users": []})


def test_anonymous_and_named_attempts():
    named = models.parse_responses_analysis(load_fixture("mod_feedback_get_responses_analysis__C1_nonanon.json")["response"])
    anon = models.parse_responses_analysis(load_fixture("mod_feedback_get_responses_analysis__C2_anon.json")["response"])
    assert len(named.attempts) == 8 and not named.anonattempts
    assert len(anon.anonattempts) == 5 and not anon.attempts
    assert all(not hasattr(a, "userid") or a.model_extra.get("userid") is None for a in anon.anonattempts)


def test_register_and_page_models_keep_the_recorded_values():
    dbs = models.parse_databases(load_fixture("mod_data_get_databases_by_courses__QUALITE.json")["response"])
    assert [(d.id, d.coursemodule, d.name) for d in dbs] == [
        (1, 33, "Registre des preuves Qualiopi"), (2, 34, "Registre des réclamations"),
        (3, 35, "Plan d'amélioration continue")]
    fields = models.parse_data_fields(load_fixture("mod_data_get_fields__db1_preuves.json")["response"])
    assert [(f.id, f.type, f.name) for f in fields][:3] == [(1, "multimenu", "indicateurs"), (2, "text", "titre"),
                                                           (3, "menu", "nature")]
    raw = load_fixture("mod_data_get_entries__db1_preuves_returncontents.json")["response"]
    got = models.parse_data_entries(raw)
    assert got.totalcount == 5 and [e.id for e in got.entries] == [3, 1, 2, 5, 4]
    entry2 = next(e for e in got.entries if e.id == 2)
    fichier = next(c for c in entry2.contents if c.fieldid == 5)
    assert fichier.content == "livret_accueil_v3.pdf" and fichier.files[0].filesize == 68297
    pages = models.parse_pages(load_fixture("mod_page_get_pages_by_courses__QUALITE.json")["response"])
    assert [(p.coursemodule, p.visible, len(p.content) > 0) for p in pages] == [(29, True, True), (31, False, False)]
    sections = models.parse_contents(load_fixture("core_course_get_contents__QUALITE.json")["response"])
    folder = next(m for s in sections for m in s.modules if m.id == 28)
    assert folder.contentsinfo.filescount == 2 and [c.filepath for c in folder.contents] == ["/", "/archives/"]
