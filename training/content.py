"""The three modules the portal ships, written for it, and the shape of a module's content.

A module's content is a JSON document::

    {"title", "summary", "minutes",
     "lessons": [{"key", "title", "body", "easy_read", "credits": [{"user_id", "name"}],
                  "video": {"file_id" | "url", "captions_file_id", "transcript",
                            "file_name", "captions_file_name"} | None,
                  "handouts": [{"id", "name"}, ...]}],
     "quiz": [{"key", "question", "options": [{"key", "text", "feedback"?}], "answer", "right", "wrong"}],
     "pass_mark", "language"}

``language`` is the language the trainer wrote the content in (``en`` or ``cy``; content that
does not say is English): pages mark the content with it, so a Welsh page showing English content
announces it as English.

An option's own feedback, when given, is what a learner who chose it reads; otherwise they read
the question's ``right`` or ``wrong``. Trainers edit all of it (``training/module_form.py``).

``body`` is plain text: a line starting "## " is a heading, a line starting "- " a list item,
and a blank line ends a paragraph. Nothing typed is ever treated as HTML.

The benefits module quotes figures for 2026/27 (domain research, section 2) as *examples*:
they change every April, and the module says where to check them.
"""

from __future__ import annotations

from typing import Any

DEMO_TRAINERS = {
    "trainer@example.org": "Rosa Trainer",
    "trainer2@example.org": "Dev Okafor",
}

_COPRO: dict[str, Any] = {
    "key": "coproduction",
    "title": "Co-production: working in equal partnership",
    "summary": "What co-production is, why power-sharing matters, and how to tell real co-production "
    "from consultation.",
    "minutes": 40,
    "credit": "trainer@example.org",
    "lessons": [
        {
            "key": "what",
            "title": "What co-production is",
            "body": "## A way of working, not an event\n\nCo-production means people who use services, "
            "carers and staff work together as equals, from the start of a piece of work to its end. "
            "Everyone brings expertise: some from training, some from living with the issue.\n\n"
            "## The principles\n\n- Equality: everyone's knowledge counts the same.\n"
            "- Diversity: we reach people who are seldom heard, not only those who always come.\n"
            "- Accessibility: we remove the barriers that stop people taking part.\n"
            "- Reciprocity: people get something back, including fair payment.",
            "easy_read": "Co-production means working together.\n\nPeople who use services, carers and "
            "staff work as equals.\n\nEveryone's ideas count the same.",
        },
        {
            "key": "ladder",
            "title": "The ladder of participation",
            "body": "## From coercion to co-production\n\nThe ladder runs from doing things *to* people, "
            "through doing things *for* them (informing, consulting, engaging), to doing things "
            "*with* them (co-design and co-production).\n\n## Why the rungs matter\n\nConsultation "
            "asks people what they think after the big decisions are made. Co-production shares the "
            "decisions themselves. Be honest about which rung a project is on: people can tell.",
            "easy_read": "Some projects only ask people what they think.\n\nCo-production is more.\n\n"
            "People share the decisions.",
        },
        {
            "key": "practice",
            "title": "Co-production in practice",
            "body": "## Before the first meeting\n\nAsk each person what they need to take part: times, "
            "formats, travel, a support worker, breaks. Pay expenses in advance where you can.\n\n"
            "## In the room\n\nAgree ground rules together. Avoid jargon. Share papers early in the "
            "format each person asked for.\n\n## Afterwards\n\nTell people what happened because of "
            'what they said ("you said, we did"), and pay them promptly.',
            "easy_read": "Ask people what help they need.\n\nUse plain words.\n\nTell people what changed "
            "because of them.\n\nPay people on time.",
        },
    ],
    "quiz": [
        {
            "key": "q1",
            "question": "Which of these is co-production?",
            "options": [
                {"key": "a", "text": "Asking people to comment on a finished plan"},
                {"key": "b", "text": "Deciding the plan together from the start, as equals"},
                {"key": "c", "text": "Sending a survey after the service has changed"},
            ],
            "answer": "b",
            "right": "Yes: co-production shares decisions from the start.",
            "wrong": "Not quite. Commenting on a finished plan is consultation; co-production shares the "
            "decisions from the start.",
        },
        {
            "key": "q2",
            "question": "What should you do before the first meeting?",
            "options": [
                {"key": "a", "text": "Ask each person what they need to take part"},
                {"key": "b", "text": "Send everyone the same long document"},
                {"key": "c", "text": "Nothing: people will say if they need something"},
            ],
            "answer": "a",
            "right": "Yes: ask about access needs, formats and expenses first.",
            "wrong": "Not quite. Ask each person what they need: not everyone will feel able to say.",
        },
    ],
    "pass_mark": 2,
}

_EDHR: dict[str, Any] = {
    "key": "equality",
    "title": "Equality, diversity and human rights",
    "summary": "The Equality Act 2010, reasonable adjustments, and the human rights that shape how we "
    "work with people.",
    "minutes": 35,
    "credit": "trainer2@example.org",
    "lessons": [
        {
            "key": "act",
            "title": "The Equality Act 2010",
            "body": "## Protected characteristics\n\nThe Act protects people from discrimination because of "
            "age, disability, gender reassignment, marriage and civil partnership, pregnancy and "
            "maternity, race, religion or belief, sex and sexual orientation.\n\n## Reasonable "
            "adjustments\n\nWe must make reasonable adjustments so disabled people are not put at a "
            "disadvantage: for example Easy Read papers, a quiet room, or meeting online.",
            "easy_read": "The law says we must treat people fairly.\n\nWe must make changes so disabled "
            "people can take part.",
        },
        {
            "key": "rights",
            "title": "Human rights in everyday work",
            "body": "## FREDA\n\nFairness, respect, equality, dignity and autonomy are the values behind "
            "the Human Rights Act 1998.\n\n## In practice\n\nOffer real choices. Respect privacy: "
            "share what people tell you only when they agree or when the law requires it.",
            "easy_read": "Everyone has rights.\n\nTreat people with respect.\n\nLet people make their own "
            "choices.",
        },
    ],
    "quiz": [
        {
            "key": "q1",
            "question": "Someone asks for papers in Easy Read. What is this?",
            "options": [
                {"key": "a", "text": "A reasonable adjustment we should make"},
                {"key": "b", "text": "A favour we can refuse if busy"},
            ],
            "answer": "a",
            "right": "Yes: it is a reasonable adjustment.",
            "wrong": "Not quite. Easy Read papers are a reasonable adjustment under the Equality Act 2010.",
        },
        {
            "key": "q2",
            "question": "Which is a protected characteristic?",
            "options": [
                {"key": "a", "text": "Where someone went to school"},
                {"key": "b", "text": "Religion or belief"},
            ],
            "answer": "b",
            "right": "Yes: religion or belief is protected.",
            "wrong": "Not quite. Religion or belief is one of the nine protected characteristics.",
        },
    ],
    "pass_mark": 2,
}

_BENEFITS: dict[str, Any] = {
    "key": "benefits",
    "title": "Paying people who receive benefits",
    "summary": "How involvement payments interact with benefits, with example limits for 2026/27, and "
    "how to keep people safe from overpayments.",
    "minutes": 30,
    "credit": "trainer@example.org",
    "lessons": [
        {
            "key": "earnings",
            "title": "Fees are earnings; expenses are not",
            "body": "## The basic rule\n\nA fee for taking part counts as earnings for benefits. Expenses "
            "(travel, a carer's cover, meals) do not, as long as they are real costs. Vouchers count "
            "as income, just like cash.\n\n## Choices people can make\n\nA person may take the whole "
            "fee, ask for less, decline it, or ask us to give it to a charity. Under Universal "
            "Credit, a fee someone chooses not to take is not treated as their earnings.\n\n"
            "## We never ask which benefit\n\nPeople set their own limits in the portal. We compare "
            "the fees we are about to pay with the limit they asked us to respect.",
            "easy_read": "A fee is money for your time.\n\nA fee can change your benefits.\n\nExpenses are "
            "money back for costs, like a bus ticket.\n\nExpenses do not change your "
            "benefits.\n\nYou can say no to a fee.",
        },
        {
            "key": "limits",
            "title": "Example limits for 2026/27",
            "body": "## Examples only: check them every April\n\nThese figures applied from April 2026. "
            "They change each year; the network's rates table keeps them with their dates.\n\n"
            "- ESA permitted work, lower limit: £20.00 a week, any hours.\n"
            "- ESA permitted work, higher limit: £203.50 a week (2026/27, worked out as 16 hours "
            "at the National Minimum Wage of £12.71, rounded up to 50p), working under 16 hours a "
            "week on average.\n"
            "- Carer's Allowance earnings limit: £204 a week after tax, National Insurance and "
            "allowable expenses.\n"
            "- Universal Credit work allowance (only with a child or limited capability for work): "
            "£427 a month with housing costs, £710 without. Above it, 55p of UC is lost for each "
            "£1 of earnings.\n\n## Cliff edges and tapers\n\nESA permitted work and Carer's "
            "Allowance are cliff edges: £1 over the weekly limit can lose the whole week's "
            "benefit. Universal Credit is a taper: it is reduced gradually.",
            "easy_read": "Some benefits have a limit each week.\n\nIf you earn £1 too much, you can lose "
            "that week's money.\n\nUniversal Credit goes down a bit at a time.\n\nThe limits "
            "change every April.",
        },
        {
            "key": "dates",
            "title": "Payment dates and getting advice",
            "body": "## The payment date matters\n\nUniversal Credit counts money in the monthly assessment "
            "period when it is received, not when the work was done. Paying two meetings' fees "
            "together can push one month over a limit.\n\n## Advice\n\nThe portal's warning is "
            "decision support, not benefits advice. Point people to independent welfare rights "
            "advice, such as Citizens Advice. ESA claimants must tell the DWP before starting "
            "permitted work.",
            "easy_read": "When you are paid matters.\n\nTwo fees paid together can go over a limit.\n\n"
            "Get free advice before you start.",
        },
    ],
    "quiz": [
        {
            "key": "q1",
            "question": "Do travel expenses count as earnings?",
            "options": [
                {"key": "a", "text": "Yes, always"},
                {"key": "b", "text": "No, real expenses do not"},
            ],
            "answer": "b",
            "right": "Right: real expenses are not earnings.",
            "wrong": "Not quite. Fees count as earnings; real expenses such as travel do not.",
        },
        {
            "key": "q2",
            "question": "For Universal Credit, which date decides the month a fee counts in?",
            "options": [
                {"key": "a", "text": "The date of the meeting"},
                {"key": "b", "text": "The date the money is received"},
            ],
            "answer": "b",
            "right": "Right: UC counts money when it is received.",
            "wrong": "Not quite. UC counts earnings in the assessment period in which they are received.",
        },
        {
            "key": "q3",
            "question": "What is the ESA permitted work higher limit for 2026/27 (an example)?",
            "options": [{"key": "a", "text": "£203.50 a week"}, {"key": "b", "text": "£20 a month"}],
            "answer": "a",
            "right": "Right: £203.50 a week in 2026/27 — check the current figure each April.",
            "wrong": "Not quite. It is £203.50 a week in 2026/27 (16 hours at £12.71, rounded up to 50p).",
        },
    ],
    "pass_mark": 2,
}

PACKAGED: tuple[dict[str, Any], ...] = (_COPRO, _EDHR, _BENEFITS)


def packaged_content(module: dict[str, Any], credit: dict[str, str]) -> dict[str, Any]:
    """The stored content for a packaged module, crediting ``credit`` on every lesson."""
    lessons = [{**lesson, "credits": [credit], "video": None, "handouts": []} for lesson in module["lessons"]]
    return {
        "title": module["title"],
        "summary": module["summary"],
        "minutes": module["minutes"],
        "lessons": lessons,
        "quiz": module["quiz"],
        "pass_mark": module["pass_mark"],
        "language": "en",
    }
