"""The auditor's dossier de preuves: documents copied during sync, manifest, sample, permissions, no token,
no self-declared verdict. On the demo's world (its quality course derived from the second recording set)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from connector import app, errors
from connector.config import AuditConfig, DossierConfig, ProviderConfig, QualityConfig
from connector.demo import DEMO_PROGRAMMES
from connector.dossier import DossierOptions
from connector.evaluate import run_evaluation
from connector.moodle import MoodleClient
from connector.moodle.replay import ReplayTransport
from connector.render import render_reports
from mappings.sample import sample_learners
from tests.conftest import FIXTURES, NOW, TOKEN
from tests.test_sync import settings_for, transport

RECORDED_SHA = "190e548515a36a9bca67d9b1ca60ba609b01dcad764d6730caeafa291eaa8665"  # pluginfile__*.json


def settings(store_url, tmp_path, **dossier):
    return settings_for(store_url).model_copy(update={
        "programmes": DEMO_PROGRAMMES, "quality": QualityConfig(course_ids=[10]),
        "dossier": DossierConfig(snapshot_dir=tmp_path / "snapshots", **dossier),
        "provider": ProviderConfig(name="OF Démo", siret="12345678900012", categories=["apprentissage"]),
        "audit": AuditConfig(type="surveillance", date="2027-01-19")})


def build(store_url, tmp_path, seed=1, **dossier):
    s = settings(store_url, tmp_path, **dossier)
    result = app.sync(s, transport=transport(), now=NOW)
    assert result.status == "ok", result.error
    store = app.open_store(store_url, migrate=False)
    ev = run_evaluation(s, store.sessions, NOW)
    opts = DossierOptions(s.dossier.snapshot_dir, int(s.dossier.max_dossier_mb * 1048576), 3, seed)
    res = render_reports(ev, store.sessions, tmp_path / "out", "OF Démo", s.moodle.url, now=NOW, dossier=opts)
    store.engine.dispose()
    return result, res


def test_documents_are_copied_during_sync_and_the_dossier_holds_them(store_url, tmp_path):
    sync, _ = build(store_url, tmp_path)
    assert sync.calls["pluginfile.php"] == 5  # 4 tagged files of the quality course + 1 register attachment
    folder = tmp_path / "out" / "dossier" / "BTS-MCO"
    pieces = sorted((folder / "pieces").iterdir())
    assert [p.name for p in pieces] == ["01-Procédure_réclamations_v2.pdf", "02-Procédure_accueil_handicap_v1.pdf",
                                        "03-livret_accueil_2026.pdf", "04-livret_accueil_v3.pdf",
                                        "05-plan_formation_formateurs_2024.pdf"]
    recorded = (FIXTURES / "files" / "pluginfile__register_attachment.bin").read_bytes()
    assert (folder / "pieces" / "04-livret_accueil_v3.pdf").read_bytes() == recorded  # the source's bytes
    assert hashlib.sha256(recorded).hexdigest() == RECORDED_SHA
    page = (folder / "dossier-preuves.html").read_text()
    assert 'href="pieces/04-livret_accueil_v3.pdf"' in page and "Registre des preuves Qualiopi, fiche 2" in page
    assert "SIRET</th><td>12345678900012" in page and "audit de surveillance du 19 janvier 2027" in page


def test_manifest_verifies_every_file(store_url, tmp_path):
    build(store_url, tmp_path)
    folder = tmp_path / "out" / "dossier" / "TP-DWWM"
    lines = (folder / "MANIFEST.sha256").read_text().splitlines()
    listed = {line.split("  ", 1)[1] for line in lines}
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"MANIFEST.sha256"}
    assert listed == on_disk and "echantillon.html" in listed and "dossier-preuves.html" in listed
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_rendering_copies_without_calling_moodle(store_url, tmp_path):
    """A second sync with unchanged documents downloads nothing; render reads only the snapshot folder."""
    s = settings(store_url, tmp_path)
    app.sync(s, transport=transport(), now=NOW)
    again = app.sync(s, transport=transport(), now=NOW + 3600)
    assert "pluginfile.php" not in again.calls
    blobs = [p for p in (tmp_path / "snapshots").rglob("*") if p.is_file()]
    assert len(blobs) == 1 and blobs[0].name == RECORDED_SHA  # stored once under its SHA-256


def test_permissions_are_owner_only_whatever_the_umask(store_url, tmp_path):
    old = os.umask(0)
    try:
        build(store_url, tmp_path)
    finally:
        os.umask(old)
    for root in (tmp_path / "out" / "dossier", tmp_path / "snapshots"):
        for p in [root, *root.rglob("*")]:
            mode = stat.S_IMODE(p.stat().st_mode)
            assert mode == (0o700 if p.is_dir() else 0o600), (p, oct(mode))


def test_sample_is_reproducible_with_the_seed(store_url, tmp_path):
    build(store_url, tmp_path / "a", seed=7)
    build(store_url, tmp_path / "b", seed=7)
    a = (tmp_path / "a" / "out" / "dossier" / "BTS-MCO" / "echantillon.html").read_text()
    b = (tmp_path / "b" / "out" / "dossier" / "BTS-MCO" / "echantillon.html").read_text()
    strip = lambda t: t.split("</header>", 1)[1]
    assert strip(a) == strip(b) and a.count("<section") == 3
    ids = list(range(3, 43))
    assert sample_learners("BTS-MCO", ids, 3, 7) == sample_learners("BTS-MCO", reversed(ids), 3, 7)
    assert sample_learners("BTS-MCO", ids, 3, 7) != sample_learners("BTS-MCO", ids, 3, 8)
    # a learner who joins does not reshuffle the others: the sample changes at most by one
    assert len(set(sample_learners("BTS-MCO", ids + [99], 3, 7)) - set(sample_learners("BTS-MCO", ids, 3, 7))) <= 1


def test_no_token_and_no_verdict_in_the_dossier(store_url, tmp_path):
    build(store_url, tmp_path)
    for p in (tmp_path / "out").rglob("*"):
        if p.is_file():
            assert TOKEN.encode() not in p.read_bytes(), p
    for p in (tmp_path / "snapshots").rglob("*"):
        if p.is_file():
            assert TOKEN.encode() not in p.read_bytes(), p
    if store_url.startswith("sqlite"):
        db = store_url.removeprefix("sqlite:///")
        assert TOKEN.encode() not in Path(db).read_bytes()
    for name in ("BTS-MCO", "TP-DWWM", "EXCEL"):
        text = (tmp_path / "out" / "dossier" / name / "dossier-preuves.html").read_text()
        for word in ("non conforme", "à fournir", "à consolider", "risque NC", "couvert"):
            assert word not in text, (name, word)
        assert "Présenté lors de l’audit." in text  # an applicable indicator without evidence: no verdict


def test_dossier_size_limit_lists_documents_it_does_not_copy(store_url, tmp_path):
    build(store_url, tmp_path, max_dossier_mb=0.1)  # room for one 68 kB document
    page = (tmp_path / "out" / "dossier" / "BTS-MCO" / "dossier-preuves.html").read_text()
    assert len(list((tmp_path / "out" / "dossier" / "BTS-MCO" / "pieces").iterdir())) == 1
    assert page.count("non copié : dossier limité à 0,1 Mo") == 4


# ---------------------------------------------------------------- downloads
def recorded_download(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def client_with(files: dict) -> MoodleClient:
    return MoodleClient("http://127.0.0.1:8080", TOKEN, transport=ReplayTransport([], files), backoff=0)


def test_a_refused_download_is_an_error_not_a_file():
    """Recorded: an invalid token gives HTTP 200 with a JSON error body, not the file."""
    rec = recorded_download("pluginfile__bad_token.json")
    url = rec["url"].split("?")[0]
    client = client_with({url: (rec["headers"]["Content-type"], rec["body"].encode())})
    with pytest.raises(errors.InvalidTokenError) as err:
        client.download(url, 10_000_000)
    assert TOKEN not in str(err.value)


def test_downloads_stay_on_this_moodle_and_within_the_limit():
    rec = recorded_download("pluginfile__resource_file.json")
    url = rec["url"].split("?")[0]
    body = (FIXTURES / rec["body_file"]).read_bytes()
    client = client_with({url: ("application/pdf", body)})
    assert client.download(url + "?forcedownload=1", 10_000_000) == ("application/pdf", body)
    with pytest.raises(errors.FileTooLargeError):
        client.download(url, 1000)
    with pytest.raises(errors.TransportError, match="not a file of this Moodle"):
        client.download("https://evil.example/webservice/pluginfile.php/1/x.pdf", 10_000_000)


def test_a_redirected_download_is_refused_and_the_token_not_sent(tmp_path):
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            self.send_response(302)
            self.send_header("Location", "https://elsewhere.example/steal?x=1")
            self.end_headers()

        def log_message(self, *a):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        client = MoodleClient(base, TOKEN, backoff=0)
        with pytest.raises(errors.TransportError) as err:
            client.download(f"{base}/webservice/pluginfile.php/85/mod_resource/content/0/a.pdf", 10_000_000)
        assert "elsewhere.example/steal" in str(err.value) and "not followed" in str(err.value)
        assert TOKEN not in str(err.value) and len(seen) == 1
    finally:
        server.shutdown()


def test_a_document_over_the_file_limit_is_listed_not_copied(store_url, tmp_path):
    build(store_url, tmp_path, max_file_mb=0.01)  # 10 kB: every 68 kB document is over it
    folder = tmp_path / "out" / "dossier" / "BTS-MCO"
    assert not (folder / "pieces").exists() or not any((folder / "pieces").iterdir())
    assert "trop volumineux : non copié" in (folder / "dossier-preuves.html").read_text()
    assert not any(p.is_file() for p in (tmp_path / "snapshots").rglob("*"))  # nothing kept


def test_a_failed_download_is_kept_as_failed_and_fetched_again_next_run(store_url, tmp_path):
    """One document answers 404: its row says so (others are copied, under snapshots/<2 hex>/<sha256>); the next
    sync asks again for that document only, and copies it once Moodle gives it."""
    from sqlalchemy import select

    from connector.store.models import Snapshot
    s = settings(store_url, tmp_path)
    t = transport()
    missing = min(u for u in t.files if "livret_accueil_2026" in u)
    del t.files[missing]
    assert app.sync(s, transport=t, now=NOW).status == "ok"
    store = app.open_store(store_url, migrate=False)
    with store.sessions() as session:
        rows = {r.url: r for r in session.scalars(select(Snapshot))}
    row = next(r for u, r in rows.items() if u.split("?")[0] == missing)
    assert row.status == "failed" and row.sha256 is None and "404" in row.detail
    ok = [r for r in rows.values() if r.status == "ok"]
    assert len(ok) == 4 and all((tmp_path / "snapshots" / r.sha256[:2] / r.sha256).is_file() for r in ok)
    t2 = transport()
    again = app.sync(s, transport=t2, now=NOW + 60)
    assert again.calls["pluginfile.php"] == 1 and t2.requests.count(("pluginfile.php", (("url", missing),))) == 1
    with store.sessions() as session:
        assert session.get(Snapshot, row.url).status == "ok"
    store.engine.dispose()


def test_without_a_snapshot_folder_nothing_is_downloaded(store_url):
    from connector.sync.context import SyncContext
    from connector.sync.engine import run_sync
    store = app.open_store(store_url)
    ctx = SyncContext(client=MoodleClient("http://127.0.0.1:8080", TOKEN, transport=transport(), backoff=0),
                      sessions=store.sessions, now=NOW, snapshot_dir=None)
    result = run_sync(ctx, ["snapshots"])
    assert result.status == "ok" and result.rows == {"snapshots": {"inserted": 0, "updated": 0, "deleted": 0}}
    assert not result.calls
    store.engine.dispose()
