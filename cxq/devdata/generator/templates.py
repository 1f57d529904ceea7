"""What the synthetic conversations say: the scenarios per queue and the English phrases. The other
languages are in ``translations``. ``{placeholders}`` are filled per conversation
(``conversations._values``)."""

from __future__ import annotations

from dataclasses import dataclass

COMPANY = "Northwind"

FIRST_NAMES = (
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "Lucas",
    "Sofia",
    "Mateo",
    "Mia",
    "Finn",
    "Lotte",
    "Daan",
    "Hannah",
    "Jonas",
    "Lena",
    "Carlos",
    "Lucía",
    "Javier",
    "Aisha",
    "Omar",
    "Grace",
    "Samuel",
    "Chloe",
    "Ethan",
    "Zoe",
    "Ryan",
    "Nora",
    "Felix",
    "Isla",
    "Leo",
    "Maya",
    "Adam",
    "Sara",
    "Ben",
    "Elif",
    "Yusuf",
    "Anna",
    "Tim",
    "Julia",
    "Max",
    "Chen",
    "Priya",
    "Ravi",
    "Fatima",
    "Kofi",
    "Amara",
    "Sven",
    "Ingrid",
)
LAST_NAMES = (
    "Smith",
    "Jansen",
    "de Vries",
    "García",
    "Martínez",
    "Müller",
    "Schmidt",
    "Brown",
    "Wilson",
    "Bakker",
    "Visser",
    "Fernández",
    "López",
    "Weber",
    "Fischer",
    "Taylor",
    "Clarke",
    "Patel",
    "Khan",
    "Nguyen",
    "O'Brien",
    "Kowalski",
    "Novak",
    "Rossi",
    "Dubois",
    "Okafor",
    "Mensah",
    "Lindqvist",
    "Hughes",
    "Evans",
)
PLANS = ("Basic 50", "Fibre 200", "Fibre 500", "Fibre 1000", "Mobile Unlimited", "TV Plus")
DATES = ("Monday the 3rd", "Tuesday the 11th", "Wednesday the 19th", "Thursday the 6th", "Friday the 24th")


@dataclass(frozen=True)
class Outcome:
    disposition: str
    resolved: bool | None
    weight: int
    agent: tuple[str, ...]
    customer: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    key: str
    queue: str
    topics: tuple[str, ...]
    problem: tuple[str, ...]
    steps: tuple[tuple[str, str], ...]
    outcomes: tuple[Outcome, ...]
    pitch: tuple[str, ...] = ()  # the agent's reason for calling, when the call is outbound


@dataclass(frozen=True)
class Pack:
    """Everything said in one language."""

    greeting: tuple[str, ...]
    greeting_chat: tuple[str, ...]
    greeting_outbound: tuple[str, ...]
    answer_outbound: tuple[str, ...]
    disclosure: tuple[str, ...]
    identity: tuple[tuple[str, str, str], ...]
    hold: tuple[str, str, str]
    checking: tuple[str, ...]
    complaint: tuple[str, ...]
    empathy: tuple[str, ...]
    anything_else: tuple[str, ...]
    no_thanks: tuple[str, ...]
    goodbye: tuple[str, ...]
    goodbye_chat: tuple[str, ...]
    fillers: tuple[str, ...]
    email: tuple[str, str, str, str]  # customer opening, customer closing, agent opening, agent closing
    voicemail: str
    scenarios: tuple[Scenario, ...]
    # exchanges that fit any scenario, used once a scenario's own steps run out on long calls
    generic: tuple[tuple[str, str], ...] = ()


def _o(disposition, resolved, weight, agent, customer) -> Outcome:
    return Outcome(disposition, resolved, weight, tuple(agent), tuple(customer))


EN_SCENARIOS = (
    Scenario(
        "double_charge",
        "Billing",
        ("Billing", "Refund"),
        (
            "Hi, I've been charged twice for my bill this month, {amount} went out two times.",
            "Hello, there are two payments of {amount} on my bank statement and I only have one bill.",
        ),
        (
            ("Let me check the payments on your account.", "Okay, thanks."),
            ("Can you tell me the date the payments were taken?", "Both on the {day} of this month."),
            ("I can see two payments of {amount} on the same day.", "Yes, that's what my bank shows too."),
            ("It looks like the direct debit was retried by mistake.", "So it wasn't my bank then?"),
        ),
        (
            _o(
                "Refund issued",
                True,
                6,
                ["I've issued a refund of {amount}, you'll see the money back in three to five working days."],
                ["Great, thank you so much.", "Perfect, thanks."],
            ),
            _o(
                "Escalated",
                False,
                2,
                ["I need to escalate this to our payments team; they'll contact you within 48 hours."],
                ["Okay, I'll wait for their call then."],
            ),
        ),
    ),
    Scenario(
        "high_bill",
        "Billing",
        ("Billing",),
        (
            "My invoice is much higher than usual this month and I don't understand why.",
            "Why is my bill {amount} this month? It's normally a lot less.",
        ),
        (
            ("I'll go through the invoice with you line by line.", "Please, yes."),
            (
                "There are some roaming charges from your trip abroad last month.",
                "Oh, I didn't realise that.",
            ),
            ("Your promotional discount also ended on the first of the month.", "Nobody told me that."),
            ("I can see a pay-per-view film on the twelfth as well.", "That must have been my son."),
        ),
        (
            _o(
                "Resolved",
                True,
                5,
                ["I've applied a one-off credit of {credit} to your next bill as a goodwill gesture."],
                ["That's fair, thank you.", "Okay, that helps."],
            ),
            _o(
                "Information provided",
                True,
                3,
                [
                    "So the higher amount is the roaming plus the end of the "
                    "discount; next month should be back to normal."
                ],
                ["Right, that makes sense now."],
            ),
        ),
    ),
    Scenario(
        "card_update",
        "Billing",
        ("Billing",),
        (
            "My payment failed and I need to update my card details.",
            "I got an email saying my payment didn't go through, I have a new bank card.",
        ),
        (
            (
                "No problem, I can update that for you. What's the new card number?",
                "It's a Visa ending {last4}.",
            ),
            ("And the expiry date?", "June next year."),
            ("Thanks, I'm retrying the payment of {amount} now.", "Okay."),
        ),
        (
            _o(
                "Resolved",
                True,
                8,
                ["The card ending {last4} is saved and the payment of {amount} went through."],
                ["Brilliant, thanks."],
            ),
        ),
    ),
    Scenario(
        "refund_request",
        "Billing",
        ("Refund",),
        (
            "I returned the router last month and I still haven't had my refund.",
            "I cancelled my TV add-on weeks ago and I want my money back for this month.",
        ),
        (
            ("Let me find the return on your account.", "It was sent back on the {day}."),
            ("I can see the return arrived at our warehouse.", "So where's my money?"),
            ("The refund was approved but not yet paid out.", "That's been weeks now."),
        ),
        (
            _o(
                "Refund issued",
                True,
                6,
                [
                    "I've pushed the refund of {amount} through today, it'll reach your "
                    "account in three to five working days."
                ],
                ["Finally, thank you."],
            ),
            _o(
                "Callback scheduled",
                False,
                2,
                ["I'll chase the finance team and call you back on {date} with an update."],
                ["Please do."],
            ),
        ),
    ),
    Scenario(
        "internet_drops",
        "Technical support",
        ("Outage",),
        (
            "My internet keeps dropping, the connection goes every hour or so.",
            "The wifi keeps cutting out, I work from home and I can't stay on my video calls.",
        ),
        (
            ("Can you tell me what lights you see on the router?", "The internet light is flashing red."),
            (
                "Could you restart the router for me? Unplug it, wait thirty seconds and plug it back in.",
                "Okay, hang on... right, it's coming back on now.",
            ),
            ("I'm running a line test from my side now.", "Okay."),
            ("The line test shows some noise on the line.", "Is that something you can fix?"),
            (
                "Is the router connected to the main socket or an extension?",
                "To an extension in the hallway.",
            ),
        ),
        (
            _o(
                "Resolved",
                True,
                5,
                ["I've reset your line profile, the connection should be stable now."],
                ["It's green now, thanks!", "Looks good, thank you."],
            ),
            _o(
                "Callback scheduled",
                False,
                3,
                ["I've booked an engineer visit for {date} between eight and one."],
                ["Okay, someone will be home."],
            ),
            _o(
                "Escalated",
                False,
                1,
                ["I'm escalating this to our network team, they'll call you within a day."],
                ["Fine."],
            ),
        ),
    ),
    Scenario(
        "password_reset",
        "Technical support",
        ("Password reset",),
        (
            "I can't log in to my account, it says my password is wrong.",
            "I've forgotten my password for the app and now my account is locked.",
        ),
        (
            ("I can send you a password reset link. Is your email still {email}?", "Yes, that's right."),
            ("I've unlocked the account. Can you check your inbox?", "Yes, I've got the email."),
            ("Click the link and choose a new password.", "Done, it's asking me to log in again."),
        ),
        (
            _o(
                "Resolved",
                True,
                9,
                ["You're all set, the reset worked and your account is unlocked."],
                ["Got it, I'm logged in now. Thanks."],
            ),
        ),
    ),
    Scenario(
        "outage",
        "Technical support",
        ("Outage",),
        (
            "There's no internet at all since this morning, is there an outage?",
            "Our service is down, nothing works, not the internet and not the TV.",
        ),
        (
            ("Let me check the service status for your area.", "Sure."),
            ("There's a known outage in your area affecting broadband.", "How long will it take?"),
            (
                "Our engineers are working on it; the estimate is this afternoon.",
                "That's annoying, I'm working.",
            ),
        ),
        (
            _o(
                "Information provided",
                None,
                5,
                [
                    "I've added you to the outage so you'll get a text the moment "
                    "it's fixed, and you'll be credited for the downtime."
                ],
                ["Okay, thanks for letting me know."],
            ),
            _o(
                "Callback scheduled",
                None,
                2,
                ["I'll call you back on {date} to make sure everything works."],
                ["Thanks."],
            ),
        ),
    ),
    Scenario(
        "app_crash",
        "Technical support",
        ("App",),
        (
            "The app crashes every time I open it.",
            "Your app closes straight away since the last update.",
        ),
        (
            (
                "Which phone and app version are you using?",
                "An Android phone, I think version five point two.",
            ),
            ("Could you clear the app's cache in the settings?", "Okay, I've done that."),
            ("Now please update the app from the store.", "It's updating... okay, it opens now."),
        ),
        (
            _o("Resolved", True, 7, ["Great, the update fixes that crash."], ["Thanks, that worked."]),
            _o("Escalated", False, 1, ["I've logged this with our app developers."], ["Okay."]),
        ),
    ),
    Scenario(
        "upgrade",
        "Sales",
        ("Upgrade",),
        (
            "I'd like to know about upgrading to faster broadband.",
            "I saw an offer for {plan} on your website, can I get that?",
        ),
        (
            ("At the moment you're on the {plan} plan at {amount} a month.", "Right."),
            (
                "We could move you to a faster plan with double the speed for just {credit} more.",
                "Hmm, what's the contract length?",
            ),
            ("It's a twelve-month contract and the installation is free.", "And can I keep my number?"),
            ("Yes, your number and email address stay the same.", "Okay."),
        ),
        (
            _o(
                "Sale made",
                True,
                5,
                ["Great, I've placed the order for the upgrade, you'll get a confirmation email today."],
                ["Lovely, thanks."],
            ),
            _o(
                "Callback scheduled",
                None,
                3,
                ["No problem, I'll call you back on {date} once you've had time to think about it."],
                ["Yes, that's better."],
            ),
            _o(
                "Not interested",
                False,
                2,
                ["Understood, I've made a note that you'd rather not change now."],
                ["Thanks, bye."],
            ),
        ),
        pitch=(
            "I'm calling because your contract ends next month and we have a special offer for you.",
            "I'm calling about a faster fibre plan that's now available at your address.",
        ),
    ),
    Scenario(
        "cancel",
        "Retention",
        ("Cancellation",),
        (
            "I want to cancel my contract, it's too expensive.",
            "I'd like to cancel my subscription, I'm moving to another provider.",
        ),
        (
            ("I'm sorry to hear that. Can I ask what's prompted that?", "I found a cheaper deal elsewhere."),
            ("How long have you been with us now?", "About six years."),
            ("Let me see what I can do for you.", "Okay."),
            ("Would a lower price on your current plan change your mind?", "Depends on the price."),
        ),
        (
            _o(
                "Retained with offer",
                True,
                5,
                ["I can offer you twenty percent off for the next twelve months if you stay with us."],
                ["Okay, that sounds fair, I'll stay."],
            ),
            _o(
                "Cancelled",
                True,
                4,
                ["I've processed the cancellation, your service will end on {date}."],
                ["Thank you."],
            ),
        ),
        pitch=("I'm calling because you asked to cancel online and I'd like to see if we can keep you.",),
    ),
    Scenario(
        "move_home",
        "General",
        ("Moving",),
        (
            "I'm moving house next month and I want to move my service.",
            "Can I take my broadband with me when I move?",
        ),
        (
            ("Congratulations on the move! What's the new address?", "It's {postcode}, number twelve."),
            ("Good news, we have fibre at that address.", "Oh, great."),
            ("When do you get the keys?", "On the first of next month."),
        ),
        (
            _o(
                "Resolved",
                True,
                8,
                ["I've booked the move for the first, the router will work at the new place from that day."],
                ["Perfect, one thing less to worry about."],
            ),
        ),
    ),
    Scenario(
        "general_info",
        "General",
        ("Information",),
        (
            "What are your shop opening hours on Sunday?",
            "I have a question about my contract end date.",
        ),
        (
            ("Let me look that up for you.", "Thanks."),
            ("Is this about the shop in the city centre?", "Yes, that one."),
        ),
        (
            _o(
                "Information provided",
                True,
                9,
                ["It's open from twelve to five on Sundays, and your contract ends on {date}."],
                ["Okay, good to know."],
            ),
        ),
    ),
)

EN = Pack(
    greeting=(
        "Thank you for calling {company}, my name is {agent}, how can I help you today?",
        "Good morning, you're through to {company}, this is {agent}. How can I help?",
        "Hi, thanks for calling {company}. You're speaking with {agent}, what can I do for you?",
        "Good afternoon, {company}, {agent} speaking. How may I help you?",
    ),
    greeting_chat=(
        "Hi {customer}, thanks for contacting {company} chat support! My name is {agent}, how can I help?",
        "Hello {customer}, you're chatting with {agent} from {company}. What can I do for you today?",
    ),
    greeting_outbound=(
        "Hello, is this {customer_full}? Hi, this is {agent} calling from {company}.",
        "Hi {customer}, it's {agent} from {company}, is now a good time to talk?",
    ),
    answer_outbound=("Yes, speaking.", "Oh, hi. Yes, go ahead.", "I've got a few minutes, yes."),
    disclosure=(
        "Just so you know, this call is recorded for quality and training purposes.",
        "Before we start, this call is recorded for quality and training purposes.",
    ),
    identity=(
        (
            "Before we go any further, can I take your full name and date of birth please?",
            "Sure, it's {customer_full}, born {dob}.",
            "Thank you, that's all verified.",
        ),
        (
            "For security, could you confirm the postcode on the account?",
            "Yes, it's {postcode}.",
            "Perfect, thanks, I've found your account and verified your identity.",
        ),
        (
            "I just need to verify your identity first. What's the email address on the account?",
            "It's {email}.",
            "Thanks, you're verified.",
        ),
    ),
    hold=(
        "May I place you on hold for a moment while I check this?",
        "Sure, no problem.",
        "Thank you for holding, {customer}.",
    ),
    checking=(
        "Let me just check that for you.",
        "One moment, I'm looking at your account now.",
        "Bear with me while I pull that up.",
    ),
    complaint=(
        "Honestly this is ridiculous, this is the third time I've called about this.",
        "I'm really fed up, the service has been terrible lately.",
        "I want to make a complaint, this is unacceptable.",
        "I want to speak to a manager.",
    ),
    empathy=(
        "I'm really sorry to hear that, I understand how frustrating this must be.",
        "I apologize for the inconvenience, let me make sure we get this sorted today.",
        "I completely understand, and I'm sorry you've had to call again.",
    ),
    anything_else=("Is there anything else I can help you with today?", "Anything else I can do for you?"),
    no_thanks=("No, that's everything, thanks.", "No, that's all. Thanks for your help.", "Nope, all good."),
    goodbye=(
        "Thanks for calling {company}, have a great day!",
        "You're welcome, take care. Bye now.",
        "Thank you for your patience, enjoy the rest of your day.",
    ),
    goodbye_chat=(
        "Thanks for chatting with us, {customer}. Have a lovely day!",
        "Glad I could help. Have a great day!",
    ),
    fillers=("um", "uh", "erm", "you know", "like", "I mean", "basically"),
    email=(
        "Hello,",
        "Kind regards, {customer_full}",
        "Dear {customer}, thank you for your email.",
        "Kind regards, {agent}, {company} Customer Care",
    ),
    voicemail="Hi, this is {agent} from {company} calling about your account. Please call us back on "
    "0800 123 4567. Thank you.",
    generic=(
        ("Just to confirm, is that on the account ending {last4}?", "Yes, that's the one."),
        ("And when did this start?", "About a week ago, I think."),
        ("Has anything changed on your side recently?", "Not that I know of."),
        ("Okay, I'm making a note of that on your account.", "Thanks."),
        ("Have you contacted us about this before?", "Once, by email, but I never heard back."),
        ("Would you like me to send a summary of this by email?", "Yes please, that would help."),
        ("Is the mobile number we have still the best one to reach you?", "Yes, it is."),
    ),
    scenarios=EN_SCENARIOS,
)
