"""Settings from `dumpling.toml`, overridden by `DUMPLING_A__B` environment variables."""

from pathlib import Path

import pytest

from flows.config import ConfigError, load_config
from flows.schedule import source_parameters

TOML = """
[warehouse]
location = "warehouse"
workers = 2

[sources.Reuters]
location = "reuters"
exclude = ["*.txt"]
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    (tmp_path / "reuters").mkdir()
    (tmp_path / "elsewhere").mkdir()
    path = tmp_path / "dumpling.toml"
    path.write_text(TOML)
    return path


def test_variables_override_and_add_settings_of_every_kind(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUMPLING_WAREHOUSE__WORKERS", "4")
    monkeypatch.setenv("DUMPLING_WAREHOUSE__NEAR_DUPLICATE_THRESHOLD", "0.9")
    monkeypatch.setenv("DUMPLING_SOURCES__REUTERS__LOCATION", "elsewhere")
    monkeypatch.setenv("DUMPLING_SOURCES__REUTERS__EXCLUDE", '["*.dtd", "*.txt"]')
    monkeypatch.setenv(
        "DUMPLING_SOURCES__REUTERS__SCHEDULE", '{ cron = "0 6 * * *", timezone = "Europe/Paris" }'
    )
    monkeypatch.setenv("DUMPLING_SOURCES__NEWS__LOCATION", "reuters")
    monkeypatch.setenv("DUMPLING_SOURCES__NEWS__MAP__BODY", "short_description")
    config = load_config(config_file)
    assert config.warehouse.workers == 4
    assert config.warehouse.near_duplicate_threshold == 0.9
    reuters = config.sources["Reuters"]  # the file's own spelling of the name is kept
    assert (reuters.location, reuters.exclude) == ("elsewhere", ["*.dtd", "*.txt"])
    assert reuters.schedule is not None and (reuters.schedule.cron, reuters.schedule.timezone) == (
        "0 6 * * *",
        "Europe/Paris",
    )
    assert config.sources["news"].field_mapping == "body=short_description"
    parameters = source_parameters(config, config_file.parent, "Reuters", reuters)
    assert parameters["paths"] == [str(config_file.parent / "elsewhere")]
    assert parameters["workers"] == 4


def test_an_unknown_key_in_a_variable_names_the_variable(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUMPLING_WAREHOUSE__COLOUR", "red")
    with pytest.raises(ConfigError) as raised:
        load_config(config_file)
    assert str(raised.value) == (
        f"$DUMPLING_WAREHOUSE__COLOUR (over {config_file}): unknown key 'colour' in warehouse"
    )


def test_a_bad_value_in_a_variable_names_the_variable(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUMPLING_WAREHOUSE__WORKERS", "none")
    with pytest.raises(ConfigError, match=r"^\$DUMPLING_WAREHOUSE__WORKERS \(over .*\): warehouse.workers: "):
        load_config(config_file)
    monkeypatch.setenv("DUMPLING_WAREHOUSE__WORKERS", "2")
    monkeypatch.setenv("DUMPLING_SOURCES__REUTERS__LOCATION", "nowhere")
    with pytest.raises(
        ConfigError, match=r"^\$DUMPLING_SOURCES__REUTERS__LOCATION .*'nowhere' does not exist$"
    ):
        load_config(config_file)


def test_the_plain_warehouse_variable_still_names_the_warehouse(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUMPLING_WAREHOUSE", "s3://bucket/warehouse")
    assert load_config(config_file).warehouse_location(config_file.parent) == "s3://bucket/warehouse"
