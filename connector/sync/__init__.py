"""Incremental sync of a Moodle site into the store, one resource at a time."""

from connector.sync.engine import SyncResult, run_sync

__all__ = ["SyncResult", "run_sync"]
