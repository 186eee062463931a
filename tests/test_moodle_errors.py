"""Every recorded error answer becomes the right typed error; broken bodies become transport errors."""

from __future__ import annotations

import json

import pytest

from connector import errors
from connector.moodle.client import RawResponse, decode_response
from tests.conftest import all_fixtures, load_fixture, set2_fixtures

EXPECTED = {
    "invalidtoken": errors.InvalidTokenError,
    "accessexception": errors.FunctionNotAvailableError,
    "nopermissions": errors.AccessDeniedError,
    "requireloginerror": errors.AccessDeniedError,
    "errorcoursecontextnotvalid": errors.AccessDeniedError,
    "invalidparameter": errors.InvalidParameterError,
    "invalidrecord": errors.RecordNotFoundError,
}


def _error_fixtures() -> list[str]:
    out = []
    for f in all_fixtures():
        d = json.loads(f.read_text())
        r = d.get("response")
        if isinstance(r, dict) and "exception" in r and not d.get("endpoint", "").endswith("upload.php"):
            out.append(f.name)
    return out


ERROR_FIXTURES = _error_fixtures()


def test_there_are_many_error_fixtures():
    assert len(ERROR_FIXTURES) >= 30


@pytest.mark.parametrize("name", ERROR_FIXTURES)
def test_recorded_error_becomes_typed_error(name):
    d = load_fixture(name)
    body = json.dumps(d["response"]).encode()
    with pytest.raises(errors.MoodleError) as info:
        decode_response(d["wsfunction"], RawResponse(200, "application/json", body))
    exc = info.value
    code = d["response"]["errorcode"]
    assert exc.errorcode == code
    if code == "invalidrecord" and "external_functions" in d["response"]["message"]:
        assert isinstance(exc, errors.FunctionNotAvailableError)  # unknown function name
    elif code in EXPECTED:
        assert type(exc) is EXPECTED[code]
    else:
        assert type(exc) is errors.MoodleError
    assert "\n" not in str(exc) and code in str(exc)
    assert "<TOKEN" not in str(exc)


def test_auth_errors_exit_3_and_say_what_to_change():
    d = load_fixture("error__invalid_token.json")
    with pytest.raises(errors.InvalidTokenError) as info:
        decode_response(d["wsfunction"], RawResponse(200, "application/json", json.dumps(d["response"]).encode()))
    assert info.value.exit_code == errors.EXIT_AUTH
    assert "token" in str(info.value).lower()
    d = load_fixture("error__capability_missing_create_courses.json")
    with pytest.raises(errors.AccessDeniedError) as info:
        decode_response(d["wsfunction"], RawResponse(200, "application/json", json.dumps(d["response"]).encode()))
    assert info.value.exit_code == errors.EXIT_AUTH


def test_access_denied_names_the_capabilities_of_known_functions():
    d = load_fixture("error__teacher_completion_other_course.json")
    with pytest.raises(errors.AccessDeniedError) as info:
        decode_response(d["wsfunction"], RawResponse(200, "application/json", json.dumps(d["response"]).encode()))
    assert "report/completion:view" in str(info.value)


@pytest.mark.parametrize("name", ["quirk__no_format_returns_xml.json", "error__invalid_token_xml_format.json"])
def test_xml_body_is_a_transport_error(name):
    d = load_fixture(name)
    with pytest.raises(errors.TransportError, match="XML"):
        decode_response(d["wsfunction"], RawResponse(200, "application/xml", d["response_raw"].encode()))


@pytest.mark.parametrize(
    "status, body, match",
    [
        (200, b"<!DOCTYPE html><html><body>Log in to the site</body></html>", "HTML"),
        (502, b"<html><body>502 Bad Gateway</body></html>", "HTTP 502"),
        (503, b"Service Unavailable", "HTTP 503"),
        (200, b'{"courses": [{"id": 2, "shortname": "BTS', "truncated"),
        (200, b"[1, 2", "truncated"),
    ],
)
def test_broken_bodies_are_transport_errors(status, body, match):
    with pytest.raises(errors.TransportError, match=match) as info:
        decode_response("core_course_get_courses_by_field", RawResponse(status, "text/html", body))
    assert info.value.exit_code == errors.EXIT_TRANSIENT
    assert not isinstance(info.value, errors.MoodleError)


def test_null_and_list_answers_are_not_errors():
    assert decode_response("core_user_add_user_private_files", RawResponse(200, "application/json", b"null")) is None
    assert decode_response("x", RawResponse(200, "application/json", b"[]")) == []


def test_every_recorded_answer_decodes_as_json_reads_it():
    """The fast parser gives exactly what the standard library's gives, on every recorded answer (accents,
    HTML, floats, nulls, nesting), as Moodle sends it (no spaces, non-ASCII escaped or not)."""
    for f in all_fixtures() + set2_fixtures():
        d = json.loads(f.read_text("utf-8"))
        if not d.get("wsfunction") or (isinstance(d["response"], dict) and "exception" in d["response"]):
            continue
        for body in (json.dumps(d["response"], separators=(",", ":")).encode(),
                     json.dumps(d["response"], ensure_ascii=False).encode()):
            assert decode_response(d["wsfunction"], RawResponse(200, "application/json", body)) == d["response"], f


def test_a_body_that_is_not_utf8_is_still_read():
    """Bytes that are not UTF-8 (a misconfigured plugin's output) are read with a replacement character, as
    before the fast parser."""
    got = decode_response("x", RawResponse(200, "application/json", b'[{"name": "Caf\xe9 \xff"}]'))
    assert got == [{"name": "Caf\ufffd \ufffd"}]


@pytest.mark.parametrize("status, kind, code, says", [
    (404, errors.ConfigError, errors.EXIT_CONFIG, "[moodle] url must be the site's address"),
    (403, errors.WebServiceOffError, errors.EXIT_AUTH, "the REST protocol"),
    (401, errors.WebServiceOffError, errors.EXIT_AUTH, "enable web services"),
])
def test_a_wrong_address_or_a_refused_web_service_is_a_setting_to_fix_not_a_transient_error(status, kind, code, says):
    """Moodle's webservice/rest/server.php answers 403 when web services or REST are off; a 404 is no Moodle there.
    Retrying (a transport error is retried, and cron would retry it every night as « transient ») cannot help."""
    with pytest.raises(kind) as info:
        decode_response("core_webservice_get_site_info", RawResponse(status, "text/html", b"<html>Forbidden</html>"))
    assert info.value.exit_code == code and says in str(info.value) and f"HTTP {status}" in str(info.value)
    assert not isinstance(info.value, errors.TransportError)
