"""config.example.toml documents valid keys: it loads as it is."""

from pathlib import Path

from connector.config import load_settings

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"


def test_example_config_is_valid():
    s = load_settings(EXAMPLE)
    assert s.moodle.url.startswith("https://")
    assert [p.code for p in s.programmes] == ["BTS-MCO", "EXCEL"]
    assert s.thresholds["inactive_days"] == 30


def test_every_threshold_default_is_documented_with_its_default():
    from mappings.thresholds import DEFAULTS

    documented = load_settings(EXAMPLE).thresholds
    assert documented == DEFAULTS
