"""Typed exceptions raised below the CLI. Only the CLI turns them into exit codes.

Every message is one line, says what went wrong and what to change, and never
contains the Moodle token.
"""

from __future__ import annotations

# Documented exit codes (README "Exit codes").
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_AUTH = 3
EXIT_TRANSIENT = 4
EXIT_LOCKED = 5
EXIT_LOCK_LOST = 6


class QualiopiSyncError(Exception):
    """Base class: a one-line, token-free message and an exit code."""

    exit_code = EXIT_FAILED


class ConfigError(QualiopiSyncError):
    exit_code = EXIT_CONFIG


class NothingSyncedError(QualiopiSyncError):
    """The store holds no successful sync: there is nothing to evaluate."""

    exit_code = EXIT_CONFIG


class InputError(QualiopiSyncError):
    """A user-supplied file is invalid; ``details`` lists each problem (e.g. one per CSV line)."""

    exit_code = EXIT_CONFIG

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


class LockedError(QualiopiSyncError):
    exit_code = EXIT_LOCKED


class LockLostError(QualiopiSyncError):
    """The run's lock vanished (its PostgreSQL connection was closed): stop before writing or sending.

    Not a LockedError: « busy » means nothing was done and the next run catches up (a scheduler skips it);
    a lost lock stops a run midway, a failure to look at."""

    exit_code = EXIT_LOCK_LOST


class StoreError(QualiopiSyncError):
    exit_code = EXIT_FAILED


class StoreUnreachableError(StoreError):
    """The database server did not answer (refused, timed out): the next run may find it up."""

    exit_code = EXIT_TRANSIENT


class PushError(QualiopiSyncError):
    """Something could not be delivered (message refused, SMTP failure); recorded, never retried blindly."""

    exit_code = EXIT_FAILED


class TransportError(QualiopiSyncError):
    """The HTTP exchange failed: timeout, refused connection, non-JSON or truncated body, 5xx."""

    exit_code = EXIT_TRANSIENT

    def __init__(self, message: str, *, wsfunction: str | None = None) -> None:
        super().__init__(message)
        self.wsfunction = wsfunction


class FileTooLargeError(TransportError):
    """A file is larger than the configured limit: not copied."""


class UnexpectedPayloadError(TransportError):
    """Valid JSON, but not the shape this Moodle function is known to return."""


class WebServiceOffError(QualiopiSyncError):
    """Moodle (or a proxy in front of it) refuses the web-service address itself (HTTP 401/403): web services
    or the REST protocol are off, or this machine is refused. Not retried: the next call would be refused too."""

    exit_code = EXIT_AUTH


class MoodleError(QualiopiSyncError):
    """Moodle answered with an ``exception`` body (HTTP 200)."""

    exit_code = EXIT_FAILED
    advice = "see the Moodle error code in the Moodle documentation"

    def __init__(
        self,
        wsfunction: str,
        errorcode: str,
        moodle_message: str,
        exception: str = "",
        debuginfo: str | None = None,
        advice: str | None = None,
    ) -> None:
        self.wsfunction = wsfunction
        self.errorcode = errorcode
        self.moodle_message = moodle_message
        self.exception = exception
        self.debuginfo = debuginfo
        if advice:
            self.advice = advice
        super().__init__(
            f"Moodle refused {wsfunction} ({errorcode}: {moodle_message.strip()}): {self.advice}"
        )


class InvalidTokenError(MoodleError):
    exit_code = EXIT_AUTH
    advice = (
        "the token is unknown or expired; set [moodle] token or token_file to a token of the "
        "sync user (Site administration > Server > Web services > Manage tokens)"
    )


class FunctionNotAvailableError(MoodleError):
    exit_code = EXIT_AUTH
    advice = (
        "add this function to the external service of the token (Site administration > Server > "
        "Web services > External services > Functions) and check the sync user has "
        "webservice/rest:use; `qualiopi-sync doctor` lists every function needed"
    )


class AccessDeniedError(MoodleError):
    exit_code = EXIT_AUTH
    advice = (
        "grant the missing capability to the sync user's system role (README, 'Moodle set-up'); "
        "`qualiopi-sync doctor` probes each capability"
    )


class InvalidParameterError(MoodleError):
    advice = "qualiopi-sync sent a parameter this Moodle does not accept: report it as a bug"


class RecordNotFoundError(MoodleError):
    advice = "the course, activity or user no longer exists in Moodle"


class ReplayMissError(TransportError):
    """The replay transport has no recording for a request (demo/tests only)."""
