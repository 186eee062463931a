"""Frozen plain data the evaluators read, and the verdicts they return. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

DAY = 86400


class Outcome(StrEnum):
    """What an evaluator's checks found (internal). Users read the Status and Risk derived from it."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    WARN = "WARN"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    NOT_EVALUATED = "NOT_EVALUATED"


class Status(StrEnum):
    """Evidence status of a programme × indicator (see ``mappings.status``)."""

    COUVERT = "couvert"
    A_CONSOLIDER = "a_consolider"
    A_FOURNIR = "a_fournir"
    NON_APPLICABLE = "non_applicable"
    NON_EVALUE = "non_evalue"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


class Risk(StrEnum):
    """Risk of a non-conformity at the audit, from the status and the référentiel's grading."""

    MAJEURE = "majeure"
    MINEURE = "mineure"
    ATTENTION = "attention"
    AUCUN = "aucun"

    @property
    def label(self) -> str:
        return RISK_LABELS[self]


STATUS_LABELS = {Status.COUVERT: "couvert", Status.A_CONSOLIDER: "à consolider", Status.A_FOURNIR: "à fournir",
                 Status.NON_APPLICABLE: "non applicable", Status.NON_EVALUE: "non évalué"}
RISK_LABELS = {Risk.MAJEURE: "risque NC majeure", Risk.MINEURE: "risque NC mineure",
               Risk.ATTENTION: "point d’attention", Risk.AUCUN: "aucun risque relevé"}


_RANK = {Outcome.FAILED: 4, Outcome.WARN: 3, Outcome.NOT_EVALUATED: 2, Outcome.PASSED: 1, Outcome.NOT_APPLICABLE: 0}


def worst(outcomes: list[Outcome], default: Outcome = Outcome.NOT_EVALUATED) -> Outcome:
    return max(outcomes, key=_RANK.__getitem__) if outcomes else default


@dataclass(frozen=True)
class Where:
    course: str | None = None  # shortname
    course_id: int | None = None
    section: str | None = None
    activity: str | None = None
    learner: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Finding:
    """What, where, why, how to fix (French, for users)."""

    what: str
    where: Where
    why: str
    fix: str
    severity: Outcome = Outcome.FAILED
    audience: str = "teacher"  # teacher | quality (learner names are for teachers and quality only)


NOT_FROM_MOODLE = "non disponible via Moodle"  # Moodle exposes no owner of a module or file


@dataclass(frozen=True)
class Document:
    """A file held in Moodle (resource, folder file, register attachment): what the dossier copies in."""

    name: str
    url: str | None = None  # Moodle's webservice file URL, never with the token
    size: int | None = None
    time: int | None = None
    mimetype: str | None = None


@dataclass(frozen=True)
class Evidence:
    """A piece of evidence, whatever its source: the evaluators never know where it came from.

    ``source``: ``moodle`` (a tagged activity or resource), ``register`` (an entry of the evidence
    register kept in Moodle) or ``spreadsheet`` (a line of an imported register). ``programme`` None
    means provider-wide. ``state``: ``ok`` counts; ``hidden``, ``empty`` are reported, not counted;
    ``stale`` (past its review date or older than the maximum age) counts as partial.
    """

    label: str
    course: str | None = None  # course shortname (Moodle content)
    timestamp: int | None = None  # date of the content (never a due date)
    url: str | None = None  # where to find it
    source: str = "moodle"
    indicators: tuple[int, ...] = ()
    programme: str | None = None  # a programme code; None: its category, or provider-wide
    category: str | None = None  # an action category (action_de_formation…) when the scope names one
    scope: str = "programme"  # organisme | catégorie d'action | programme | site
    text: str = ""  # the free-text justification
    documents: tuple[Document, ...] = ()
    review_date: int | None = None
    owner: str = NOT_FROM_MOODLE
    nature: str | None = None
    ref: str = ""  # "Registre des preuves Qualiopi, fiche 3" / "preuves.csv, ligne 4" / "activité 27"
    state: str = "ok"
    modname: str | None = None  # the Moodle module kind, for tagged content


@dataclass(frozen=True)
class CourseVerdict:
    course_id: int
    shortname: str
    outcome: Outcome
    figures: Mapping[str, float | int | str] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    indicator: int
    programme: str
    outcome: Outcome
    summary: str  # one French sentence
    figures: Mapping[str, float | int | str] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    courses: tuple[CourseVerdict, ...] = ()
    missing_data: str | None = None  # for NOT_EVALUATED: what data is missing
    evidence: tuple[Evidence, ...] = ()
    missing: bool = False  # nothing found at all (neither in Moodle nor in the registers): "à fournir"
    notes: tuple[tuple[str, str], ...] = ()  # (heading, text) from the référentiel: obligations, subcontracting
    status: Status | None = None  # set once by mappings.status.assess (evaluate_programme)
    risk: Risk | None = None


# ------------------------------------------------------------------ snapshots
@dataclass(frozen=True)
class ModuleSnap:
    id: int
    modname: str
    name: str
    idnumber: str | None
    visible: bool
    completion: int  # 0 none, 1 manual, 2 automatic
    url: str | None = None
    timemodified: int | None = None  # latest date Moodle shows for it (due date…): for course checks
    content_time: int | None = None  # when its content last changed (files, page text, URL): for evidence
    files: tuple[Document, ...] = ()
    target: str | None = None  # a URL resource's external address
    text_chars: int | None = None  # a page's text length (None: not read)


@dataclass(frozen=True)
class SectionSnap:
    number: int
    name: str
    summary: str
    visible: bool
    modules: tuple[ModuleSnap, ...] = ()


@dataclass(frozen=True)
class LearnerSnap:
    user_id: int
    fullname: str
    idnumber: str | None
    status: str  # active | suspended
    lastcourseaccess: int
    groups: tuple[str, ...] = ()
    completed: bool | None = None  # None: unknown (no course completion data)
    activities_done: int = 0
    activities_tracked: int = 0
    done_cmids: frozenset[int] = frozenset()
    progress: float | None = None  # % of tracked activities done (participants report), None: unknown
    done_at: tuple[tuple[int, int | None], ...] = ()  # (cmid, time completed) of the activities read per learner


@dataclass(frozen=True)
class NoteSnap:
    """A course or site note on a learner: a dated follow-up trace (12)."""

    id: int
    user_id: int
    created: int
    state: str  # site | course
    text: str


@dataclass(frozen=True)
class ComplaintSnap:
    """An entry of the complaints register (Moodle Database or spreadsheet): dates as Unix times."""

    ref: str  # "Registre des réclamations, fiche 7"
    subject: str
    received: int | None
    status: str  # reçue | en analyse | répondue | close
    programme: str | None = None  # as written in the register (None: provider-wide)
    acknowledged: int | None = None
    analysed: int | None = None
    answered: int | None = None
    complainant: str | None = None  # apprenant | entreprise | financeur | formateur | autre
    action: str = ""  # corrective action
    url: str | None = None


@dataclass(frozen=True)
class ActionSnap:
    """An action of the continuous-improvement plan (Moodle Database or spreadsheet): dates as Unix times."""

    ref: str  # "Plan d'amélioration continue, fiche 10"
    action: str
    status: str  # prévue | en cours | réalisée | abandonnée
    origin: str | None = None  # réclamation | enquête de satisfaction | audit | veille | abandon | autre
    indicators: tuple[int, ...] = ()
    owner: str = ""
    due: int | None = None
    done: int | None = None
    effectiveness: str = ""  # plain text
    url: str | None = None


@dataclass(frozen=True)
class TrainingSnap:
    """A staff member's enrolment in a course of the trainers' training category (22)."""

    course: str  # shortname
    title: str  # fullname
    completed: bool | None  # None: Moodle reports no completion for the course
    timecompleted: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class ResultSnap:
    """A learner's certification exam result (imported), without the learner: results are counted."""

    programme: str  # as written in the file: a programme's code or rule value
    session: str  # the provider's own session code
    registered: bool
    presented: bool
    result: str  # admis | partiel | ajourne | absent
    blocs: tuple[str, ...] = ()
    exam_date: int | None = None


@dataclass(frozen=True)
class ContractSnap:
    user_id: int
    start: int
    end: int
    company: str
    tutor: str
    kind: str | None = None  # apprentissage | professionnalisation; None: not said in the import


@dataclass(frozen=True)
class StaffSnap:
    user_id: int
    fullname: str
    role: str
    lastcourseaccess: int


@dataclass(frozen=True)
class FeedbackItemSnap:
    id: int
    label: str
    name: str
    typ: str
    presentation: str


@dataclass(frozen=True)
class ResponseSnap:
    id: int
    values: Mapping[int, str | None]  # item id → rawval
    timemodified: int | None = None
    user_id: int | None = None  # who answered a named survey; None for an anonymous one


@dataclass(frozen=True)
class FeedbackSnap:
    id: int
    cmid: int
    name: str
    anonymous: bool
    timeopen: int | None
    timeclose: int | None
    idnumber: str | None = None
    items: tuple[FeedbackItemSnap, ...] = ()
    responses: tuple[ResponseSnap, ...] = ()
    # Moodle's list of who has not answered yet, (user id, began without sending); None: not read
    non_respondents: tuple[tuple[int, bool], ...] | None = None


@dataclass(frozen=True)
class DiscussionSnap:
    id: int
    name: str
    author_id: int
    created: int
    last_post: int  # time of the last post
    last_poster_id: int
    replies: int
    locked: bool = False
    posts: tuple[tuple[int, int], ...] | None = None  # (author id, time) of each reply; None: not read


@dataclass(frozen=True)
class ForumSnap:
    id: int
    cmid: int
    name: str
    type: str
    discussions: tuple[DiscussionSnap, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class RncpFicheSnap:
    """A fiche of the France compétences RNCP/RS open data."""

    numero: str
    intitule: str
    actif: bool
    date_fin: str | None  # ISO date
    niveau: str | None
    certificateurs: tuple[str, ...]
    remplacee_par: tuple[str, ...]
    export_date: str  # ISO date of the export
    date_limite_delivrance: str | None = None  # ISO date; in the XML export only (None with the CSV)
    partenaires: tuple[tuple[str, str, str | None], ...] = ()  # (SIRET, habilitation, state: XML only)
    certificateurs_siret: tuple[str, ...] = ()
    de_droit: bool = False  # « Enregistrement de droit » (a State diploma: no partners to list)
    source: str = "csv"  # csv | xml: what the export could say
    blocs: tuple[tuple[str, str], ...] = ()  # (code, libellé) of its blocs de compétences


@dataclass(frozen=True)
class CourseSnap:
    id: int
    shortname: str
    fullname: str
    category_id: int
    summary: str
    summaryformat: int
    startdate: int
    enddate: int
    visible: bool
    enablecompletion: bool
    customfields: Mapping[str, str | None] = field(default_factory=dict)
    sections: tuple[SectionSnap, ...] = ()
    learners: tuple[LearnerSnap, ...] = ()
    staff: tuple[StaffSnap, ...] = ()
    has_completion_criteria: bool | None = None
    feedbacks: tuple[FeedbackSnap, ...] = ()
    url: str | None = None
    forums: tuple[ForumSnap, ...] = ()
    notes: tuple[NoteSnap, ...] | None = None  # None: notes not read for this course (ended, nobody came)
    customfield_labels: Mapping[str, str | None] = field(default_factory=dict)  # as Moodle displays them
    # (a select field's chosen option, where ``customfields`` holds its number)

    @property
    def modules(self) -> tuple[ModuleSnap, ...]:
        return tuple(m for s in self.sections for m in s.modules)

    @property
    def active_learners(self) -> tuple[LearnerSnap, ...]:
        return tuple(x for x in self.learners if x.status == "active")
