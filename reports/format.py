"""French formatting (Babel, fr_FR) and the sanitiser every Moodle HTML goes through (nh3)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import nh3
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from mappings.model import Outcome, Risk, Status

LOCALE = "fr_FR"
PARIS = ZoneInfo("Europe/Paris")
# Tags kept from Moodle HTML: text structure and links only. No img/iframe/style/script, no src attributes:
# nothing from Moodle can run script or load a remote resource in a report.
_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
         "blockquote", "code", "pre", "span", "div", "table", "thead", "tbody", "tr", "th", "td"}
_ATTRS = {"a": {"href", "title"}}

SEVERITY_CLASS = {Outcome.PASSED: "ok", Outcome.WARN: "warn", Outcome.FAILED: "ko",
                  Outcome.NOT_EVALUATED: "ne", Outcome.NOT_APPLICABLE: "na"}
STATUS_CLASS = {Status.COUVERT: "ok", Status.A_CONSOLIDER: "warn", Status.A_FOURNIR: "ko",
                Status.NON_EVALUE: "ne", Status.NON_APPLICABLE: "na"}
# one sign per status in the matrix; the legend and each cell's title give the words
STATUS_SIGN = {Status.COUVERT: "✓", Status.A_CONSOLIDER: "≈", Status.A_FOURNIR: "!", Status.NON_EVALUE: "?",
               Status.NON_APPLICABLE: "–"}
RISK_CLASS = {Risk.MAJEURE: "r-maj", Risk.MINEURE: "r-min", Risk.ATTENTION: "r-att", Risk.AUCUN: "r-none"}


def sanitize(html: str | None) -> str:
    """Moodle HTML → safe HTML (Markup-ready): script, handlers, styles and remote loads removed."""
    return nh3.clean(html or "", tags=_TAGS, attributes=_ATTRS, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow", strip_comments=True)


def safe_url(url: str | None) -> str:
    """Only http(s) and mailto links reach a report; anything else (javascript:, data:…) becomes "#"."""
    u = (url or "").strip()
    return u if u.lower().startswith(("http://", "https://", "mailto:")) else "#"


def truncate_words(text: str, n: int) -> str:
    """At most n words, cut on a word boundary, with an ellipsis when cut."""
    words = (text or "").split()
    return " ".join(words[:n]) + (" …" if len(words) > n else "")


def iso_date(iso: str | None) -> str:
    """2027-03-15 → 15 mars 2027."""
    if not iso:
        return "—"
    return format_date(datetime.fromisoformat(iso).date(), "d MMMM y", locale=LOCALE)


def fr_date(ts: int | None) -> str:
    if not ts:
        return "—"
    return format_date(datetime.fromtimestamp(ts, UTC).astimezone(PARIS), "d MMMM y", locale=LOCALE)


def fr_datetime(ts: int | None) -> str:
    if not ts:
        return "—"
    return format_datetime(datetime.fromtimestamp(ts, UTC).astimezone(PARIS), "d MMMM y 'à' HH:mm",
                           locale=LOCALE)


def fr_number(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return format_decimal(value, locale=LOCALE)


def fr_percent(value: float) -> str:
    return format_percent(value, locale=LOCALE, format="#,##0.#\xa0%")  # 35,7 %, non-breaking space


FIGURE_LABELS = {
    "taux_achevement": "taux d’achèvement Moodle", "taux_abandon": "taux d’abandon", "taux_reponse": "taux de réponse",
    "taux_reussite_parcours": "parcours complet (tous les cours achevés)", "inscrits_actifs": "inscrits actifs", "termines": "terminés",
    "en_cours": "en cours", "non_commences": "non commencés", "jamais_connectes": "jamais connectés",
    "inactifs": "inactifs", "abandons": "abandons", "suspendus": "suspendus", "questionnaires": "questionnaires",
    "reponses": "réponses", "satisfaction_sur_5": "satisfaction (sur 5)", "reclamations": "réclamations",
    "reclamations_repondues": "réclamations répondues", "reclamations_en_retard": "réclamations sans réponse en retard",
    "reclamations_hors_delai": "réclamations répondues hors délai",
    "delai_reponse_median_jours": "délai médian de réponse (jours)", "difficultes": "difficultés exprimées",
    "preuves": "preuves trouvées", "cours_visibles": "cours visibles", "cours_a_completer": "cours à compléter",
    "cours_masques_ignores": "cours masqués (non évalués)", "cours_suivi_complet": "cours au suivi complet",
    "ressources": "ressources mises à disposition", "cours_avec_ressources": "cours proposant des ressources",
    "types_de_ressources": "types de ressources", "formateurs": "formateurs",
    "formateurs_formes": "formateurs formés récemment (Moodle)", "apprenants_positionnes": "apprenants positionnés à l’entrée",
    "positionnes_tardivement": "apprenants positionnés tardivement", "taux_positionnement": "taux de positionnement",
    "informations_renseignees": "informations au public renseignées",
    "informations_attendues": "informations au public attendues", "informations_manquantes": "informations manquantes",
    "parties_prenantes": "parties prenantes interrogées",
    "sans_reponse_a_relancer": "apprenants à relancer (questionnaires nominatifs ouverts)",
    # 2, 3, 11: exam results (imported)
    "candidats_inscrits": "candidats inscrits", "candidats_presentes": "candidats présentés",
    "candidats_admis": "candidats admis", "taux_presentation": "taux de présentation (présentés / inscrits)",
    "taux_reussite_examen": "taux de réussite (admis / présentés)", "blocs_valides": "blocs validés",
    "resultats_examen": "résultats d’examen", "obligation_inserjeunes": "obligation de publication",
    "code_rncp": "code RNCP/RS", "export_rncp": "export France compétences",
    "intitule_certification": "intitulé de la certification", "niveau_certification": "niveau de la certification",
    "certificateur": "certificateur", "fin_enregistrement": "fin d’enregistrement", "fin_programme": "fin du programme",
    "limite_delivrance": "date limite de délivrance", "habilitation": "habilitation du prestataire",
    "blocs_couverts": "blocs de compétences couverts", "correspondance_blocs": "blocs × cours",
    # 12
    "apprenants": "apprenants", "apprenants_a_risque": "apprenants à risque", "relances_tracees": "relances tracées",
    "taux_abandon_precedent": "taux d’abandon (évaluation précédente)", "definition": "définitions",
    "traces": "traces de suivi",
    # 13
    "alternants": "alternants", "points_de_coordination": "points de coordination",
    "alternants_sans_contrat": "alternants sans contrat en cours",
    # 30
    "a_chaud": "questionnaires à chaud", "a_froid": "questionnaires à froid", "publics": "publics interrogés",
    # 31
    "reclamations_registre": "réclamations au registre", "registre_repondues": "réclamations du registre répondues",
    "registre_hors_delai": "réclamations du registre répondues hors délai",
    "registre_en_retard": "réclamations du registre sans réponse en retard",
    "registre_delai_median_jours": "délai médian de réponse au registre (jours)",
    "accuses_hors_delai": "accusés de réception hors délai", "canaux": "canaux de réclamation",
    # 32
    "actions": "actions au plan d’amélioration", "actions_en_cours": "actions prévues ou en cours",
    "actions_realisees": "actions réalisées", "actions_en_retard": "actions en retard",
    "efficacite_evaluee": "actions réalisées à l’efficacité évaluée",
    "reclamations_suivies": "réclamations répondues suivies d’une action",
    "difficultes_recurrentes": "difficultés récurrentes (questionnaires)",
}


def figure(key: str, value: object) -> tuple[str, str]:
    label = FIGURE_LABELS.get(key, key.replace("_", " "))
    if key.startswith("taux") and isinstance(value, int | float):
        return label, fr_percent(float(value))
    return label, fr_number(value)
