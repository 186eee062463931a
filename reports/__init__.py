"""Pure rendering of reports to files."""
