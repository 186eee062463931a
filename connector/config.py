"""Configuration: one TOML file, ``QUALIOPI_*`` environment overrides, token from a file.

Environment variables override the file: ``QUALIOPI_MOODLE__URL``,
``QUALIOPI_MOODLE__TOKEN``, ``QUALIOPI_STORE__URL`` … (section and key joined by ``__``).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from connector.config_errors import config_error
from connector.errors import ConfigError

DEFAULT_CONFIG = "qualiopi-sync.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MoodleConfig(_Section):
    url: str = Field(description="Moodle root URL, e.g. https://moodle.example.fr")
    token: SecretStr | None = None
    token_file: Path | None = None
    timeout: float = Field(30.0, gt=0)
    retries: int = Field(3, ge=1, le=10)
    backoff: float = Field(1.0, ge=0)
    concurrency: int = Field(4, ge=1, le=32)
    participants_report_id: int | None = Field(None, ge=1, description="custom report for bulk enrolments")
    report_page_size: int = Field(10000, ge=10, le=100000)
    report_timezone: str = "Europe/Paris"  # the sync user's timezone: the report writes dates in it

    @field_validator("report_timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA timezone such as Europe/Paris or UTC") from None
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL of the Moodle root")
        return v.rstrip("/")

    def resolved_token(self) -> str:
        if self.token is not None and self.token.get_secret_value():
            return self.token.get_secret_value()
        if self.token_file is None:
            raise ConfigError("[moodle] token: missing; set [moodle] token_file (or QUALIOPI_MOODLE__TOKEN)")
        try:
            token = self.token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"[moodle] token_file: cannot read {self.token_file}: {exc.strerror}") from None
        if not token:
            raise ConfigError(f"[moodle] token_file: {self.token_file} is empty")
        return token


class StoreConfig(_Section):
    url: str = "sqlite:///qualiopi-sync.db"
    lock_file: Path | None = None  # SQLite only; default: next to the database file


class SyncConfig(_Section):
    lookback_hours: int = Field(24, ge=0, description="re-fetch completion of learners seen within this window")
    features: list[Literal["sync", "push"]] = ["sync"]
    course_ids: list[int] = Field(default_factory=list, description="restrict to these courses (empty = all)")


class RuleConfig(_Section):
    """One mapping rule: exactly one of category / customfield / prefix."""

    category: str | int | None = None  # category id or idnumber
    subcategories: bool = True
    customfield: str | None = None  # custom-field shortname, with `value`
    value: str | None = None
    prefix: str | None = None  # shortname or idnumber prefix

    @model_validator(mode="after")
    def _one_kind(self) -> RuleConfig:
        kinds = [k for k in ("category", "customfield", "prefix") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a rule needs exactly one of category, customfield (+ value) or prefix")
        if self.customfield is not None and self.value is None:
            raise ValueError("a customfield rule needs a value")
        return self


def _checked_thresholds(v: dict) -> dict:
    from mappings.thresholds import problems

    found = problems(v)
    if found:
        raise ValueError("; ".join(found))
    return v


class ProgrammeConfig(_Section):
    code: str
    title: str
    action_category: Literal["action_de_formation", "bilan_de_competences", "vae", "apprentissage"] = \
        "action_de_formation"
    alternance: bool = False
    rncp: str | None = None
    rncp_field: str = "rncp"
    certifying: bool | None = None  # None: certifying when an RNCP/RS code is found (TOML or course field)
    duration_days: float | None = Field(None, gt=0)  # declared duration (indicator 12 applies past 2 days)
    duration_hours: float | None = Field(None, gt=0)  # or in hours (7 h a day); else the courses' hours field
    uses_subcontractors: bool = Field(False, validation_alias=AliasChoices("uses_subcontractors", "subcontracting"))
    provider_is_subcontractor: bool = False  # delivered as a subcontractor of another provider: 1, 2, 3 n/a
    work_based: bool = False
    rules: list[RuleConfig] = Field(min_length=1)
    thresholds: dict[str, float | str | list[str]] = Field(default_factory=dict)
    # indicator 7's blocs × courses crosswalk: bloc code → course shortnames or section names covering it
    blocs: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("a programme code must not be empty")
        if len(v) > 64:
            raise ValueError(f"a programme code is at most 64 characters (this one has {len(v)})")
        if any(ord(ch) < 32 or ch in "/\\" for ch in v):
            raise ValueError("a programme code holds no control character, '/' or '\\'")
        return v

    @field_validator("thresholds")
    @classmethod
    def _thresholds(cls, v: dict) -> dict:
        return _checked_thresholds(v)

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data: Any) -> Any:
        if isinstance(data, dict) and "new_entrant" in data:
            raise ValueError("new_entrant moved to [provider]: new_entrant_since = <date> (or "
                             "new_entrant_categories), with [audit] type = \"initial\"")
        return data


ActionCategory = Literal["action_de_formation", "bilan_de_competences", "vae", "apprentissage"]


class ProviderConfig(_Section):
    """Who the provider is and what is certified (the dossier's first page)."""

    name: str = "Organisme de formation"  # raison sociale
    siret: str | None = None
    nda: str | None = None  # numéro de déclaration d'activité
    certificate_number: str | None = None
    certifier: str | None = None
    certificate_valid_until: dt.date | None = None
    categories: list[ActionCategory] = Field(default_factory=list)  # certified scope
    sites: list[str] = Field(default_factory=list)
    new_entrant_since: dt.date | None = None  # first activity as a provider, when in its first year
    new_entrant_categories: dict[ActionCategory, dt.date] = Field(default_factory=dict)  # a new action category

    @field_validator("siret")
    @classmethod
    def _siret(cls, v: str | None) -> str | None:
        if v is None:
            return v
        digits = v.replace(" ", "")
        if not (digits.isdigit() and len(digits) == 14):
            raise ValueError("a SIRET is 14 digits")
        return digits


class AuditConfig(_Section):
    """The coming audit: its type decides the new-entrant rules (initial audit only)."""

    type: Literal["initial", "surveillance", "renouvellement"] = "surveillance"
    date: dt.date | None = None
    period_start: dt.date | None = None  # evidence period
    period_end: dt.date | None = None


REGISTER_KINDS = ("preuves", "reclamations", "amelioration")


class QualityConfig(_Section):
    """Where provider-wide evidence lives: the quality course(s) and the registers kept there."""

    course_ids: list[int] = Field(default_factory=list)  # courses holding provider-wide evidence and registers
    evidence_register: str = "Registre des preuves Qualiopi"  # name of the Database activity
    complaints_register: str = "Registre des réclamations"
    improvement_register: str = "Plan d'amélioration continue"
    # Moodle id of the category holding the trainers' own training ("formation des formateurs", with its
    # subcategories): staff completions there are 22's traces; its courses belong to no programme
    trainers_category: int | None = Field(None, gt=0)

    def register_names(self) -> dict[str, str]:
        """kind → Database activity name."""
        return {"preuves": self.evidence_register, "reclamations": self.complaints_register,
                "amelioration": self.improvement_register}


class DossierConfig(_Section):
    """The auditor's dossier: documents copied from Moodle, the learner sample."""

    snapshot_dir: Path = Path("snapshots")  # copies of the documents held in Moodle (0700), made by sync
    max_file_mb: float = Field(20, gt=0)  # a bigger document is listed, not copied
    max_dossier_mb: float = Field(200, gt=0)  # per programme dossier; past it, documents are listed, not copied
    sample_size: int = Field(3, ge=0, le=50)  # learners per programme in the sampling annex
    sample_seed: int = 1  # the same seed gives the same sample


class RetentionConfig(_Section):
    """How long personal data is kept after an enrolment, a course or a contract ended (RGPD): past it,
    `purge` removes it and the sync no longer brings it back."""

    months: int = Field(36, ge=6, le=240)


class ReportsConfig(_Section):
    out_dir: Path = Path("out")  # site, PDFs, teacher digests; the dossier goes to out_dir/dossier (0700)
    # a rate (0–1) or score that moved less than this is unchanged: no re-render, nothing re-sent
    figure_tolerance: float = Field(0.01, ge=0, le=0.5)
    # the group of the web server that publishes out_dir (files 0640, folders 0750); the dossier stays owner-only
    group: str | None = None
    # processes laying the programme PDFs out (WeasyPrint uses one core per document), and evaluating the
    # programmes of a site of 500 courses or more; 0: one per core
    pdf_workers: int = Field(0, ge=0, le=64)

    @property
    def workers(self) -> int:
        import os

        return self.pdf_workers or os.cpu_count() or 1

    @field_validator("group")
    @classmethod
    def _group(cls, v: str | None) -> str | None:
        import grp

        if v is not None:
            try:
                grp.getgrnam(v)
            except KeyError:
                raise ValueError(f"no group named {v!r} on this machine") from None
        return v


class SmtpConfig(_Section):
    host: str
    port: int = Field(587, ge=1, le=65535)
    starttls: bool = True  # STARTTLS before login; false only for a local relay
    username: str | None = None
    password: SecretStr | None = None
    password_file: Path | None = None
    sender: str = Field(description="From: address")
    cafile: Path | None = None  # CA bundle to verify the server's certificate (default: the system's)
    timeout: float = Field(30.0, gt=0)

    def resolved_password(self) -> str | None:
        from connector.safe_text import register_secret

        if self.password is not None:
            register_secret(self.password.get_secret_value())
            return self.password.get_secret_value()
        if self.password_file is not None:
            try:
                secret = self.password_file.read_text(encoding="utf-8").strip()
                register_secret(secret)
                return secret
            except OSError as exc:
                raise ConfigError(f"[smtp] password_file: cannot read {self.password_file}: {exc.strerror}") from None
        return None


class PushConfig(_Section):
    teachers: bool = True  # one Moodle notification per teacher whose digest changed
    quality_emails: list[str] = Field(default_factory=list)  # PDFs by e-mail (needs [smtp])
    forum_id: int | None = None  # PDFs attached to a new discussion in this Moodle forum
    private_files: bool = False  # PDFs into the sync user's private files
    report_url: str | None = None  # where the site is published, for the link in teacher messages


class JobConfig(_Section):
    name: str
    cron: str  # crontab fields "min hour day month weekday"; weekdays by name (mon-fri)
    command: Literal["run", "sync", "purge"] = "run"


class ScheduleConfig(_Section):
    timezone: str = "Europe/Paris"
    misfire_grace_seconds: int = Field(3600, ge=1)
    jobs: list[JobConfig] = Field(default_factory=lambda: [JobConfig(name="nightly", cron="30 5 * * mon-sat")])


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="QUALIOPI_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    moodle: MoodleConfig
    store: StoreConfig = StoreConfig()
    sync: SyncConfig = SyncConfig()
    provider: ProviderConfig = ProviderConfig()
    audit: AuditConfig = AuditConfig()
    programmes: list[ProgrammeConfig] = Field(default_factory=list)
    thresholds: dict[str, float | str | list[str]] = Field(default_factory=dict)
    quality: QualityConfig = QualityConfig()
    quality_course_ids: list[int] = Field(default_factory=list)  # older spelling of [quality] course_ids
    reports: ReportsConfig = ReportsConfig()
    dossier: DossierConfig = DossierConfig()
    retention: RetentionConfig = RetentionConfig()
    push: PushConfig = PushConfig()
    smtp: SmtpConfig | None = None
    schedule: ScheduleConfig = ScheduleConfig()

    @field_validator("thresholds")
    @classmethod
    def _thresholds(cls, v: dict) -> dict:
        return _checked_thresholds(v)

    @model_validator(mode="after")
    def _distinct_codes(self) -> Settings:
        from reports.model import slug_of

        seen: dict[str, str] = {}
        for i, p in enumerate(self.programmes):
            slug = slug_of(p.code).casefold()
            if slug in seen:
                same = seen[slug] == p.code
                raise ValueError(f"programmes.{i}.code: « {p.code} » " + (
                    "is given twice" if same else f"and « {seen[slug]} » would write the same report files") +
                    ": give each programme its own code")
            seen[slug] = p.code
        return self

    @property
    def quality_courses(self) -> list[int]:
        """The quality course ids, from [quality] course_ids (or the older top-level quality_course_ids)."""
        return sorted({*self.quality.course_ids, *self.quality_course_ids})

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (env_settings, init_settings)  # environment beats the TOML file


def _from_environment() -> bool:
    """The Moodle settings come from QUALIOPI_MOODLE__* variables (a container without a file)."""
    import os

    return any(k.upper().startswith("QUALIOPI_MOODLE__") for k in os.environ)


def load_store_config(path: str | Path | None) -> StoreConfig:
    """Only the ``[store]`` table (and ``QUALIOPI_STORE__*``): what reading the store needs, without the Moodle
    settings (``status`` on a machine that holds no token)."""
    import os

    p = Path(path or DEFAULT_CONFIG)
    data: dict[str, Any] = {}
    env = {k.upper().removeprefix("QUALIOPI_STORE__").lower(): v for k, v in os.environ.items()
           if k.upper().startswith("QUALIOPI_STORE__")}
    if p.exists():
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8")).get("store") or {}
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{p}: cannot read: {exc.strerror}") from None
    elif not env:
        raise ConfigError(f"no configuration file {p} (give --config PATH, or the store's URL with --store URL or "
                          "QUALIOPI_STORE__URL)")
    try:
        return StoreConfig(**{**data, **env})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise config_error(p, {**err, "loc": ("store", *err["loc"])}, {"store": data}) from None


def load_settings(path: str | Path | None, *, require_file: bool = True) -> Settings:
    """Read the TOML file (if any) and the environment; raise ConfigError with one line."""
    data: dict[str, Any] = {}
    p = Path(path or DEFAULT_CONFIG)
    if p.exists():
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{p}: cannot read: {exc.strerror}") from None
    elif require_file and (path is not None or not _from_environment()):
        raise ConfigError(f"no configuration file {p} (copy config.example.toml to {p} and edit it, or give "
                          "--config PATH)")
    try:
        return Settings(**data)
    except ValidationError as exc:
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise config_error(p, exc.errors()[0], data, more) from None
