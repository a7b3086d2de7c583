"""The hierarchy models every tenant starts with. Tenant admins edit their own copy afterwards."""

from hierarchy.models import ModelKind

BUY_SELL = {
    "kind": ModelKind.BUY_SELL,
    "name": "Buy-Sell Hierarchy",
    "description": "How the customer sees us, from commodity supplier to contributor to their organisation's direction.",
    "levels": [
        {
            "name": "Commodity that meets specifications",
            "description": "We are one of several interchangeable suppliers. We are bought on specification and price, "
            "usually through purchasing.",
            "signals": "Contact runs through purchasing or procurement only\nRequests for quotation and price comparisons\n"
            "They would switch supplier for a small discount\nNobody outside purchasing knows our name",
            "climb_playbook": "USP analysis: what do we offer that others do not?\nConsultative selling: ask about their needs before quoting\n"
            "The five product levels: core benefit, basic, expected, augmented and potential product\n"
            "A customer-service mindset in everyone who touches the account",
            "survey_statement": "They supply what we specify at a competitive price; we could switch to another supplier without much trouble.",
        },
        {
            "name": "Good products and services",
            "description": "The customer values the quality of what we deliver and prefers us to alternatives, but the "
            "relationship is still about the products.",
            "signals": "They praise our quality or reliability\nRepeat orders without a full tender\n"
            "Users in the departments ask for our products by name\nDiscussions are about features and delivery",
            "climb_playbook": "Customer experience mapping: every touchpoint from their side\nValue chain analysis: where do we add value in their chain?\n"
            "RATER: reliability, assurance, tangibles, empathy, responsiveness\nKaizen: small continuous improvements they can see",
            "survey_statement": "Their products and services are good and reliable; we are pleased with what they deliver.",
        },
        {
            "name": "Dedicated service and support",
            "description": "The customer relies on our service and support; we know their set-up and they call us first "
            "when something needs fixing.",
            "signals": "They call us first when something goes wrong\nA named person or team supports them\n"
            "They mention our responsiveness, not only our products\nService reviews happen regularly",
            "climb_playbook": "Problem definition: help them state the real business problem\nSimplex: a structured creative problem-solving process\n"
            "Consensus-oriented decision making with their stakeholders\nTrusting relationships: deliver on every promise",
            "survey_statement": "They give us dedicated service and support; they know how we work and respond quickly.",
        },
        {
            "name": "Contributes to business issues",
            "description": "The customer involves us in solving their business problems, before a requirement is written.",
            "signals": "They ask our view before writing a requirement\nJoint workshops on their business problems\n"
            "We are measured on their business results\nThey share plans and numbers with us",
            "climb_playbook": "Working with senior leaders: their agenda, their language\nIndustry expertise: know their market, competitors and regulation",
            "survey_statement": "They help us solve our business problems, not only supply products and services.",
        },
        {
            "name": "Contributes to organizational issues",
            "description": "Senior leaders see us as a partner in the direction of their organisation.",
            "signals": "Their senior leaders seek our view on strategy\nWe take part in their planning\n"
            "Executive-to-executive relationship on both sides\nThey introduce us to their own customers or partners",
            "climb_playbook": "",
            "survey_statement": "They contribute to the direction of our organisation; our leaders ask for their view on strategy.",
        },
    ],
}

NEEDS = {
    "kind": ModelKind.NEEDS,
    "name": "Needs model",
    "description": "Six levels of customer needs, from plain utility to creating value together.",
    "levels": [
        {
            "name": "Utility",
            "description": "What we deliver does the job it is bought for.",
            "signals": "Bought on function and price\nNo interest in anything beyond the product",
            "climb_playbook": "Remove friction from ordering and delivery\nLearn where our offer saves them time",
            "survey_statement": "What they supply does the job; that is all we expect from them.",
        },
        {
            "name": "Convenience",
            "description": "We are easy to buy from and to work with.",
            "signals": "They mention how easy we are to deal with\nThey order through our self-service channels",
            "climb_playbook": "Anticipate needs before they are expressed\nMap their experience to find comfort gaps",
            "survey_statement": "They are easy to buy from and to work with.",
        },
        {
            "name": "Comfort",
            "description": "The customer feels safe with us: we take worries off their hands.",
            "signals": "They leave decisions to us within agreed limits\nThey trust our advice on routine matters",
            "climb_playbook": "Know the people, not only the organisation\nRecognise their contribution in front of their management",
            "survey_statement": "We feel safe with them; they take worries off our hands.",
        },
        {
            "name": "Personal recognition",
            "description": "Working with us makes our contacts look good in their organisation.",
            "signals": "Contacts present our joint results internally\nThey ask us to help them make their case",
            "climb_playbook": "Give them room to shape the solution\nShare industry expertise they can build on",
            "survey_statement": "Working with them helps me and my team get recognised in our organisation.",
        },
        {
            "name": "Self-expression",
            "description": "The customer uses our collaboration to express who they are and want to be.",
            "signals": "They bring us ideas of their own\nThey speak publicly about working with us",
            "climb_playbook": "Invite them to create new offerings with us\nSet up joint goals and shared governance",
            "survey_statement": "Working with them lets us pursue our own ideas and show what we stand for.",
        },
        {
            "name": "Co-creation",
            "description": "We create value together: joint development, shared goals and shared results.",
            "signals": "Joint development or shared road maps\nShared goals and results",
            "climb_playbook": "",
            "survey_statement": "We create new things together with them; we share goals and results.",
        },
    ],
}

DEFAULT_MODELS = [BUY_SELL, NEEDS]
DEFAULT_ACTIVE_KIND = ModelKind.BUY_SELL
