"""The three Database presets, built from the fields the sync expects (one source of truth).

Import in Moodle: *Database > Presets > Import* with the zip. A preset is ``preset.xml`` (settings and
fields, the format Moodle 4.5's ``mod/data/classes/preset.php`` writes) plus the ten template files;
templates left empty make Moodle generate its default ones.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from connector.registers import OPTIONAL, SCHEMAS, FieldSpec

TEMPLATES = ("listtemplate.html", "singletemplate.html", "asearchtemplate.html", "addtemplate.html",
             "rsstemplate.html", "csstemplate.css", "jstemplate.js", "listtemplateheader.html",
             "listtemplatefooter.html", "rsstitletemplate.html")
INTROS = {
    "preuves": "Une fiche par preuve : indicateurs couverts, nature, emplacement ou fichier, dates, responsable, "
               "périmètre et justification. Lu par qualiopi-sync (ne pas renommer les champs).",
    "reclamations": "Toutes les réclamations, quel que soit le canal : réception, accusé de réception, analyse, "
                    "réponse, statut. Lu par qualiopi-sync (ne pas renommer les champs).",
    "amelioration": "Actions d'amélioration continue (indicateur 32) : origine, responsable, échéance, statut, "
                    "efficacité. Lu par qualiopi-sync (ne pas renommer les champs).",
}
FILENAMES = {"preuves": "registre-des-preuves.zip", "reclamations": "registre-des-reclamations.zip",
             "amelioration": "plan-amelioration-continue.zip"}


def _field(f: FieldSpec) -> str:
    params = {"text": {"param1": "1"}, "url": {"param1": "1"}, "file": {"param3": "0"},
              "textarea": {"param2": "60", "param3": "10", "param4": "1", "param5": "0"}}.get(f.type, {})
    if f.options:
        params = {"param1": "\n".join(f.options)}
    lines = [f"<type>{f.type}</type>", f"<name>{escape(f.name)}</name>",
             f"<description>{escape(f.label[:1].upper() + f.label[1:])}</description>",
             f"<required>{int(f.required)}</required>"]
    lines += [f"<{k}>{escape(v)}</{k}>" for k, v in params.items()]
    return "<field>\n" + "\n".join(lines) + "\n</field>\n"


def preset_xml(kind: str) -> str:
    settings = {"intro": escape(INTROS[kind]), "comments": "0", "requiredentries": "0",
                "requiredentriestoview": "0", "maxentries": "0", "rssarticles": "0", "approval": "0",
                "manageapproved": "1", "defaultsortdir": "0", "defaultsort": "0"}
    body = "".join(f"<{k}>{v}</{k}>\n" for k, v in settings.items())
    fields = "\n".join(_field(f) for f in (*SCHEMAS[kind], *OPTIONAL[kind]))
    return (f"<?xml version=\"1.0\"?>\n<preset>\n\n<description>{escape(INTROS[kind])}</description>\n\n"
            f"<settings>\n{body}</settings>\n\n{fields}\n</preset>\n")


def build_preset(kind: str) -> bytes:
    """The preset zip, byte for byte the same on every build (fixed member dates)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("preset.xml", preset_xml(kind)), *((t, "") for t in TEMPLATES)):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, text)
    return buf.getvalue()


if __name__ == "__main__":  # rebuild the shipped zips: python -m connector.registers.presets
    from pathlib import Path

    folder = Path(__file__).with_name("zips")
    folder.mkdir(exist_ok=True)
    for kind, filename in FILENAMES.items():
        (folder / filename).write_bytes(build_preset(kind))
        print(folder / filename)
