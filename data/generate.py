"""Write the fictional Brightwave demo corpus: call transcripts, a mailbox and a Slack export.

Run from anywhere (``python data/generate.py``); it rewrites data/calls/, data/email/,
data/slack/ and data/dealtape.toml beside this file. Standard library only, deterministic.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import policy
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import format_datetime
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
RNG = random.Random(42)

NEW_YORK_SUMMER = timezone(timedelta(hours=-4))
CHICAGO_SUMMER = timezone(timedelta(hours=-5))
CHICAGO_WINTER = timezone(timedelta(hours=-6))
HAMBURG_SUMMER = timezone(timedelta(hours=2))

ACCOUNTS = {
    "acme-logistics.example": "Acme Logistics",
    "globex-health.example": "Globex Health",
    "initech.example": "Initech",
}


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    title: str

    @property
    def address(self) -> str:
        return f"{self.name} <{self.email}>"


PEOPLE = {
    # Brightwave (the seller)
    "MAYA": Person("Maya Chen", "maya@brightwave.example", "Account Executive"),
    "TOM": Person("Tom Okafor", "tom@brightwave.example", "Account Executive"),
    "PRIYA": Person("Priya Raman", "priya@brightwave.example", "Sales Engineer"),
    "ERIN": Person("Erin Walsh", "erin@brightwave.example", "VP of Sales"),
    # Initech (discovery)
    "JOANNA": Person("Joanna Reyes", "joanna.reyes@initech.example", "VP of Sales"),
    "CURTIS": Person("Curtis Lee", "curtis.lee@initech.example", "Sales Operations Manager"),
    # Globex Health (evaluation against Gong)
    "ZOE": Person("Zoë Laurent", "zoe.laurent@globex-health.example", "Director of Sales Operations"),
    "MARCUS": Person("Marcus Bell", "marcus.bell@globex-health.example", "Head of Security and Compliance"),
    # Acme Logistics (negotiation)
    "DANA": Person("Dana Whitfield", "dana.whitfield@acme-logistics.example", "VP Revenue Operations"),
    "RAJ": Person("Raj Patel", "raj.patel@acme-logistics.example", "Procurement Manager"),
    "LENA": Person("Lena Müller", "lena.mueller@acme-logistics.example", "Head of Finance"),
    # Harbor Bikes (closed-won; a free-mail address, so no account domain)
    "SAM": Person("Sam Ortiz", "sam.ortiz.harborbikes@gmail.com", "Owner, Harbor Bikes"),
}


# --------------------------------------------------------------------------- calls

@dataclass(frozen=True)
class Call:
    slug: str
    title: str
    started_at: datetime
    deal: str
    style: str  # "teams": <v Name>text</v>; "zoom": "Name: text"
    script: str  # one "KEY: text" line per utterance
    labels: tuple[tuple[str, str], ...] = ()  # speaker key -> label shown instead of the full name


CALLS = [
    Call(
        slug="2026-09-08-initech-discovery",
        title="Initech <> Brightwave: discovery",
        started_at=datetime(2026, 9, 8, 11, 0, tzinfo=NEW_YORK_SUMMER),
        deal="Initech - Revenue Analytics",
        style="teams",
        script="""
MAYA: Hi Joanna, hi Curtis. Can you both hear me okay?
JOANNA: Loud and clear. Sorry we're a couple of minutes late, the meeting before this one ran over.
MAYA: No worries at all. I know your calendar is packed this week.
CURTIS: Packed is generous.
MAYA: Well, I'll keep this to thirty minutes. I mostly want to understand how you forecast today and where it hurts, and then if it makes sense I'll show you a little of what we do.
JOANNA: Sounds good.
MAYA: So to start, walk me through a forecast call at Initech. Who's in it, and where do the numbers come from?
JOANNA: Every Monday I get the regional managers on a call and each of them reads out their commit and their best case. Curtis pulls the pipeline report out of Salesforce the night before.
CURTIS: And then I spend most of Monday morning reconciling what they say with what's actually in the CRM, because they never match.
MAYA: How far apart are they, usually?
CURTIS: Last quarter we called eleven point two million and landed at nine point six. So, not great.
JOANNA: That miss is the reason we're talking to anyone at all, honestly. The board noticed.
MAYA: That's a painful one. When you look back at it, was it deals slipping, or deals that were never real?
JOANNA: Mostly slipping. Deals that were in commit on the thirtieth and pushed to next quarter on the first.
MAYA: That's the pattern we see most. Brightwave reads the activity on each deal, the emails, the calls, who on the buying side is still engaged, and it flags the ones that look like commit on paper but have gone quiet.
CURTIS: Does it need us to change how the reps log things? Because I'll be honest, getting them to update next steps is already a fight.
MAYA: No, that's kind of the point. It works off what they already do. Nobody fills in a new field.
CURTIS: Okay. That would be a first.
JOANNA: I like the sound of it, but I should be upfront about timing. We're in the middle of a sales reorg until the end of the year, so realistically nothing new rolls out before Q1.
MAYA: That's really helpful to know. Would it be useful to pilot with one region in Q1, once the new territories settle?
JOANNA: Possibly. The other thing is I can't sign off on this myself. Anything over twenty-five thousand goes to Ken, our CRO, and he'll want to see it before we go any further.
MAYA: Makes sense. What does Ken usually care about when he looks at a new tool?
JOANNA: Forecast accuracy, full stop. If you can show him how you would have called last quarter, he'll listen.
MAYA: We can do that. If Curtis can share an export of last quarter's closed and slipped deals, Priya on our side can run a back-test on it.
CURTIS: I can pull that. It's probably a few thousand rows.
MAYA: That's fine, that's small for us.
JOANNA: Just so I understand, if price were an issue, is there a way to phase it? Like one region at a time?
MAYA: Yes, we price per seat, so a single region is a much smaller number. But let's not get ahead of ourselves. Let's see if it's a fit first.
JOANNA: Fair.
CURTIS: Are you competing with the forecasting add-on Salesforce keeps trying to sell us?
MAYA: Sometimes. Have you looked at anything else?
JOANNA: Not seriously. Somebody on my team mentioned Clari, but we haven't taken a meeting with anyone.
MAYA: Got it. Okay, let me recap what I heard and the next steps. On our side, I'll send you a recap and two customer references in logistics and manufacturing by Friday.
JOANNA: Perfect.
MAYA: Curtis, you'll send the export of last quarter's deals?
CURTIS: Yeah, I'll get that to you by next Wednesday.
JOANNA: And I'll loop in Ken early next week and see if he'll do thirty minutes with you.
MAYA: Great. Once we have the export, Priya will put the back-test together so Ken sees it with your own numbers.
JOANNA: That's the way to get his attention.
MAYA: Thanks, both of you. Talk soon.
CURTIS: Thanks, Maya.
JOANNA: Bye now.
""",
    ),
    Call(
        slug="2026-09-22-globex-demo",
        title="Globex Health | Brightwave demo and security intro",
        started_at=datetime(2026, 9, 22, 14, 0, tzinfo=CHICAGO_SUMMER),
        deal="Globex Health - Sales Org Rollout",
        style="teams",
        script="""
TOM: Hi everyone, thanks for joining. Zoë, I think Marcus is new to me. Marcus, welcome.
MARCUS: Thanks. I run security and compliance, so Zoë asked me to sit in before this goes any further.
ZOE: Which is a polite way of saying he has a list.
MARCUS: I do have a list.
TOM: We love a list. Priya's here too, she's our sales engineer and she'll do the demo part.
PRIYA: Hi all.
TOM: Zoë, quick recap from last time so we're all on the same page. You've got about a hundred and forty reps across three regions, and the main goal is getting coaching out of call recordings instead of managers listening to random calls.
ZOE: That's right. And forecasting, second.
TOM: And where are you in the process overall?
ZOE: We're evaluating two vendors this quarter. We're running a pilot with Gong right now in the East region, and we want to compare you side by side.
TOM: Appreciate the honesty. What made you shortlist Gong?
ZOE: Brand, mostly. Half of my managers used it at their last company.
TOM: That's common. Did you look at anyone else?
ZOE: We looked at Chorus last year and ruled it out. The transcription couldn't handle our clinical terminology and the reps stopped trusting it.
PRIYA: That's a good thing to test us on, actually. We can load custom vocabulary. Drug names, procedure codes, that kind of thing.
ZOE: That would matter a lot.
TOM: Priya, do you want to take it from here?
PRIYA: Sure. Let me share my screen. Can everyone see the deal board?
ZOE: Yep.
PRIYA: So this is a sandbox with anonymised data. Each row is a deal, and this column is the stage Brightwave thinks the deal is really at, based on the conversations, next to what the rep entered.
ZOE: Oh, that's interesting. So when they disagree...
PRIYA: When they disagree, the manager gets it in a review queue. If I click in, you see the exact quote. Here the buyer said they need legal review before signing, but the rep marked it closed-won.
ZOE: That happens to us every single quarter end.
PRIYA: It happens everywhere.
MARCUS: Can I jump in? Where is the audio stored, and who can listen to it?
PRIYA: It's stored in the US by default, encrypted at rest, and access follows your roles. Admins set the retention, thirty days, a year, whatever your policy says.
MARCUS: We handle patient information on some of these calls. Before anything goes further I need your SOC 2 Type II report, and we'd need a signed BAA.
TOM: Understood. We sign BAAs with healthcare customers today, so that's not a blocker on our side.
MARCUS: Good. I'll also need you to fill in our vendor security questionnaire. It's long, I'll warn you.
PRIYA: They always are. We have most of the answers ready.
ZOE: Tom, can I ask about pricing, roughly? Not to negotiate now, just so I know the range.
TOM: Of course. For a team your size, list is in the region of ninety to a hundred thousand a year, depending on which modules you take.
ZOE: Okay. Honestly, price isn't a concern for us at this stage. What matters is whether the reps actually use it.
TOM: That's the right order to think about it.
MARCUS: From my side, how long does a security review normally take with you?
TOM: Usually two to three weeks once we have your questionnaire.
ZOE: Our pilot with Gong wraps up at the end of October, so that works for a side-by-side.
TOM: Great. So, next steps. Priya, you'll send the SOC 2 report and our HIPAA overview?
PRIYA: Yes, I'll send over the SOC 2 report and the HIPAA one-pager by Thursday.
MARCUS: And I'll get the security questionnaire to you early next week.
TOM: And on my side, I'll set up a sandbox for your East region managers by the end of the month, so they can compare it against the Gong pilot.
ZOE: That would be great. I'll pick three managers to try it and send you their names.
TOM: Perfect. Thanks everyone, this was really useful.
MARCUS: Thanks.
ZOE: Thanks Tom, thanks Priya.
""",
    ),
    Call(
        slug="2026-10-06-acme-pricing",
        title="Acme Logistics - proposal review",
        started_at=datetime(2026, 10, 6, 10, 0, tzinfo=NEW_YORK_SUMMER),
        deal="Acme Logistics - Annual Platform",
        style="zoom",
        labels=(("DANA", "Dana"),),
        script="""
MAYA: Morning, Dana. Morning, Raj. Thanks for making the time.
DANA: Morning! Raj is joining from the warehouse today, so if you hear beeping, that's forklifts.
RAJ: Sorry in advance.
MAYA: Not at all. So I know the main thing today is the proposal. I already sent the deck over last week with the rollout plan, so I won't go through that again unless you want me to.
DANA: No, we went through it internally. Everyone liked the rollout plan. The sticking point is the number.
MAYA: Okay. Let's talk about it.
RAJ: So the proposal came in at $48,000 a year for sixty seats. When Dana first brought this to us, the budget we set aside was forty.
DANA: And I'll be honest with you, Maya, we have a quote from Clari that's a fair bit lower.
MAYA: I appreciate you telling me. Is it a like-for-like quote? Does it include the conversation side, or just the forecasting?
DANA: Just forecasting, I think. Raj?
RAJ: Just forecasting. They'd charge extra for the call recording module.
MAYA: Right, so that's the gap. With us the call analysis is what feeds the forecast. It's not a separate bolt-on.
DANA: I understand that, and it's why I still want to go with you. But I have to walk into the CFO's office with a number that's closer to forty.
MAYA: Understood. I have a couple of levers. If you commit to two years, I can bring the annual price down. And if we start with forty-five seats in year one and ramp to sixty, that changes the first-year number too.
RAJ: The two-year option is interesting. Procurement likes predictability.
DANA: What would two years look like?
MAYA: I need to get it approved, but I'm fairly confident I can do $44,000 a year on a two-year term.
RAJ: That's closer.
DANA: That's a lot closer.
MAYA: I'd rather not promise the ramp on top of that until I've talked to our deal desk.
DANA: Fair enough.
RAJ: The other thing on my list is payment terms. Our standard is net sixty, and your paper says net thirty.
MAYA: Net sixty is usually fine for an annual prepay. I'll confirm it along with the pricing.
RAJ: Okay.
DANA: And then timing. We want this live before our January kickoff, so we really need it signed by October 30th.
MAYA: That works for us. Onboarding takes about four weeks, so signing by the thirtieth gets you live in early December.
DANA: Great.
RAJ: One question. Do we need a security review on our side? I don't think we do, there's no customer health data or anything like that.
DANA: We did the security review in August, Raj. It's done. Security isn't an issue here.
RAJ: Oh, okay. Good.
MAYA: So, next steps. I'll send a revised proposal with the two-year option and net sixty terms by Wednesday.
RAJ: Once I have it, I'll have our legal team send their redlines on the MSA by the 16th.
DANA: And I'll set up time with our CFO next week, so she can hear the numbers from you directly.
MAYA: Perfect. That's Lena Müller, right? I think we met at the kickoff dinner in Hamburg.
DANA: That's her. She'll like that you remembered.
MAYA: Great. Thanks, both of you. I'm optimistic.
DANA: Us too. Talk soon.
RAJ: Bye, Maya.
""",
    ),
    Call(
        slug="2026-10-27-harbor-bikes-kickoff",
        title="Harbor Bikes x Brightwave - welcome and setup",
        started_at=datetime(2026, 10, 27, 15, 30, tzinfo=CHICAGO_SUMMER),
        deal="Harbor Bikes - Starter",
        style="teams",
        script="""
TOM: Hey Sam, good to see you. How's the shop?
SAM: Busy, which is a good problem. We just got through the fall tune-up rush.
TOM: Nice. So I saw the signature come through this morning.
SAM: Yep, I signed the order form this morning. Seven thousand two hundred a year, like we talked about.
TOM: That's great news, Sam. Thank you, and welcome to Brightwave.
SAM: Thanks. Honestly, I wasn't sure a shop our size needed something like this, but our two salespeople spend half their week chasing fleet orders from corporate accounts, and I've got no idea which ones are real.
TOM: That's exactly what it's for. So today is really just about getting you set up.
SAM: Sounds good. What do you need from me?
TOM: Two things. Your calendar and email connected, which takes five minutes, and a list of your open fleet quotes so we can seed the pipeline.
SAM: I can export the quotes from Shopify. It's not pretty, but it's all there.
TOM: Not pretty is fine. We've seen worse.
SAM: When do you need it?
TOM: Whenever you can. The sooner we have it, the sooner the dashboards are useful.
SAM: I'll send you the Shopify export by end of week.
TOM: Perfect. And I'll set up your onboarding session with our customer success team for next Tuesday.
SAM: Tuesday works. Mornings are better, we don't open until noon on Tuesdays.
TOM: Noted. I'll send an invite for ten.
SAM: One more thing. My accountant asked if we can pay monthly instead of annually.
TOM: On the starter plan, yes, monthly billing is fine. Same total.
SAM: Great. That was the last thing on my list.
TOM: Any questions on the contract itself?
SAM: No, I read it. It's shorter than my lease, which I appreciated.
TOM: We try. Out of curiosity, did you look at anyone else before us?
SAM: I poked around Gong's website, but it was way out of our league. It's built for companies with a hundred reps.
TOM: That's fair, we hear that a lot from smaller teams.
TOM: Alright, I'll let you get back to the shop. Thanks again, Sam.
SAM: Thanks, Tom. Talk Tuesday.
""",
    ),
    Call(
        slug="2026-11-05-globex-security-review",
        title="Globex Health | Security review follow-up",
        started_at=datetime(2026, 11, 5, 11, 0, tzinfo=CHICAGO_WINTER),
        deal="Globex Health - Sales Org Rollout",
        style="teams",
        script="""
TOM: Okay, I think we have everyone. Marcus, Zoë, thanks for the time.
ZOE: Of course. Marcus has been living in your questionnaire.
MARCUS: I have. First of all, thanks for turning it around so fast. Your answers were better than most.
PRIYA: Glad to hear it.
MARCUS: I have three open items. The first one is data residency. We'd want everything patient-adjacent to stay in the US, including backups.
PRIYA: Backups live in the same US region as the primary data. I can put that in writing.
MARCUS: Good. Second is the pen test. Your SOC 2 mentions an annual penetration test, but I haven't seen a summary.
PRIYA: That's on me, I should have included it. I'll get you the pen test summary by Friday.
MARCUS: Third, and this is the big one, subprocessors. Your list has a transcription provider I don't recognise, and I need to know whether audio ever leaves your environment.
PRIYA: It doesn't. That vendor is only used for customers who opt in, and you wouldn't be. But I understand you'd want that contractually.
MARCUS: I would. It would need to be in the BAA.
TOM: We can do that. I'll ask our legal team to add the subprocessor language to the BAA and send it over early next week.
MARCUS: Okay. If those three close out, I don't see a security blocker.
ZOE: That's good to hear. On our side, the Gong pilot wrapped up last Friday.
TOM: How did it go?
ZOE: Mixed. The managers liked the coaching side, but the forecasting didn't convince anyone.
MARCUS: And they wouldn't sign our BAA as written, which is a real problem for me.
ZOE: So honestly, it's down to you and Gong, and the BAA might be what decides it.
TOM: That's good to know. What does the decision process look like from here?
ZOE: I'm presenting both options to our CRO, Anita, on December 3rd, and we'd like to make a decision by December 15th.
TOM: Is there anything that would make that presentation easier for you?
ZOE: A one-page comparison from your side would help. I'll write my own, but I'd like to see how you frame it.
TOM: I'll send you a comparison one-pager by next Wednesday.
ZOE: Great. And I need pricing for the three regions in writing.
TOM: You'll have it with the one-pager.
ZOE: I'm not worried about budget, by the way. It's approved for Q1.
MARCUS: One last thing from me. If the pen test summary showed any open critical findings, that would be a hard stop.
PRIYA: Understood. There aren't any, but you'll see that in the summary.
TOM: Alright. Thanks everyone, really productive.
ZOE: Thanks, Tom. Talk soon.
""",
    ),
]


def _timestamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def _teams_cue_prefix() -> str:
    h = "".join(RNG.choice("0123456789abcdef") for _ in range(32))
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _lines(script: str) -> list[tuple[str, str]]:
    pairs = []
    for line in script.strip().splitlines():
        key, text = line.split(": ", 1)
        if key not in PEOPLE or "-->" in text or "<" in text or "&" in text:
            raise ValueError(f"bad script line: {line!r}")
        pairs.append((key, text))
    return pairs


def render_vtt(call: Call) -> str:
    """A WebVTT transcript with realistic, increasing cue times."""
    labels = dict(call.labels)
    prefix = _teams_cue_prefix()
    out = ["WEBVTT", ""]
    clock = RNG.uniform(0.8, 3.0)
    for n, (key, text) in enumerate(_lines(call.script), start=1):
        label = labels.get(key, PEOPLE[key].name)
        duration = max(1.4, len(text.split()) / 2.6) * RNG.uniform(0.9, 1.15)
        start, end = clock, clock + duration
        clock = end + RNG.uniform(0.2, 1.3)
        if call.style == "teams":
            out += [f"{prefix}/{n + 11}-0", f"{_timestamp(start)} --> {_timestamp(end)}", f"<v {label}>{text}</v>", ""]
        else:
            out += [str(n), f"{_timestamp(start)} --> {_timestamp(end)}", f"{label}: {text}", ""]
    return "\n".join(out)


def write_calls(folder: Path) -> None:
    folder.mkdir(parents=True)
    for call in CALLS:
        (folder / f"{call.slug}.vtt").write_text(render_vtt(call), encoding="utf-8")
        speakers = dict.fromkeys(key for key, _ in _lines(call.script))
        sidecar = {
            "title": call.title,
            "started_at": call.started_at.isoformat(),
            "participants": [{"name": PEOPLE[k].name, "email": PEOPLE[k].email} for k in speakers],
            "deal": call.deal,
        }
        (folder / f"{call.slug}.json").write_text(json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n",
                                                  encoding="utf-8")


# --------------------------------------------------------------------------- email

@dataclass(frozen=True)
class Mail:
    key: str
    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    sent_at: datetime
    subject: str
    body: str  # plain text; for html mails the HTML itself
    reply_to: str | None = None  # key of the message this answers
    html: bool = False
    charset: str = "utf-8"
    attachment: tuple[str, bytes] | None = None
    plain: str | None = None  # for html mails: the text a reply quotes


PROPOSAL_PDF = b"""%PDF-1.4
% Fictional demo file: Brightwave proposal for Acme Logistics
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj
4 0 obj << /Length 98 >> stream
BT /F1 12 Tf 72 720 Td (Brightwave - Acme Logistics - 60 seats - 2-year term - USD 44,000 per year) Tj ET
endstream endobj
trailer << /Root 1 0 R >>
%%EOF
"""

MAILS = [
    # --- Initech: recap after discovery
    Mail(
        key="initech-recap", sender="MAYA", to=("JOANNA",), cc=("CURTIS",),
        sent_at=datetime(2026, 9, 11, 16, 32, tzinfo=NEW_YORK_SUMMER),
        subject="Recap: Brightwave + Initech discovery call",
        body="""Hi Joanna, Curtis,

Thanks again for Tuesday. A quick recap so we're working from the same list.

What I heard:
- Last quarter's forecast was called at $11.2M and landed at $9.6M, mostly deals slipping out of commit at quarter end.
- The sales reorg runs to the end of the year, so a rollout would be Q1 at the earliest.
- Anything over $25k needs Ken's sign-off, and he'll judge it on forecast accuracy.

As promised, two customers who are happy to talk to you:
- Northwind Freight: Alicia Gomez, VP Sales Ops (alicia.gomez@northwind-freight.example)
- Contoso Manufacturing: Ben Hart, CRO (ben.hart@contoso-mfg.example)

Next steps:
- Curtis: export of last quarter's closed and slipped deals (by next Wednesday)
- Joanna: intro to Ken for a 30-minute review
- Priya (our sales engineer): back-test on the export within a week of receiving it

Have a good weekend,
Maya

-- 
Maya Chen
Account Executive | Brightwave
+1 (555) 010-2231
""",
    ),
    Mail(
        key="initech-joanna", sender="JOANNA", to=("MAYA",), cc=("CURTIS",), reply_to="initech-recap",
        sent_at=datetime(2026, 9, 14, 8, 47, tzinfo=NEW_YORK_SUMMER),
        subject="RE: Recap: Brightwave + Initech discovery call",
        body="""Thanks Maya, that's an accurate summary.

I already forwarded your recap to Ken. He's interested, but he wants to see the back-test before he gives anyone thirty minutes, so let's hold off on scheduling him until you have Curtis's numbers. Realistically that means early October.

If budget were the only question this would be easy. It's the reorg timing that's the real constraint.

Best,
Joanna

Joanna Reyes
VP of Sales | Initech
""",
    ),
    Mail(
        key="initech-export", sender="CURTIS", to=("MAYA",), cc=("JOANNA", "PRIYA"), reply_to="initech-joanna",
        sent_at=datetime(2026, 9, 16, 17, 5, tzinfo=NEW_YORK_SUMMER),
        subject="RE: Recap: Brightwave + Initech discovery call",
        body="""Hi Maya,

The export is up on our file share: https://files.initech.example/s/q2-pipeline-export
It has 3,412 rows, one per opportunity that closed or slipped in Q2. The column names are the Salesforce API names, sorry about that.
From a first look, about a third of the slipped deals were sitting in commit the week before quarter end.

Priya, I've added you to the share as well. Shout if the date columns don't make sense.

Curtis
-- 
Curtis Lee | Sales Operations Manager | Initech
""",
    ),
    # --- Acme Logistics: revised proposal and commercial terms
    Mail(
        key="acme-proposal", sender="MAYA", to=("DANA",), cc=("RAJ",),
        sent_at=datetime(2026, 10, 7, 9, 12, tzinfo=NEW_YORK_SUMMER),
        subject="Acme Logistics - revised proposal (2-year option)",
        attachment=("proposal.pdf", PROPOSAL_PDF),
        body="""Hi Dana, Raj,

Thanks again for yesterday. As promised, the revised proposal is attached:

- Two-year term at $44,000 a year for 60 seats, approved by our deal desk this morning
- Net 60 payment terms on an annual prepay
- Onboarding starts the week after signature; you'd be live in about four weeks

From our side the only open item is the MSA. Raj, whenever your legal team has their redlines, I'll turn them around within two business days.

Best,
Maya

Maya Chen
Account Executive | Brightwave
maya@brightwave.example | +1 (555) 010-2231
""",
    ),
    Mail(
        key="acme-dana", sender="DANA", to=("MAYA",), cc=("RAJ", "LENA"), reply_to="acme-proposal",
        sent_at=datetime(2026, 10, 8, 14, 41, tzinfo=NEW_YORK_SUMMER),
        subject="Re: Acme Logistics - revised proposal (2-year option)",
        body="""Maya,

This is great, thank you. $44,000 on a two-year term is something I can take to Lena.

One more ask before I do: could you add price protection at renewal? Lena will ask what happens in year three, and a 5% cap would be enough for us.

I've copied Lena, she'll handle payment terms from here.

Dana

-- 
Dana Whitfield
VP Revenue Operations, Acme Logistics
+1 (555) 014-7788
""",
    ),
    Mail(
        key="acme-lena", sender="LENA", to=("MAYA",), cc=("DANA", "RAJ"), reply_to="acme-dana",
        sent_at=datetime(2026, 10, 9, 15, 3, tzinfo=HAMBURG_SUMMER),
        subject="AW: Re: Acme Logistics - revised proposal (2-year option)",
        charset="iso-8859-1",
        body="""Hello Maya,

Dana asked me to follow up on the commercial terms. Net 60 is fine for us. Two questions:

1. Can the invoice be issued in EUR to our Hamburg entity, Acme Logistics GmbH?
2. Can the 5% renewal cap go into the order form itself rather than a side letter?

I will send you the purchase order number once the order form is final; our PO process takes about three working days.

Mit freundlichen Grüßen / Kind regards
Lena Müller
Head of Finance | Acme Logistics GmbH
Großer Burstah 12, 20457 Hamburg
""",
    ),
    Mail(
        key="acme-maya-terms", sender="MAYA", to=("LENA",), cc=("DANA", "RAJ"), reply_to="acme-lena",
        sent_at=datetime(2026, 10, 12, 10, 30, tzinfo=NEW_YORK_SUMMER),
        subject="Re: Acme Logistics - revised proposal (2-year option)",
        body="""Hi Lena,

Good to hear from you again, and yes to both:

1. We can invoice Acme Logistics GmbH in EUR.
2. The 5% renewal cap will go into section 4 of the order form.

I'll send the final order form for signature by Thursday, with both changes in it.

Best,
Maya Chen
Account Executive | Brightwave
""",
    ),
    # --- Globex Health: security review
    Mail(
        key="globex-docs", sender="PRIYA", to=("MARCUS",), cc=("TOM", "ZOE"),
        sent_at=datetime(2026, 9, 24, 16, 20, tzinfo=CHICAGO_SUMMER),
        subject="Brightwave security documentation for Globex Health",
        body="""Hi Marcus,

As promised on Tuesday's call, here is our security documentation:

- SOC 2 Type II report (2026): https://trust.brightwave.example/soc2
- HIPAA one-pager: https://trust.brightwave.example/hipaa
- Our standard BAA, for your legal team's review: https://trust.brightwave.example/baa

The portal asks for an email confirmation the first time; use this address and you're in.

Priya
-- 
Priya Raman
Sales Engineer, Brightwave
""",
    ),
    Mail(
        key="globex-questionnaire", sender="MARCUS", to=("PRIYA",), cc=("TOM", "ZOE"), reply_to="globex-docs",
        sent_at=datetime(2026, 9, 29, 9, 2, tzinfo=CHICAGO_SUMMER),
        subject="RE: Brightwave security documentation for Globex Health",
        html=True,
        body="""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>
<body>
<div style="font-family:Calibri,Arial,sans-serif;font-size:11pt">
<p>Hi Priya,</p>
<p>Thanks, I have the SOC&nbsp;2 report and the one-pager. Our vendor security questionnaire is here:
<a href="https://vendors.globex-health.example/q/brightwave">Globex vendor questionnaire</a>.</p>
<p>Please return it by <b>October 16</b>. Section 7 (subprocessors) is mandatory for any vendor that touches PHI, so please don&#8217;t leave it blank.</p>
<p>Regards,<br>Marcus</p>
<p style="color:#555555;font-size:9pt">Marcus Bell<br>Head of Security &amp; Compliance | Globex Health<br>
This email may contain confidential information. If you are not the intended recipient, please delete it.</p>
</div>
<hr style="display:inline-block;width:98%">
<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">
<b>From:</b> Priya Raman &lt;priya@brightwave.example&gt;<br>
<b>Sent:</b> Thursday, September 24, 2026 4:20 PM<br>
<b>To:</b> Marcus Bell &lt;marcus.bell@globex-health.example&gt;<br>
<b>Cc:</b> Tom Okafor &lt;tom@brightwave.example&gt;; Zo&euml; Laurent &lt;zoe.laurent@globex-health.example&gt;<br>
<b>Subject:</b> Brightwave security documentation for Globex Health</font></div>
<div><p>Hi Marcus,</p><p>As promised on Tuesday's call, here is our security documentation: ...</p></div>
</body></html>
""",
        plain="""Hi Priya,

Thanks, I have the SOC 2 report and the one-pager. Our vendor security questionnaire is here: https://vendors.globex-health.example/q/brightwave

Please return it by October 16. Section 7 (subprocessors) is mandatory for any vendor that touches PHI, so please don't leave it blank.

Regards,
Marcus
""",
    ),
    Mail(
        key="globex-tom", sender="TOM", to=("MARCUS",), cc=("PRIYA", "ZOE"), reply_to="globex-questionnaire",
        sent_at=datetime(2026, 10, 14, 17, 45, tzinfo=CHICAGO_SUMMER),
        subject="RE: Brightwave security documentation for Globex Health",
        body="""Hi Marcus,

The completed questionnaire is in your portal, two days early. One flag on section 7: we list a transcription subprocessor that is only used for customers who opt in. Globex would not be opted in, and we're happy to say so in the BAA.

Zoë, separately: the sandbox for the East region managers is on track for the end of the month, as promised.

Best,
Tom Okafor
Account Executive | Brightwave
""",
    ),
    Mail(
        key="globex-zoe", sender="ZOE", to=("TOM",), cc=("PRIYA", "MARCUS"), reply_to="globex-tom",
        sent_at=datetime(2026, 10, 15, 8, 10, tzinfo=CHICAGO_SUMMER),
        subject="Re: Brightwave security documentation for Globex Health",
        body="""Thanks Tom!

I already sent the list of sandbox users to Priya, so you should be all set there.

For what it's worth, we're not worried about price at this point. It will come down to adoption in the sandbox and the BAA.

Zoë

--
Zoë Laurent | Director of Sales Operations | Globex Health
""",
    ),
]

def _message_ids() -> dict[str, str]:
    """Deterministic, realistic-looking Message-IDs, one per mail."""
    ids = {}
    for mail in MAILS:
        token = "".join(RNG.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789") for _ in range(24))
        host = PEOPLE[mail.sender].email.split("@", 1)[1]
        ids[mail.key] = f"<{token}@mail.{host}>"
    return ids


def _attribution(parent: Mail) -> str:
    when = parent.sent_at
    hour = when.hour % 12 or 12
    ampm = "AM" if when.hour < 12 else "PM"
    sender = PEOPLE[parent.sender]
    return (f"On {when:%a}, {when:%b} {when.day}, {when.year} at {hour}:{when:%M} {ampm} "
            f"{sender.name} <{sender.email}> wrote:")


def _quoted(mail: Mail, by_key: dict[str, Mail]) -> str:
    """The reply's body followed by the quoted parent, as mail clients write it."""
    if mail.reply_to is None:
        return mail.body
    parent = by_key[mail.reply_to]
    parent_text = parent.plain if parent.html else _quoted(parent, by_key)
    quoted = "\n".join(("> " + line) if line else ">" for line in parent_text.rstrip("\n").splitlines())
    return f"{mail.body}\n{_attribution(parent)}\n{quoted}\n"


def _mbox_from_line(mail: Mail) -> bytes:
    when = mail.sent_at.astimezone(timezone.utc)
    return f"From {PEOPLE[mail.sender].email} {when:%a %b} {when.day:2d} {when:%H:%M:%S %Y}\n".encode("ascii")


def build_message(mail: Mail, ids: dict[str, str], by_key: dict[str, Mail]) -> EmailMessage:
    msg = EmailMessage(policy=policy.default)
    msg["From"] = PEOPLE[mail.sender].address
    msg["To"] = ", ".join(PEOPLE[k].address for k in mail.to)
    if mail.cc:
        msg["Cc"] = ", ".join(PEOPLE[k].address for k in mail.cc)
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.sent_at)
    msg["Message-ID"] = ids[mail.key]
    if mail.reply_to:
        chain, key = [], mail.reply_to
        while key:
            chain.insert(0, ids[key])
            key = by_key[key].reply_to
        msg["In-Reply-To"] = ids[mail.reply_to]
        msg["References"] = " ".join(chain)
    if mail.html:
        msg.set_content(mail.body, subtype="html", charset=mail.charset, cte="quoted-printable")
    else:
        text = _quoted(mail, by_key)
        cte = "quoted-printable" if not text.isascii() else "7bit"
        msg.set_content(text, charset=mail.charset, cte=cte)
    if mail.attachment:
        name, data = mail.attachment
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
        msg.set_boundary("=_" + "".join(RNG.choice("0123456789abcdef") for _ in range(28)))  # stable output
    return msg


def render_mbox() -> bytes:
    """All mails in date order as an mboxrd file (body lines matching ^>*From  get one more '>')."""
    by_key = {m.key: m for m in MAILS}
    ids = _message_ids()
    gen_policy = policy.default.clone(linesep="\n")
    out = BytesIO()
    for mail in sorted(MAILS, key=lambda m: m.sent_at):
        buf = BytesIO()
        BytesGenerator(buf, mangle_from_=False, policy=gen_policy).flatten(build_message(mail, ids, by_key))
        body = re.sub(rb"^(>*From )", rb">\1", buf.getvalue(), flags=re.MULTILINE)
        out.write(_mbox_from_line(mail) + body.rstrip(b"\n") + b"\n\n")
    return out.getvalue()


def write_email(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "demo.mbox").write_bytes(render_mbox())


# --------------------------------------------------------------------------- slack

BRIGHTWAVE_TEAM = "T01BRGHTWV"
GLOBEX_TEAM = "T04GLBXHLT"
SLACK_IDS = {"MAYA": "U02ABC", "TOM": "U02DEF", "PRIYA": "U02GHI", "ERIN": "U02JKL", "ZOE": "U05ZOE"}
DEAL_DESK_BOT = ("B06DLDSK", "DealDesk")
CHANNELS = {
    "deal-acme": {"id": "C05ACME01", "purpose": "Internal: Acme Logistics annual platform deal",
                  "members": ["MAYA", "TOM", "PRIYA", "ERIN"], "shared": False,
                  "created": datetime(2026, 9, 1, 14, 0, tzinfo=timezone.utc)},
    "ext-globex": {"id": "C05GLBX02", "purpose": "Shared with Globex Health for the evaluation",
                   "members": ["TOM", "PRIYA", "ZOE"], "shared": True,
                   "created": datetime(2026, 9, 23, 13, 0, tzinfo=timezone.utc)},
}

# (channel, date, [(HH:MM, key or "BOT" or "JOIN", text, thread)]) ; thread: None, "parent:<name>", "reply:<name>"
SLACK_DAYS = [
    ("ext-globex", "2026-09-23", [
        ("14:02", "JOIN", "", None),
        ("14:05", "TOM", "Welcome <@U05ZOE>! This is our shared channel for the evaluation. <@U02GHI> and I are both in here.", None),
        ("14:31", "ZOE", "Thanks! Great session yesterday. Marcus isn't on Slack, so I'll forward anything security-related to him.", None),
        ("14:40", "PRIYA", "SOC 2 report and HIPAA one-pager are going out to Marcus by email tomorrow.", None),
        ("15:12", "ZOE", "Perfect. For the sandbox, can you include the East region managers? They're the ones on the Gong.io pilot, so they can compare directly.", None),
        ("15:20", "TOM", "Will do. Sandbox for the East managers by the end of the month :+1:", None),
    ]),
    ("deal-acme", "2026-10-06", [
        ("15:10", "MAYA", "Pricing call with Acme done. Dana is in, Raj (procurement) is pushing hard: their budget was $40k and our proposal is $48,000 a year. They have a lower Clari quote, but it's forecasting only.", None),
        ("15:14", "MAYA", "<@U02JKL> can I get approval for $44k/yr on a 2-year term, 60 seats? I promised the revised proposal by Wednesday.", "parent:discount"),
        ("15:15", "BOT", "Approval request DD-1042: Acme Logistics | 2-year term | $44,000/yr | 60 seats | net 60 | status: *pending*", None),
        ("15:40", "ERIN", "What does the ramp look like? If it's 60 seats from day one I'm ok with 44.", "reply:discount"),
        ("15:46", "MAYA", "60 from day one. They also asked for net 60 on the annual prepay.", "reply:discount"),
    ]),
    ("deal-acme", "2026-10-07", [
        ("12:58", "ERIN", "Approved, net 60 is fine for an annual prepay. Deal desk ticket is updated.", "reply:discount"),
        ("12:59", "BOT", "DD-1042 approved by Erin Walsh :white_check_mark:", None),
        ("13:20", "MAYA", "Revised proposal sent to Dana and Raj :tada: Close date is Oct 30, they want to be live before their January kickoff.", None),
        ("13:34", "TOM", "<@U02ABC> nice. FYI Clari's forecasting-only quote is the same play I saw at Globex last year: lowball, then upsell the recording add-on.", None),
    ]),
    ("deal-acme", "2026-10-29", [
        ("18:02", "MAYA", "Heads up: Acme's legal came back late with redlines on the liability cap and the data processing addendum. Signing slips to November 6. Dana is still fully committed.", None),
        ("18:15", "ERIN", "Ok, move the close date and keep it in commit. Do you need legal from our side on the DPA Q&amp;A?", None),
        ("18:21", "MAYA", "Yes please. I'll set up a call with their counsel for Monday.", None),
    ]),
    ("ext-globex", "2026-11-06", [
        ("15:05", "ZOE", "Following up on yesterday: Anita has the December 3rd slot for both vendors. Could you send the comparison one-pager by Wednesday so I can fold it into my deck?", None),
        ("15:11", "TOM", "Yes, on it. You'll have it Wednesday, with pricing for all three regions.", None),
        ("15:30", "PRIYA", "Marcus has the pen test summary as of this morning. No open critical findings.", None),
        ("15:42", "ZOE", "Great, he mentioned it. He's happy with the subprocessor language in principle and is waiting on the BAA draft.", None),
        ("15:47", "TOM", "Our legal team has it. The BAA draft goes out early next week.", None),
    ]),
]


def _ts(day: str, hhmm: str) -> str:
    when = datetime.fromisoformat(f"{day}T{hhmm}:00+00:00")
    return f"{int(when.timestamp()) + RNG.randint(0, 59)}.{RNG.randint(1, 999999):06d}"


def slack_users() -> list[dict]:
    users = []
    for key, uid in SLACK_IDS.items():
        person = PEOPLE[key]
        guest = key == "ZOE"
        users.append({
            "id": uid,
            "team_id": GLOBEX_TEAM if guest else BRIGHTWAVE_TEAM,
            "name": person.email.split("@")[0].replace(".", ""),
            "deleted": False,
            "real_name": person.name,
            "tz": "America/Chicago" if key in ("TOM", "ZOE") else "America/New_York",
            "is_admin": key == "ERIN",
            "is_bot": False,
            "is_restricted": guest,
            "is_ultra_restricted": False,
            "profile": {
                "title": person.title,
                "real_name": person.name,
                "display_name": person.name.split()[0],
                "email": person.email,
            },
        })
    bot_id, bot_name = DEAL_DESK_BOT
    users.append({
        "id": "U06DLDSK", "team_id": BRIGHTWAVE_TEAM, "name": bot_name.lower(), "deleted": False,
        "real_name": bot_name, "is_admin": False, "is_bot": True, "is_restricted": False,
        "is_ultra_restricted": False, "profile": {"real_name": bot_name, "display_name": bot_name, "bot_id": bot_id},
    })
    return users


def slack_channels() -> list[dict]:
    channels = []
    for name, spec in CHANNELS.items():
        created = int(spec["created"].timestamp())
        creator = SLACK_IDS[spec["members"][0]]
        channels.append({
            "id": spec["id"],
            "name": name,
            "created": created,
            "creator": creator,
            "is_archived": False,
            "is_general": False,
            "is_ext_shared": spec["shared"],
            "members": [SLACK_IDS[k] for k in spec["members"]],
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": spec["purpose"], "creator": creator, "last_set": created},
        })
    return channels


def slack_days() -> dict[tuple[str, str], list[dict]]:
    """Message lists per (channel, day); thread parents list their replies, even those on later days."""
    days: dict[tuple[str, str], list[dict]] = {}
    parents: dict[str, dict] = {}
    for channel, day, rows in SLACK_DAYS:
        messages = days.setdefault((channel, day), [])
        for hhmm, who, text, thread in rows:
            ts = _ts(day, hhmm)
            if who == "JOIN":
                uid = SLACK_IDS["ZOE"]
                msg = {"type": "message", "subtype": "channel_join", "user": uid,
                       "text": f"<@{uid}> has joined the channel", "ts": ts}
            elif who == "BOT":
                bot_id, bot_name = DEAL_DESK_BOT
                msg = {"type": "message", "subtype": "bot_message", "bot_id": bot_id, "username": bot_name,
                       "text": text, "ts": ts}
            else:
                team = GLOBEX_TEAM if who == "ZOE" else BRIGHTWAVE_TEAM
                msg = {"type": "message", "user": SLACK_IDS[who], "team": team, "text": text, "ts": ts}
            if thread and thread.startswith("parent:"):
                msg.update({"thread_ts": ts, "reply_count": 0, "reply_users_count": 0,
                            "latest_reply": ts, "reply_users": [], "replies": []})
                parents[thread.split(":", 1)[1]] = msg
            elif thread and thread.startswith("reply:"):
                parent = parents[thread.split(":", 1)[1]]
                msg.update({"thread_ts": parent["thread_ts"], "parent_user_id": parent["user"]})
                parent["replies"].append({"user": msg["user"], "ts": ts})
                if msg["user"] not in parent["reply_users"]:
                    parent["reply_users"].append(msg["user"])
                parent.update({"reply_count": len(parent["replies"]), "latest_reply": ts,
                               "reply_users_count": len(parent["reply_users"])})
            messages.append(msg)
    return days


def write_slack(folder: Path) -> None:
    folder.mkdir(parents=True)

    def dump(path: Path, value) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    dump(folder / "users.json", slack_users())
    dump(folder / "channels.json", slack_channels())
    for (channel, day), messages in slack_days().items():
        dump(folder / channel / f"{day}.json", messages)


# --------------------------------------------------------------------------- config

def render_config() -> str:
    names = "\n".join(f'"{domain}" = "{name}"' for domain, name in ACCOUNTS.items())
    return f"""# dealtape configuration for the fictional Brightwave demo corpus (written by data/generate.py).

[team]
# Our own email domains: people with these addresses are internal (the sellers).
internal_domains = ["brightwave.example"]
# Whose point of view "my deals" and the review queue take.
me = "{PEOPLE["MAYA"].email}"

[accounts]
# Display names for prospect domains. Free-mail domains (gmail.com, ...) never become accounts.
[accounts.names]
{names}

[competitors]
# Canonical name = aliases. Matching is on word boundaries and tolerates ASR spellings
# ("gongio"); a name that is also an English word ("gong") needs a capital or a vendor context.
Gong = ["Gong.io"]
Clari = []
"Chorus.ai" = ["Chorus", "ZoomInfo Chorus"]
"""


def main() -> None:
    for name in ("calls", "email", "slack"):
        shutil.rmtree(HERE / name, ignore_errors=True)
    write_calls(HERE / "calls")
    write_email(HERE / "email")
    write_slack(HERE / "slack")
    (HERE / "dealtape.toml").write_text(render_config(), encoding="utf-8")


if __name__ == "__main__":
    main()
