"""Static, deterministic account settings: workspaces, trackers and scorecards.

Real clients (Airbyte's default sync among them) read these before any call; a 404 on one
aborts the whole sync, so the simulator serves a small but plausible, fixed configuration.
Trackers are defined in ``trackers.py``, shared with the calls that report them.
"""

from __future__ import annotations

from .stamps import SECOND_WORKSPACE_ID, WORKSPACE_ID
from .trackers import definitions

_CREATED = "2022-01-10T09:00:00Z"
_UPDATED = "2025-06-02T14:30:00Z"

WORKSPACES: tuple[dict, ...] = (
    {"id": WORKSPACE_ID, "name": "Northwind Sales", "description": "New business and expansion"},
    {
        "id": SECOND_WORKSPACE_ID,
        "name": "Northwind Customer Success",
        "description": "Customer success and renewals",
    },
)


def workspaces() -> list[dict]:
    return [dict(w) for w in WORKSPACES]


def trackers(creator_user_id: str) -> list[dict]:
    """Keyword trackers (phrases per language), then smart trackers (no phrases: a model)."""
    return definitions(creator_user_id)


SCORECARD_ID = 301
_QUESTIONS = (
    (1, "Overall, how well was the call run?", True),
    (2, "Did the rep uncover the budget and timeline?", False),
    (3, "Did the rep agree clear next steps?", False),
)


def scorecards(updater_user_id: str) -> list[dict]:
    """One manual discovery scorecard in the main workspace (ids are integers in Gong)."""
    return [
        {
            "scorecardId": SCORECARD_ID,
            "scorecardName": "Discovery call",
            "workspaceId": int(WORKSPACE_ID),
            "enabled": True,
            "updaterUserId": int(updater_user_id),
            "created": _CREATED,
            "updated": _UPDATED,
            "reviewMethod": "MANUAL",
            "questions": [
                {
                    "questionId": qid,
                    "questionRevisionId": qid * 10,
                    "questionText": text,
                    "isOverall": overall,
                    "questionType": "SCALE",
                    "answerGuide": "",
                    "minRange": 1,
                    "maxRange": 5,
                    "answerOptions": [],
                }
                for qid, text, overall in _QUESTIONS
            ],
        }
    ]


def answered_scorecard(call: dict, reviewer_user_id: str) -> dict:
    """A deterministic review of ``call`` (metaData) scored from its id."""
    call_id = int(call["id"])
    return {
        "answeredScorecardId": call_id % 10**12,
        "scorecardId": SCORECARD_ID,
        "scorecardName": "Discovery call",
        "callId": call_id,
        "callStartTime": call["started"],
        "reviewedUserId": int(call["primaryUserId"]),
        "reviewerUserId": int(reviewer_user_id),
        "reviewMethod": "MANUAL",
        "editorUserId": int(reviewer_user_id),
        "reviewTime": call["started"],
        "visibilityType": "PUBLIC",
        "answers": [
            {
                "questionId": qid,
                "questionRevisionId": qid * 10,
                "isOverall": overall,
                "score": 1 + (call_id // (qid * 7)) % 5,
                "answerText": "",
                "notApplicable": False,
                "selectedOptions": [],
            }
            for qid, _, overall in _QUESTIONS
        ],
    }


def reviewed(call_id: str) -> bool:
    """About one call in four has a filled scorecard."""
    return int(call_id) % 4 == 0
