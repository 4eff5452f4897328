"""The request models on their own: every rule is checked when a model is built, and one
definition per field gives the CLI's help, the JSON Schema and the string-mapping parser."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest

from gong_search import SearchOptions, search
from gong_search.errors import ConfigError, QueryError, WindowError
from gong_search.model import option
from gong_search.search_options import MAX_QUERY_CHARS
from gong_search.simulator import SimulatorConfig
from gong_search.sync_report import SyncOptions

JAN = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mode": "fuzzy"}, "mode must be default, all, any or literal, not 'fuzzy'"),
        ({"sort": "bogus"}, "--sort must be relevance or date, not 'bogus'"),
        ({"limit": -1}, "--limit must not be negative"),
        ({"offset": -1}, "--offset must not be negative"),
        ({"per_call": -1}, "--per-call must not be negative"),
        ({"before": -1}, "--before must not be negative"),
        ({"after": -2}, "--after must not be negative"),
        ({"affiliations": ("partner",)}, "--affiliation must be internal, external or unknown"),
        ({"customer": True, "internal": True}, "--customer and --internal exclude each other"),
        ({"start": JAN, "end": JAN}, "--to must be after --from"),
        ({"start": JAN, "end": JAN - timedelta(days=1)}, "--to must be after --from"),
        ({"start": JAN, "end": datetime(2026, 2, 1)}, "both have a time zone"),
        ({"title": "x" * (MAX_QUERY_CHARS + 1)}, "--title is 2,001 characters long"),
        ({"limit": "5"}, "--limit must be a whole number, not '5'"),
        ({"limit": True}, "--limit must be a whole number"),
        ({"fuzzy": "yes"}, "fuzzy must be true or false"),
        ({"speakers": "ana"}, "--speaker must be a list of text"),
        ({"affiliations": "internal"}, "--affiliation must be a list of text"),
    ],
)
def test_search_options_refuse_each_invalid_value_when_built(fields, message) -> None:
    with pytest.raises(QueryError, match=re.escape(message)):
        SearchOptions(**fields)


def test_search_options_accept_lists_and_any_case_affiliation() -> None:
    options = SearchOptions(speakers=["ana"], affiliations=("External",), per_call=0)
    assert options.speakers == ("ana",) and options.affiliations == ("external",)
    assert SearchOptions(customer=True).affiliation_filter() == ("external", "unknown")


def test_search_refuses_options_and_keyword_arguments_together(crafted_index) -> None:
    with pytest.raises(TypeError, match="not both"):
        search(crafted_index, "pricing", SearchOptions(limit=1), limit=5)


def test_search_with_a_bogus_sort_is_a_query_error_not_relevance(crafted_index) -> None:
    with pytest.raises(QueryError, match="--sort"):
        search(crafted_index, "pricing", sort="bogus")


def test_json_schema_describes_every_field_with_type_default_and_help() -> None:
    schema = SearchOptions.json_schema()
    names = [f.name for f in dataclasses.fields(SearchOptions)]
    assert list(schema["properties"]) == names and schema["additionalProperties"] is False
    props = schema["properties"]
    assert props["limit"] == {
        "description": "Hits to show (0 = all).",
        "type": "integer",
        "minimum": 0,
        "default": 20,
    }
    assert props["mode"]["enum"] == ["default", "all", "any", "literal"]
    assert props["affiliations"]["items"]["enum"] == ["internal", "external", "unknown"]
    assert props["per_call"]["type"] == ["integer", "null"]
    assert props["start"]["format"] == "date-time"
    assert all(p["description"] for p in props.values())


def test_json_schema_gives_choices_only_to_the_list_that_has_them() -> None:
    """Each property's items are its own: a web form reads ``enum`` to draw checkboxes."""
    props = SearchOptions.json_schema()["properties"]
    assert props["speakers"]["items"] == {"type": "string"}
    assert props["affiliations"]["items"]["enum"] == ["internal", "external", "unknown"]
    assert SearchOptions.json_schema()["properties"]["call_ids"]["items"] == {"type": "string"}


def test_from_mapping_parses_a_query_string_into_the_same_model() -> None:
    parsed = SearchOptions.from_mapping(
        {
            "mode": "all",
            "fuzzy": "true",
            "speakers": "ana, bo",
            "hosts": ["Ann"],
            "limit": "5",
            "per_call": "",
            "start": "2026-01-01T00:00:00+00:00",
        }
    )
    assert parsed == SearchOptions(
        mode="all", fuzzy=True, speakers=("ana", "bo"), hosts=("Ann",), limit=5, start=JAN
    )


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"colour": "red"}, "unknown option 'colour'"),
        ({"limit": "five"}, "--limit must be a whole number, not 'five'"),
        ({"limit": "-3"}, "--limit must not be negative"),
        ({"fuzzy": "maybe"}, "fuzzy must be true or false"),
        ({"start": "someday"}, "--from"),  # "yesterday" is a date since issue 16
        ({"sort": "size"}, "--sort must be relevance or date"),
    ],
)
def test_from_mapping_refuses_bad_strings_with_one_line_query_errors(mapping, message) -> None:
    with pytest.raises(QueryError, match=message):
        SearchOptions.from_mapping(mapping)


def test_a_field_added_to_the_model_appears_in_the_schema_and_the_parser() -> None:
    @dataclasses.dataclass(frozen=True)
    class Wider(SearchOptions):
        """Search options plus a language."""

        language: str = option("en", "Transcript language.", choices=("en", "de"))

    assert Wider.json_schema()["properties"]["language"] == {
        "description": "Transcript language.",
        "type": "string",
        "enum": ["en", "de"],
        "default": "en",
    }
    assert Wider.from_mapping({"language": "de", "limit": "3"}).language == "de"
    with pytest.raises(QueryError, match="language must be en or de"):
        Wider.from_mapping({"language": "fr"})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"overlap_days": -5}, "--overlap-days must be a number from 0 to 3650"),
        ({"overlap_days": float("nan")}, "--overlap-days must be a number from 0 to 3650"),
        ({"pending_days": float("inf")}, "--pending-days must be a number from 0 to 3650"),
        ({"max_removal_share": 2}, "--max-removal-share must be a number from 0 to 1"),
        ({"full": "yes"}, "full must be true or false"),
    ],
)
def test_sync_options_refuse_bad_numbers_when_built(fields, message) -> None:
    with pytest.raises(ConfigError, match=message):
        SyncOptions(**fields)


def test_sync_options_refuse_an_empty_or_future_window_when_built() -> None:
    with pytest.raises(WindowError, match="empty sync window"):
        SyncOptions(start=JAN, end=JAN)
    with pytest.raises(WindowError, match="empty sync window"):
        SyncOptions(start=datetime.now(UTC) + timedelta(days=1))
    assert SyncOptions(start=JAN, end=JAN + timedelta(days=1)).start == JAN


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rate": -1.0}, "--rate must not be negative"),
        ({"fail_rate": 1.5}, "fail_rate must be a number from 0 to 1"),
        ({"port": 70000}, "--port must be a number from 0 to 65535"),
        ({"calls": -1}, "--calls must not be negative"),
        ({"call_length": (5, 2)}, "--call-length must be MIN:MAX"),
    ],
)
def test_simulator_config_refuses_bad_values_when_built(fields, message) -> None:
    with pytest.raises(ConfigError, match=message):
        SimulatorConfig(**fields)
