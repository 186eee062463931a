"""Every other indicator — evidence presence (the specification's generic rule: "a free-text field
plus attached documents in the programme, whose presence is checked").

Evidence comes from three sources, one model (``mappings.model.Evidence``):

- an activity or resource whose idnumber or name carries the indicator's code (default
  ``QUALIOPI-I07``) in the programme's courses or in the quality course, or a course custom field
  named after the code (``qualiopi_i07``) that is filled. It counts only when it is not empty (a page
  with text, a file resource or folder with a file, a URL with a target) and where its audience sees
  it (hidden in a programme's course: not counted; in the quality course, staff documents hidden from
  learners count). It is dated by its content, never by a due date, and stale past
  ``evidence_max_age_days``. Moodle 4.5 gives the sync user no module idnumber, so in practice the
  code is in the activity name, e.g. "Plan de veille [QUALIOPI-I23]";
- an entry of the evidence register kept in Moodle (a Database activity of the quality course) or
  imported from a spreadsheet, for this indicator and this programme (or provider-wide); stale past
  its review date.

Outcome: fresh evidence (PASSED), only stale evidence (WARN), nothing counted (FAILED, missing).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from mappings.indicators.base import EvalInput
from mappings.indicators.results import result_figures
from mappings.model import DAY, Evidence, Finding, ModuleSnap, Outcome, Verdict, Where
from mappings.referentiel import load_referentiel
from mappings.text import plural

CHECKS = ("preuve présente", "preuve à jour")
INPUTS = ("module idnumber or name", "course custom fields", "module dates")


EMPTY_WHY = {"page": "page sans texte", "resource": "ressource sans fichier", "folder": "dossier sans fichier",
             "url": "lien sans adresse"}


def _module_state(m: ModuleSnap, section_visible: bool, quality: bool, stale_before: int) -> str:
    """ok | hidden | empty | stale. In the quality course, staff documents hidden from learners count."""
    if not quality and not (m.visible and section_visible):
        return "hidden"
    if m.modname in ("resource", "folder") and not m.files:
        return "empty"
    if m.modname == "page" and m.text_chars == 0:
        return "empty"
    if m.modname == "url" and not (m.target or "").strip():
        return "empty"
    if m.content_time and m.content_time < stale_before:
        return "stale"
    return "ok"


def tagged_evidence(number: int, inp: EvalInput) -> list[Evidence]:
    """Activities and resources whose name or idnumber carries the indicator's code, and filled custom fields."""
    code = str(inp.t("evidence_pattern")).format(n=number).lower()
    field = code.replace("-", "_")
    stale_before = inp.now - int(inp.t("evidence_max_age_days")) * DAY  # type: ignore[arg-type]
    found = []
    for quality, c, modules in inp.module_texts:
        for sec, m, text in modules:
            if code in text:
                found.append(Evidence(
                    m.name, c.shortname, m.content_time, m.url, "moodle", (number,),
                    None if quality else inp.programme.code, "organisme" if quality else "programme",
                    documents=m.files, ref=f"cours {c.shortname}, activité {m.id}",
                    state=_module_state(m, sec.visible, quality, stale_before), modname=m.modname))
        value = c.customfields.get(field)
        if value and value.strip():
            found.append(Evidence(f"champ « {field} »", c.shortname, None, c.url, "moodle", (number,),
                                  inp.programme.code, text=value.strip(), ref=f"cours {c.shortname}"))
    return found


def applies_to(e: Evidence, inp: EvalInput) -> bool:
    """A register entry counts for its programme, for its action category, or provider-wide."""
    if e.programme:
        return e.programme.casefold() in inp.programme.names
    if e.category:
        return e.category == inp.programme.action_category
    return True


def register_evidence(number: int, inp: EvalInput) -> list[Evidence]:
    """Entries of the evidence register (in Moodle or imported) for this indicator and programme."""
    return [e for e in inp.evidence if number in e.indicators and applies_to(e, inp)]


def find_evidence(number: int, inp: EvalInput) -> list[Evidence]:
    return tagged_evidence(number, inp) + register_evidence(number, inp)


def _not_counted(e: Evidence) -> Finding:
    why = {"hidden": "masquée aux apprenants dans un cours du programme : elle ne compte pas",
           "empty": f"{EMPTY_WHY.get(e.modname or '', 'contenu vide')} : elle ne compte pas"}[e.state]
    fix = ("Rendre l’activité visible (ou la déposer dans le cours qualité)." if e.state == "hidden"
           else "Déposer le document ou compléter le contenu.")
    return Finding(f"Preuve {'masquée' if e.state == 'hidden' else 'vide'} : {e.label}",
                   Where(course=e.course, url=e.url), why, fix, Outcome.WARN, "quality")


def _stale(e: Evidence, inp: EvalInput) -> Finding:
    if e.review_date:
        why = "date de revue dépassée : la revue prévue n’est pas tracée"
    else:
        why = f"contenu non mis à jour depuis plus de {inp.t('evidence_max_age_days')} jours"
    return Finding(f"Preuve à revoir : {e.label}", Where(course=e.course, url=e.url), why,
                   "Revoir le document, le mettre à jour et reporter la nouvelle date de revue.", Outcome.WARN,
                   "quality")


def _first_sentence(text: str | None, limit: int = 160) -> str:
    """The guide's first example of proof, cut on a word boundary (never mid-word)."""
    first = (text or "").split("\n")[0].strip()
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:(") + " …"


SOURCE_WORDS = {"moodle": "dans Moodle", "register": "au registre des preuves", "spreadsheet": "au registre importé"}


def evaluate_evidence(number: int, inp: EvalInput, accept: Callable[[Evidence], bool] | None = None,
                      wanted: str | None = None) -> Verdict:
    """``accept``: only these pieces count (e.g. a formalised process for a new entrant); ``wanted`` says
    what is expected, in French, when nothing is found."""
    ind = load_referentiel().indicator(number)
    code = str(inp.t("evidence_pattern")).format(n=number)
    found = [e for e in find_evidence(number, inp) if accept is None or accept(e)]
    counted = [e for e in found if e.state in ("ok", "stale")]
    figures: dict[str, float | int | str] = {"preuves": len(counted)}
    if number in (2, 3, 11):
        figures.update(result_figures(inp))
    not_counted = [_not_counted(e) for e in found if e.state in ("hidden", "empty")]
    if not counted:
        f = Finding(f"Preuve à fournir pour l’indicateur {number}", Where(),
                    f"rien de marqué {code} dans les cours du programme ou le cours qualité, "
                    "et aucune fiche du registre des preuves pour cet indicateur",
                    f"Déclarer la preuve ({wanted or _first_sentence(ind.proof)}) au registre des preuves, "
                    f"ou la déposer dans le cours qualité avec « {code} » dans son nom.", Outcome.FAILED, "quality")
        return Verdict(number, inp.programme.code, Outcome.FAILED, "Aucune preuve trouvée (Moodle, registres).",
                       figures, (f, *not_counted), evidence=tuple(found), missing=True)
    stale = [_stale(e, inp) for e in counted if e.state == "stale"]
    outcome = Outcome.PASSED if any(e.state == "ok" for e in counted) else Outcome.WARN
    by_source = defaultdict(int)
    for e in counted:
        by_source[e.source] += 1
    where_found = ", ".join(f"{n} {SOURCE_WORDS[src]}" for src, n in sorted(by_source.items()))
    summary = f"{plural(len(counted), 'preuve')} : {where_found}." + (
        f" {len(stale)} à revoir (revue ou mise à jour dépassée)." if stale else "")
    return Verdict(number, inp.programme.code, outcome, summary, figures, (*stale, *not_counted),
                   evidence=tuple(found))
