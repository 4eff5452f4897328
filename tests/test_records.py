"""The one Gong JSON parser: lenient, cleaning, ids as strings."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gong_search.gong import records
from gong_search.sentences import join_sentences


def test_call_parses_ids_as_strings_and_aware_datetimes() -> None:
    call = records.parse_call(
        {
            "metaData": {
                "id": 7782342274025937895,
                "title": "Demo",
                "started": "2026-01-02T03:04:05.123-07:00",
                "url": "https://us-1.app.gong.io/call?id=7782342274025937895",
                "isPrivate": False,
                "futureField": {"x": 1},
            },
            "parties": [{"speakerId": "11", "name": "Zoë", "affiliation": "Weird"}],
        }
    )
    assert call is not None and call.id == "7782342274025937895"
    assert call.started.utcoffset() is not None and call.started.hour == 3
    assert call.parties[0].affiliation == "Unknown"


def test_text_is_cleaned_of_control_characters_and_lone_surrogates() -> None:
    t = records.parse_transcript(
        {
            "callId": "1",
            "transcript": [
                {
                    "speakerId": "1",
                    "sentences": [{"start": 0, "end": 1, "text": "bad\x00 \ud800text\x1b"}],
                }
            ],
        }
    )
    assert t is not None and t.monologues[0].sentences[0].text == "bad text"


def test_missing_and_wrong_types_degrade_to_defaults() -> None:
    assert records.parse_call({"metaData": {}}) is None
    call = records.parse_call(
        {"metaData": {"id": "5", "started": 12, "duration": "x"}, "parties": "nope"}
    )
    assert call is not None and call.parties == () and call.duration == 0
    assert records.parse_transcript({"callId": "5", "transcript": None}).monologues == ()


def test_speaker_join_falls_back_name_email_phone_id() -> None:
    call = records.parse_call(
        {
            "metaData": {"id": "1"},
            "parties": [
                {"speakerId": "a", "name": "Ann"},
                {"speakerId": "b", "emailAddress": "Bob@X.com", "affiliation": "External"},
                {"speakerId": "c", "phoneNumber": "+1 555"},
            ],
        }
    )
    transcript = records.parse_transcript(
        {
            "callId": "1",
            "transcript": [
                {"speakerId": s, "sentences": [{"start": 0, "end": 1, "text": "hi"}]}
                for s in ("a", "b", "c", "zz")
            ],
        }
    )
    joined = join_sentences(call, transcript)
    assert [r.speaker_name for r in joined.rows] == ["Ann", "bob@x.com", "+1 555", "Speaker zz"]
    assert [r.affiliation for r in joined.rows] == ["Unknown", "External", "Unknown", "Unknown"]
    assert joined.unmatched == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["metaData", "parties", "content", "x"]), json_values))
def test_random_call_json_never_crashes(raw) -> None:
    records.parse_call(raw)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["callId", "transcript"]), json_values) | json_values)
def test_random_transcript_json_never_crashes(raw) -> None:
    records.parse_transcript(raw)
    records.parse_user(raw)
    records.page_cursor(raw)
    records.page_total(raw)
