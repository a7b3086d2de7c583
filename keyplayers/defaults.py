"""The guidance matrix every tenant starts with: for each buying role × buying stage, the communication
it calls for, the next message, and the typical concern. Tenant admins edit their own copy.

The executive row follows the seed material: planning → strategic dialogue; determine needs and
evaluate alternatives → relationship maintenance; evaluate risk → value communication.
"""

from keyplayers.models import BuyingRole, BuyingStage

R, S = BuyingRole, BuyingStage

# (communication, message, typical concern)
DEFAULT_GUIDANCE: dict[tuple[str, str], tuple[str, str, str]] = {
    # The executive holds power and budget.
    (R.EXECUTIVE, S.PLANNING): (
        "Strategic dialogue",
        "Talk about their strategy and where the organisation is heading; connect the initiative to business "
        "outcomes, not to products.",
        "Does this initiative serve our strategy, and is it worth the investment?",
    ),
    (R.EXECUTIVE, S.DETERMINE_NEEDS): (
        "Relationship maintenance",
        "Keep them briefly informed; confirm that the team they delegated to is defining needs in line with "
        "their intent.",
        "Is my team defining the right needs, and on time?",
    ),
    (R.EXECUTIVE, S.EVALUATE_ALTERNATIVES): (
        "Relationship maintenance",
        "Stay visible without selling features: share progress and executive-level references, and keep the line open.",
        "Are we looking at the right options?",
    ),
    (R.EXECUTIVE, S.EVALUATE_RISK): (
        "Value communication",
        "Quantify the business value and the return, and show how the risks are reduced: references, "
        "guarantees, a phased plan.",
        "What if this fails: the financial, operational and reputational risk.",
    ),
    (R.EXECUTIVE, S.DECISION): (
        "Executive commitment",
        "Reconfirm the value case and our sponsorship at executive level; agree the success measures "
        "and how both sides will follow them up.",
        "Is this the best use of the budget, and will the supplier stand behind it?",
    ),
    # Middle management is delegated to run the buying process.
    (R.MIDDLE_MANAGEMENT, S.PLANNING): (
        "Problem definition",
        "Help them frame the problem, the scope and the timeline; bring insight from similar customers.",
        "Scope, timeline and the resources the project will need.",
    ),
    (R.MIDDLE_MANAGEMENT, S.DETERMINE_NEEDS): (
        "Consultative needs analysis",
        "Work through the requirements with them and help set criteria around the outcomes that matter.",
        "Getting complete requirements that every stakeholder agrees with.",
    ),
    (R.MIDDLE_MANAGEMENT, S.EVALUATE_ALTERNATIVES): (
        "Solution fit",
        "Show criterion by criterion how we meet the requirements: demonstrations, case studies, a clear comparison.",
        "Which option meets our requirements best?",
    ),
    (R.MIDDLE_MANAGEMENT, S.EVALUATE_RISK): (
        "Proof and reassurance",
        "Give them what makes their recommendation safe: an implementation plan, references, a pilot.",
        "Will this recommendation make me look good or bad, and can it be delivered smoothly?",
    ),
    (R.MIDDLE_MANAGEMENT, S.DECISION): (
        "Implementation planning",
        "Agree the implementation plan, milestones and responsibilities; equip them to present the "
        "recommendation internally.",
        "Can I defend this recommendation in front of my management?",
    ),
    # Operational people are the users.
    (R.OPERATIONAL, S.PLANNING): (
        "Rapport and discovery",
        "Learn how they work today and where it hurts; build rapport before proposing anything.",
        "Will this change the way I work?",
    ),
    (R.OPERATIONAL, S.DETERMINE_NEEDS): (
        "User needs discovery",
        "Involve them in defining the needs of daily use; write down their words.",
        "Usability and fit with daily work.",
    ),
    (R.OPERATIONAL, S.EVALUATE_ALTERNATIVES): (
        "Demonstration and trial",
        "Let them try it: hands-on demonstrations and trials that show how easy it is to use.",
        "Is it easy to use, and does it do what I need?",
    ),
    (R.OPERATIONAL, S.EVALUATE_RISK): (
        "Support assurance",
        "Explain the training, the support and the transition plan; show who helps when something goes wrong.",
        "Disruption, the learning curve, and support when things go wrong.",
    ),
    (R.OPERATIONAL, S.DECISION): (
        "Adoption planning",
        "Plan the roll-out, the training and the first quick wins together with them.",
        "Will we get the training and support we were promised?",
    ),
    # Purchasing are the professional buyers.
    (R.PURCHASING, S.PLANNING): (
        "Supplier qualification",
        "Make sure we are on the approved supplier list and understand their procurement process.",
        "Is this supplier qualified and compliant?",
    ),
    (R.PURCHASING, S.DETERMINE_NEEDS): (
        "Process alignment",
        "Learn the buying process, the criteria and the timeline; provide the company information they ask for.",
        "Running a fair and compliant process.",
    ),
    (R.PURCHASING, S.EVALUATE_ALTERNATIVES): (
        "Commercial clarity",
        "Give a clear, comparable commercial proposal framed as total cost of ownership, not unit price.",
        "Price and terms compared with the alternatives.",
    ),
    (R.PURCHASING, S.EVALUATE_RISK): (
        "Contract assurance",
        "Address contractual risk: service levels, liability, delivery guarantees, our financial stability.",
        "Contractual and supplier risk.",
    ),
    (R.PURCHASING, S.DECISION): (
        "Negotiation",
        "Negotiate on total value: know what we get, what we give and where we walk away.",
        "The best price and terms, and savings to report.",
    ),
}
