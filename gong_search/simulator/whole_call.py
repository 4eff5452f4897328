"""Everything /v2/calls/extensive can say about one call beyond its metadata and parties.

``WholeCall.build`` derives CRM context, trackers, summaries, interaction stats, public
comments and media URLs from a call's base record (metaData + parties) and its transcript,
so the synthetic tenant and calls added through the overlay get the same treatment. Extra
randomness comes from streams seeded with the call id, separate from the streams that made
the call, so asking for more never changes what was already there.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from . import summaries
from .crm import Crm, account_fields, opportunity_fields, sf_id
from .stamps import as_utc, format_timestamp, stable_id
from .trackers import call_trackers

TIMINGS = ("Now", "TimeOfCall")
_MEDIA_HOST = "https://gong-media.s3.us-west-2.amazonaws.com"


class WholeCall:
    def __init__(self, seed: int, crm: Crm) -> None:
        self.seed = seed
        self.crm = crm

    def build(self, record: dict, transcript: Sequence[dict], labels: Sequence[str | None]) -> dict:
        """The full record, with both context timings and every section Gong can return."""
        meta, parties = record["metaData"], record.get("parties", [])
        started = as_utc(datetime.fromisoformat(meta["started"]))
        rng = random.Random(f"{self.seed}:{meta['id']}:whole")
        names = {
            p["speakerId"]: (p.get("name") or "A participant", p.get("affiliation") != "Internal")
            for p in parties
            if "speakerId" in p
        }
        said = summaries.sentences(transcript, labels, names)
        internal = {s for s, (_, external) in names.items() if not external}
        content: dict = {
            "topics": record.get("content", {}).get("topics", []),
            "trackers": call_trackers(
                transcript,
                labels,
                internal,
                meta.get("workspaceId", ""),
                with_occurrences=True,
                language=meta.get("language") or "eng",
            ),
        }
        outcome = summaries.call_outcome(rng, meta)
        if said:
            content["brief"] = summaries.brief(said, meta["title"], outcome)
            content["outline"] = summaries.outline(said)
            content["highlights"] = summaries.highlights(said)
            content["keyPoints"] = summaries.key_points(said)
        if outcome is not None:
            content["callOutcome"] = outcome
        whole = {
            "metaData": meta,
            "context": self._context(parties, started, meta["id"]),
            "parties": [self._party(p) for p in parties],
            "content": content,
            "interaction": _interaction(meta, parties, transcript, said),
            "collaboration": {"publicComments": _comments(rng, meta, parties, said, started)},
            "media": _media(meta),
        }
        return whole

    def _context(self, parties: Sequence[dict], started: datetime, call_id: str) -> list[dict]:
        external = [p["emailAddress"] for p in parties if p.get("affiliation") == "External"]
        account = self.crm.account_for([e for e in external if e])
        if account is None:
            return []
        objects = []
        for timing in TIMINGS:
            moment = self.crm.now if timing == "Now" else started
            fields = account_fields(account, self.crm.customer_at(account, moment))
            objects.append(_object("Account", account.id, fields, timing))
        opp = self.crm.opportunity_for(account, started, f"{self.seed}:{call_id}")
        if opp is not None:
            for timing in TIMINGS:
                step = opp.at(self.crm.now if timing == "Now" else started)
                if step is not None:  # None only for a hand-made call dated after "now"
                    fields = opportunity_fields(opp, step)
                    objects.append(_object("Opportunity", opp.id, fields, timing))
        return [{"system": "Salesforce", "objects": objects}]

    def _party(self, party: dict) -> dict:
        party = dict(party, methods=list(party.get("methods", [])))
        email = party.get("emailAddress")
        if not email:
            return party
        internal = party.get("affiliation") == "Internal"
        account = None if internal else self.crm.account_for([email])
        if not internal and account is None:
            return party  # a prospect's people are not in the CRM yet
        fields = [
            {"name": "Name", "value": party.get("name", "")},
            {"name": "Email", "value": email},
        ]
        if internal:
            kind, object_id = "User", sf_id("005", email)
        else:
            kind, object_id = "Contact", sf_id("003", email)
            fields += [
                {"name": "Title", "value": party.get("title", "")},
                {"name": "AccountId", "value": account.id},
            ]
        objects = [_object(kind, object_id, fields, timing) for timing in TIMINGS]
        party["context"] = [{"system": "Salesforce", "objects": objects}]
        return party


def _object(kind: str, object_id: str, fields: list[dict], timing: str) -> dict:
    return {"objectType": kind, "objectId": object_id, "fields": fields, "timing": timing}


def _interaction(meta: dict, parties: Sequence[dict], transcript: Sequence[dict], said) -> dict:
    talk: dict[str, float] = {}
    for monologue in transcript:
        spoken = sum(s["end"] - s["start"] for s in monologue["sentences"]) / 1000
        talk[monologue["speakerId"]] = talk.get(monologue["speakerId"], 0.0) + spoken
    speakers = []
    for party in parties:
        if party.get("speakerId") in talk:
            entry = {"id": party["id"], "talkTime": round(talk[party["speakerId"]], 2)}
            if party.get("userId"):
                entry["userId"] = party["userId"]
            speakers.append(entry)
    interaction = {
        "speakers": speakers,
        "interactionStats": _host_stats(meta, parties, transcript, sum(talk.values())),
        "questions": {
            "companyCount": sum(s.text.endswith("?") and not s.external for s in said),
            "nonCompanyCount": sum(s.text.endswith("?") and s.external for s in said),
        },
    }
    if meta.get("media") == "Video":
        seconds = float(meta.get("duration", 0))
        shares = (("Browser", 0.1), ("Presentation", 0.35), ("WebcamPrimaryUser", 0.8))
        interaction["video"] = [{"name": n, "duration": round(seconds * f, 1)} for n, f in shares]
        interaction["video"].append(
            {"name": "WebcamNonCompany", "duration": round(seconds * 0.6, 1)}
        )
    return interaction


def _host_stats(meta: dict, parties, transcript: Sequence[dict], total: float) -> list[dict]:
    """Gong's host-centred stats: talk ratio, longest monologue and customer story, ..."""
    host = {p.get("speakerId") for p in parties if p.get("userId") == meta.get("primaryUserId")}
    internal = {p.get("speakerId") for p in parties if p.get("affiliation") == "Internal"}
    spans = [
        (m["speakerId"], (m["sentences"][-1]["end"] - m["sentences"][0]["start"]) / 1000)
        for m in transcript
    ]
    host_talk = sum(
        (s["end"] - s["start"]) / 1000
        for m in transcript
        if m["speakerId"] in host
        for s in m["sentences"]
    )
    minutes = max(float(meta.get("duration", 60)) / 60, 1.0)
    return [
        {"name": "Talk Ratio", "value": round(host_talk / total, 2) if total else 0},
        {
            "name": "Longest Monologue",
            "value": round(max((d for s, d in spans if s in host), default=0), 1),
        },
        {
            "name": "Longest Customer Story",
            "value": round(max((d for s, d in spans if s not in internal), default=0), 1),
        },
        {"name": "Interactivity", "value": round(min(10.0, len(spans) / minutes), 1)},
        {"name": "Patience", "value": _patience(transcript, host)},
    ]


def _patience(transcript: Sequence[dict], host: set) -> float:
    """Gong's patience: the host's average pause (s) before answering someone else."""
    pauses = [
        (now["sentences"][0]["start"] - before["sentences"][-1]["end"]) / 1000
        for before, now in zip(transcript, transcript[1:], strict=False)
        if now["speakerId"] in host and before["speakerId"] not in host
    ]
    return round(sum(pauses) / len(pauses), 2) if pauses else 0.0


_COMMENTS = (
    "Listen to what {name} says here.",
    "@[{manager}]({manager_id}) worth a listen before the forecast call.",
    "This is the key moment of the call.",
    "Let's add this to the objection-handling playbook.",
)


def _comments(rng: random.Random, meta: dict, parties, said, started: datetime) -> list[dict]:
    """About one external call in four gets one or two public comments from colleagues."""
    internal = [p for p in parties if p.get("userId")]
    if not said or not internal or rng.random() >= 0.25:
        return []
    comments: list[dict] = []
    for k in range(rng.randint(1, 2)):
        anchor = rng.choice([s for s in said if s.intent] or list(said))
        author = rng.choice(internal)
        text = rng.choice(_COMMENTS).format(
            name=anchor.speaker.split()[0],
            manager=internal[0].get("name", "host"),
            manager_id=internal[0]["userId"],
        )
        during = rng.random() < 0.3
        posted = started + timedelta(
            seconds=anchor.start if during else meta["duration"] + 3600 * (k + 1)
        )
        comment = {
            "id": stable_id(meta["id"], "comment", k),
            "audioStartTime": anchor.start,
            "audioEndTime": anchor.end,
            "commenterUserId": author["userId"],
            "comment": text,
            "posted": format_timestamp(posted.astimezone(UTC).replace(microsecond=0), 0),
            "duringCall": during,
        }
        if comments:
            comment["inReplyTo"] = comments[0]["id"]
        comments.append(comment)
    return comments


def _media(meta: dict) -> dict:
    token = hashlib.sha256(f"media:{meta['id']}".encode()).hexdigest()[:32]
    query = f"X-Amz-Expires=28800&X-Amz-Signature={token}"
    media = {"audioUrl": f"{_MEDIA_HOST}/{meta['id']}/audio.mp3?{query}"}
    if meta.get("media") == "Video":
        media["videoUrl"] = f"{_MEDIA_HOST}/{meta['id']}/video.mp4?{query}"
    return media
