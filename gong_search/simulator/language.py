"""Sales-call sentences with ground-truth intent labels, for a believable and rankable corpus.

Every generated sentence carries the intent it expresses (or ``None`` for small talk and
process chatter, which is most of a real call). The templates deliberately paraphrase: a
pricing objection often never says "price", and some neutral sentences do mention pricing
or security words, so a search engine that only matches keywords ranks visibly worse than
one that does better. ``INTENTS`` maps each label to the query a user would type for it,
which is what the ranking benchmarks run.
"""

from __future__ import annotations

import random

INTENTS: dict[str, str] = {
    "pricing_pushback": "pricing objection",
    "competitor": "competitor comparison",
    "security": "security review",
    "integration": "integration api",
    "timeline": "go live timeline",
    "budget": "budget approval",
    "renewal": "renewal contract",
}

INTENT_TOPICS: dict[str, str] = {
    "pricing_pushback": "Pricing",
    "competitor": "Competition",
    "security": "Security",
    "integration": "Integrations",
    "timeline": "Timeline",
    "budget": "Budget",
    "renewal": "Renewal",
}

NEXT_STEPS_TOPIC = "Next Steps"

_TEMPLATES: dict[str, tuple[str, ...]] = {
    "pricing_pushback": (
        "That number is way above what we budgeted for this year.",
        "Your quote is {pct}% higher than what {competitor} offered us.",
        "Honestly, {amount} per year is hard to justify for {seats} seats.",
        "Is there any flexibility on the per-seat cost if we commit to {seats} licenses?",
        "The list price feels steep compared to the value we've seen so far.",
        "We'd need at least a {pct}% discount to get this past procurement.",
        "I can't take {amount} to my CFO, that's just not going to fly.",
        "It's too expensive for what is basically a reporting layer.",
        "Can you sharpen the pencil on the proposal a bit?",
        "The cost per user doesn't work for us at this scale.",
        "If you can get closer to {amount} we can probably move forward.",
        "We were expecting something in the range of {amount}, not double that.",
        "Other vendors are coming in significantly cheaper.",
        "The add-on fees for {product} make the total way too high.",
        "Price is still the main objection from our finance team.",
        "My biggest objection is the pricing model, not the product.",
    ),
    "competitor": (
        "We're also evaluating {competitor} right now.",
        "How do you compare to {competitor} on reporting?",
        "{competitor} showed us something pretty similar last week.",
        "Our sister team already uses {competitor} and they're mostly happy.",
        "What would make us switch away from {competitor}?",
        "{competitor} has a native mobile app, do you have one too?",
        "The last vendor we looked at, {competitor}, had a cleaner onboarding flow.",
        "Why would we pick you over {competitor} or {competitor2}?",
        "We ran a bake-off between {competitor} and {competitor2} last year.",
        "Frankly {competitor} is the incumbent here, so the bar is high.",
    ),
    "security": (
        "Do you have a current SOC 2 Type II report we can review?",
        "Our security team will need to complete a vendor risk assessment first.",
        "Can we enforce SSO through Okta for every user?",
        "Where is the data hosted, and is it encrypted at rest?",
        "We're under GDPR, so data residency in the EU is a hard requirement.",
        "Our CISO wants a pen test summary before we sign anything.",
        "Do you support SAML and SCIM provisioning?",
        "We'll send over our infosec questionnaire, it's about {number} questions.",
        "Is there role-based access control so reps only see their own accounts?",
        "Legal flagged the DPA, they want changes to the sub-processor list.",
        "How long do you retain our data after the contract ends?",
        "Any chance the ISO 27001 certificate is available under NDA?",
    ),
    "integration": (
        "Does it sync with {integration} out of the box?",
        "We'd want to push the data into {integration} every night.",
        "Is there a REST API we can call from our own services?",
        "How do webhooks work if a record changes on your side?",
        "Our engineers will ask about rate limits on the API.",
        "Can we pull the raw events into {integration} for our analysts?",
        "We need a two-way sync with {integration}, one-way won't cut it.",
        "Is there an SDK, or do we build against the endpoints directly?",
        "The connector to {integration} is what makes or breaks this for us.",
        "Do you have a sandbox where we can test the integration?",
    ),
    "timeline": (
        "We need to be live before {quarter}.",
        "Realistically, when could we go live if we signed by {date}?",
        "How long does a typical rollout take for a team of {seats}?",
        "Our kickoff is planned for {date}, so onboarding has to be done by then.",
        "If implementation takes more than {number} weeks it's a non-starter.",
        "We're hoping to launch with the first team in {quarter}.",
        "What does the implementation plan look like week by week?",
        "Can we do a phased rollout, starting with one region?",
        "Leadership wants this fully deployed by the end of {quarter}.",
    ),
    "budget": (
        "I need to get sign-off from our CFO before we can commit.",
        "This wasn't in the budget for this fiscal year.",
        "We'd have to find the money in next year's plan.",
        "Budget gets approved in {quarter}, so timing matters.",
        "Who on your side usually helps build the business case?",
        "Finance will want to see the ROI numbers before approving the spend.",
        "We have about {amount} set aside, and that's for the whole project.",
        "The spend needs approval from the steering committee.",
        "Can you help me put together something for the budget review on {date}?",
        "Our procurement freeze lifts in {quarter}.",
    ),
    "renewal": (
        "Our contract is up for renewal on {date}.",
        "Before we renew, we'd like to revisit the terms.",
        "Can we move to a multi-year agreement to lock in the rate?",
        "We want to drop {number} seats at the next renewal.",
        "Is the auto-renew clause something we can remove?",
        "The current agreement runs through {quarter}, then we decide.",
        "We'd like to co-term the {product} add-on with the main contract.",
        "If we extend for two years, what does the uplift look like?",
        "Please send the renewal paperwork to our procurement team.",
    ),
}

_NEUTRAL: tuple[str, ...] = (
    "Hey, can you hear me okay?",
    "Sorry, I was on mute.",
    "Give me one second to share my screen.",
    "Can everyone see the dashboard now?",
    "Thanks for making the time today.",
    "How was your weekend?",
    "Let me pull up the notes from our last call.",
    "That makes sense.",
    "Yeah, totally.",
    "Good question, let me check with the team and get back to you.",
    "So what I'm hearing is that visibility is the main pain point.",
    "Could you walk me through how your team does this today?",
    "Right now it's mostly spreadsheets and a lot of copy-paste.",
    "I'll send a recap email after this call.",
    "Let me loop in {rep} from our solutions team.",
    "We have about {number} reps across three regions.",
    "Who else should be involved in the evaluation?",
    "I think that covers the agenda for today.",
    "Okay, moving on to the next slide.",
    "Is this recording okay with everyone?",
    "Let's schedule a follow-up for {weekday}.",
    "Can you send over the deck afterwards?",
    "Sorry, you cut out for a second there.",
    "We rolled out a new process in {quarter} and it's been okay.",
    "The team at {customer} has been growing pretty fast.",
    "Our main goal is to shorten the ramp time for new hires.",
    "Let me show you how the {product} workflow looks.",
    "That's a fair point.",
    "Mm-hmm, go ahead.",
    "I'll share the pricing page link in the chat so you have it.",
    "The security overview is on our website if anyone wants to browse it.",
    "Our contract template is pretty standard.",
    "We'll talk about the rollout plan once the pilot wraps up.",
    "Can you repeat the last part?",
    "Great, I'll update the notes.",
    "Honestly the weather here has been terrible all week.",
    "We had our offsite on {weekday}, so things are a bit hectic.",
    "Let me make sure I understand the reporting requirement.",
    "That dashboard is exactly what our managers keep asking for.",
    "I have a hard stop at the top of the hour, just so you know.",
)

_NEXT_STEPS: tuple[str, ...] = (
    "So for next steps, I'll send the proposal by {weekday}.",
    "Let's book thirty minutes with your team next week.",
    "I'll follow up with the recap and the open questions.",
    "Can we get the technical team on a call before {date}?",
    "Action item on my side is to share the case study from {customer}.",
    "Thanks everyone, talk soon.",
    "Perfect, I'll send a calendar invite.",
)

_MARKUP = ("[inaudible]", "[crosstalk]", "[bold]", "[laughs]")
_FILLERS = ("Yeah, ", "So, ", "Um, ", "Okay, ", "I mean, ", "Honestly, ")

COMPETITORS = ("Zendesk", "Salesforce", "HubSpot", "Gainsight", "Clari", "Outreach")
INTEGRATIONS = ("Snowflake", "Slack", "Jira", "Marketo", "NetSuite", "Workday", "Salesforce")
PRODUCTS = ("Northwind Insights", "Northwind Pipeline", "the Analytics add-on", "Northwind Assist")
_QUARTERS = ("Q1", "Q2", "Q3", "Q4", "next quarter", "the end of the year")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_MONTHS = ("January", "March", "April", "June", "September", "October", "November")

_INTENT_NAMES = tuple(INTENTS)


class _Slots(dict):
    """Fills a template's placeholders on demand, so unused slots cost nothing."""

    def __init__(self, rng: random.Random, customer: str, reps: tuple[str, ...]) -> None:
        super().__init__()
        self._rng = rng
        self._customer = customer
        self._reps = reps

    def __missing__(self, key: str) -> str:
        value = self._fill(key)
        self[key] = value
        return value

    def _fill(self, key: str) -> str:
        rng = self._rng
        if key == "competitor2":
            return rng.choice([c for c in COMPETITORS if c != self["competitor"]])
        simple = {
            "competitor": COMPETITORS,
            "integration": INTEGRATIONS,
            "product": PRODUCTS,
            "quarter": _QUARTERS,
            "weekday": _WEEKDAYS,
            "rep": self._reps,
        }
        if key in simple:
            return rng.choice(simple[key])
        if key == "pct":
            return str(rng.choice((10, 15, 20, 25, 30, 40)))
        if key == "amount":
            return f"${rng.randrange(20, 400) * 1000:,}"
        if key == "seats":
            return str(rng.choice((25, 40, 60, 120, 250, 500)))
        if key == "number":
            return str(rng.randrange(3, 200))
        if key == "date":
            return f"{rng.choice(_MONTHS)} {rng.randrange(1, 29)}"
        if key == "customer":
            return self._customer
        raise KeyError(key)


class SentenceWriter:
    """Writes one call's sentences; each call favours a few intents, as real calls do."""

    def __init__(self, rng: random.Random, customer: str, reps: tuple[str, ...]) -> None:
        self._rng = rng
        self._customer = customer
        self._reps = reps
        self.focus: list[str] = rng.sample(_INTENT_NAMES, k=rng.randint(1, 3))
        self._intent_share = rng.uniform(0.12, 0.3)

    def pick_intent(self) -> str | None:
        """None (neutral) most of the time; otherwise mostly one of this call's focus intents."""
        rng = self._rng
        if rng.random() >= self._intent_share:
            return None
        if rng.random() < 0.8:
            return rng.choice(self.focus)
        return rng.choice(_INTENT_NAMES)

    def sentence(self, intent: str | None, wrap_up: bool = False) -> str:
        """One sentence for ``intent``; wrap-up sentences come from the next-steps pool."""
        rng = self._rng
        if intent is not None:
            pool = _TEMPLATES[intent]
        else:
            pool = _NEXT_STEPS if wrap_up else _NEUTRAL
        text = rng.choice(pool).format_map(_Slots(rng, self._customer, self._reps))
        return self._decorate(text)

    def _decorate(self, text: str) -> str:
        """Adds spoken fillers and the odd bracketed annotation that looks like rich markup."""
        rng = self._rng
        roll = rng.random()
        if roll < 0.12:
            text = rng.choice(_FILLERS) + text[0].lower() + text[1:]
        elif roll < 0.16:
            marker = rng.choice(_MARKUP)
            text = f"{text} {marker}" if marker != "[bold]" else f"[bold]{text}"
        return text


def topic_for(intents: list[str | None], wrap_up: bool, rng: random.Random) -> str | None:
    """A monologue's topic: the first labelled intent's topic, else usually none at all."""
    for intent in intents:
        if intent is not None and rng.random() < 0.85:
            return INTENT_TOPICS[intent]
    if wrap_up:
        return NEXT_STEPS_TOPIC
    return None
