"""Thin, typed Moodle web-service REST client."""

from connector.moodle.client import MoodleClient, RawResponse, RequestsTransport, Transport
from connector.moodle.params import flatten_params

__all__ = ["MoodleClient", "RawResponse", "RequestsTransport", "Transport", "flatten_params"]
