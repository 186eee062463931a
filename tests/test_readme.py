"""The README stays true: the function list comes from the registry, the set-up commands are there."""

from pathlib import Path

from connector.moodle.functions import markdown_table

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def test_function_table_is_generated_from_the_registry():
    assert markdown_table() in README


def test_two_setup_commands():
    assert ".venv/bin/pip install -e . && .venv/bin/qualiopi-sync demo" in README
    assert ".venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest" in README


def test_the_demo_data_counts_are_the_bundles():
    import json
    import re

    entries = json.loads((Path(__file__).resolve().parents[1] / "connector" / "demo" / "bundle.json")
                         .read_text("utf-8"))["entries"]
    recorded = sum(e["source"].startswith("recorded:") for e in entries)
    m = re.search(r"(\d+) answers are copied verbatim.*?the other (\d+) answers are \*derived\*", README, re.DOTALL)
    assert m and (int(m[1]), int(m[2])) == (recorded, len(entries) - recorded)
