"""The PLOVER event types as the similarity typer describes them: its codebook data.

``PLOVER_TYPES`` (the 16 types), ``ALL_TYPES`` (plus OTHER, last) and
``TYPES``: for every type a definition in our own words after the PLOVER
codebook, six example event phrasings and a few typical predicate lemmas,
which :class:`pipeline.nlp.events.similarity.EventTyper` embeds into its
prototypes. Plain data.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

__all__ = ["PLOVER_TYPES", "ALL_TYPES", "TYPES"]

PLOVER_TYPES = ["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT",
                "REQUEST", "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION",
                "MOBILIZE", "COERCE", "ASSAULT"]
ALL_TYPES = PLOVER_TYPES + ["OTHER"]

#: type -> (definition, example phrasings, typical predicate lemmas)
TYPES: Dict[str, Tuple[str, List[str], List[str]]] = {
    "AGREE": (
        "Agree to, sign, accept or ratify an agreement, deal, treaty, ceasefire or "
        "proposal; settle a dispute; commit to abide by a deal.",
        ["the two governments signed a peace treaty", "rebels accepted a ceasefire",
         "parliament ratified the accord", "the sides reached an agreement on trade",
         "the union agreed to the wage offer", "leaders concluded a security pact"],
        ["agree", "sign", "accept", "ratify", "settle", "conclude"]),
    "CONSULT": (
        "Meet, hold talks, negotiate, visit, telephone or host another party to "
        "discuss an issue.",
        ["the president met his counterpart", "diplomats held talks in Geneva",
         "the envoy visited the capital", "the leaders spoke by telephone",
         "negotiators discussed a prisoner exchange", "the minister hosted a delegation"],
        ["meet", "negotiate", "visit", "discuss", "host", "talk"]),
    "SUPPORT": (
        "Express verbal support: praise, endorse, welcome, approve of, back or "
        "defend another actor or its policy.",
        ["the government praised the decision", "allies endorsed the candidate",
         "the minister welcomed the ruling", "the party expressed support for the plan",
         "officials defended the operation", "the council commended the peacekeepers"],
        ["praise", "endorse", "welcome", "support", "back", "commend"]),
    "CONCEDE": (
        "Yield or make a concession: release prisoners, ease or lift restrictions, "
        "apologize, allow access, return property, step down.",
        ["the authorities freed detained activists", "the government eased the blockade",
         "the regime lifted the state of emergency", "the minister apologized for the remarks",
         "the army allowed aid convoys through", "the president resigned"],
        ["release", "ease", "lift", "apologize", "allow", "yield"]),
    "COOPERATE": (
        "Engage in joint action or material cooperation: joint military exercises, "
        "intelligence sharing, economic, technical or judicial cooperation.",
        ["the navies held joint drills", "the agencies shared intelligence",
         "the two countries cooperate on energy", "police forces coordinated a joint operation",
         "the firms jointly developed a vaccine", "the states expanded defense cooperation"],
        ["cooperate", "collaborate", "coordinate", "share", "partner"]),
    "AID": (
        "Provide material assistance: weapons and military aid, money, loans, "
        "humanitarian aid, food, medicine, rescue teams or peacekeepers.",
        ["the government sent weapons to the army", "donors provided humanitarian aid",
         "the bank granted a loan", "the country supplied tanks",
         "agencies delivered food and medicine", "the alliance pledged military assistance"],
        ["provide", "supply", "send", "deliver", "donate", "fund"]),
    "RETREAT": (
        "Withdraw, pull back or retreat forces; leave or evacuate a position or "
        "territory; demobilize.",
        ["troops withdrew from the city", "the army pulled back its forces",
         "fighters retreated from the front line", "the mission evacuated its staff",
         "soldiers left the occupied area", "the country pulled out of the region"],
        ["withdraw", "retreat", "evacuate", "leave", "pull back"]),
    "REQUEST": (
        "Ask for, appeal for, call on, urge or demand that another actor do or "
        "provide something.",
        ["the government asked for international assistance", "the UN called for a ceasefire",
         "protesters demanded the resignation", "the minister urged allies to send more weapons",
         "the country requested an emergency meeting", "officials appealed for calm"],
        ["ask", "request", "urge", "appeal", "demand", "call on"]),
    "ACCUSE": (
        "Criticize, condemn, denounce, blame, accuse or allege wrongdoing by "
        "another actor.",
        ["the ministry condemned the attack", "the government accused its neighbor of aggression",
         "officials blamed the rebels for the bombing", "rights groups criticized the crackdown",
         "the president denounced the sanctions", "the opposition alleged fraud"],
        ["accuse", "criticize", "condemn", "blame", "denounce", "allege"]),
    "REJECT": (
        "Reject, refuse, deny, veto, dismiss or block a proposal, request, "
        "accusation or demand; rule out doing something.",
        ["the government rejected the peace plan", "the country vetoed the resolution",
         "officials denied the allegations", "the president refused to negotiate",
         "the ministry dismissed the report", "the leader ruled out any concessions"],
        ["reject", "refuse", "deny", "veto", "dismiss", "rule out"]),
    "THREATEN": (
        "Threaten or warn of force, sanctions or other consequences; issue an "
        "ultimatum.",
        ["the country threatened military action", "the leader warned of serious consequences",
         "officials threatened to cut off gas supplies", "the government issued an ultimatum",
         "the military warned it would retaliate", "the president threatened sanctions"],
        ["threaten", "warn", "menace"]),
    "PROTEST": (
        "Civilian collective protest: demonstrations, rallies, marches, strikes, "
        "sit-ins, hunger strikes, boycotts.",
        ["thousands demonstrated against the government", "workers went on strike",
         "activists staged a rally", "students marched in the capital",
         "prisoners began a hunger strike", "the party boycotted the vote"],
        ["protest", "demonstrate", "rally", "march", "strike", "boycott"]),
    "SANCTION": (
        "Impose sanctions, embargoes, asset freezes or travel bans; expel "
        "diplomats; break off or downgrade relations; suspend aid or cooperation.",
        ["the government imposed sanctions on officials", "the country expelled diplomats",
         "the bloc froze assets", "the state severed diplomatic relations",
         "the donor suspended aid", "the union imposed an arms embargo"],
        ["sanction", "embargo", "expel", "freeze", "suspend", "sever"]),
    "MOBILIZE": (
        "Mobilize or deploy armed forces, raise the military alert, call up "
        "reservists, mass troops: a military build-up without attacking.",
        ["the army deployed troops to the border", "the country mobilized reservists",
         "the military raised its alert level", "forces massed near the frontier",
         "the navy dispatched warships to the strait", "the government called up conscripts"],
        ["mobilize", "deploy", "mass", "station", "alert"]),
    "COERCE": (
        "Non-lethal repression or coercion: arrest, detain, seize, raid, ban, "
        "censor, deport, impose curfews or restrictions.",
        ["police arrested opposition leaders", "security forces detained journalists",
         "authorities banned the protest", "the coast guard seized a vessel",
         "the government deported foreign workers", "officers raided the offices"],
        ["arrest", "detain", "seize", "ban", "raid", "deport"]),
    "ASSAULT": (
        "Use violence: attack, bomb, shell, shoot, kill, wound, abduct or torture; "
        "missile and drone strikes.",
        ["militants attacked a police station", "warplanes bombed the town",
         "gunmen killed civilians", "a missile struck the building",
         "soldiers shot protesters", "rebels kidnapped aid workers"],
        ["attack", "kill", "bomb", "shell", "shoot", "abduct"]),
    "OTHER": (
        "Statements, reports, expectations and events without a political "
        "interaction between actors: saying, reporting, believing, estimating, "
        "prices and figures rising or falling.",
        ["the minister said the talks continue", "the agency reported new figures",
         "analysts expect growth", "officials believe the fire was an accident",
         "the company published its results", "prices rose last month"],
        ["say", "report", "expect", "believe", "estimate", "rise"]),
}
