"""Actor resolution within one article: "He" -> "Vladimir Putin", RUS.

``resolve_actors(text, events, mentions)`` returns copies of an article's
``Event`` records with four more fields filled:

* ``who_resolved`` / ``target_resolved`` -- the fullest name of the entity the
  raw ``who`` / ``target`` span refers to (the raw spans are left as they are);
* ``who_country`` / ``target_country`` -- ISO 3166-1 alpha-3 of that actor, or an
  IGO code (NATO, EU, UN, ...), from :mod:`pipeline.nlp.gazetteer`.

Either is None when unknown. Nothing here is a list of names: the entities are
the article's own named-entity mentions (the tagger's NER head, PER/ORG/LOC),
and every decision is one of the constraints below.

Entities
    Mentions are clustered within the article. PER: a one-word mention joins the
    most recent person whose name contains that word ("Putin", "Usamah"); a
    longer one joins a person with the same surname and the same (or no) first
    name ("Vladimir Putin" ~ "Putin", but "Hillary Clinton" !~ "Bill Clinton").
    Arabic articles are ignored ("al-Sadr" ~ "Muqtada al-Sadr"). ORG/LOC: the
    same name, an acronym of a longer name ("CPA" ~ "Coalition Provisional
    Authority"), or two names of the same country/IGO ("US" ~ "United States");
    a capital stays itself ("Seoul" is not "South Korea"). The *fullest name* of
    an entity is its longest mention.

Titles and countries of people
    The words just before a person's mention ("Russian President Vladimir
    Putin", "Pakistani Prime Minister Nawaz Sharif", "Shiite cleric ..."), an
    appositive after it (", the leader of the militant Lebanese Shiite group
    Hezbollah", ", executive director of the Council on American-Islamic
    Relations"), "X of the ORG" and "X is a Jordanian" give the person title
    words, a country (the gazetteer over those words) and an affiliation (an
    ORG mention inside them). A person's country is the first one any of its
    mentions gives.

Spans
    A ``who``/``target`` span refers to
    1. a pronoun's antecedent when it is a pronoun (or starts with a possessive
       pronoun: "its policy" -> the owner);
    2. a mention that heads the span (nothing but "'s", "of ...", "and ...", a
       comma or the end of the span's head after it): "NATO's expansion in
       Asia" -> NATO, "Anthony Shadid of the Washington Post" -> Anthony Shadid;
       a mention that only modifies a common noun ("US troops") gives the
       country but no entity;
    3. a person by description: a capitalised word of the span that is a known
       surname ("Mr. Putin"), or a head noun among a person's title words with a
       compatible country ("The Russian president" -> the person introduced as
       "Russian President Vladimir Putin"), most recent first;
    4. the gazetteer: a span that is a place/institution name ("the Kremlin")
       resolves to itself; a description with a demonym or country modifier
       ("the South Korean leadership") gets the country only.
    A clause ("that it would ...") is no actor.

Pronouns (recency + agreement, within the article)
    * he/him/his/she/her -> the most recent person (gender is not modelled:
      both resolve to the most recent PER). A non-reflexive pronoun in the
      target is never the same event's ``who`` ("Wolfowitz lied to him").
    * it/its -> the most recent ORG/LOC entity in this or the two previous
      sentences, unless a more recent singular noun phrase that is no actor (a
      role span of some event, e.g. "this defense agreement between Pyongyang
      and Moscow") comes between: then the pronoun is taken to mean that thing
      and resolves to None.
    * they/them/their -> the most recent ORG (then LOC) entity in this or the
      two previous sentences, with the same blocking by plural non-actor spans.
    * Inside a quotation, I/me/my -> the quote's speaker, and we/us/our -> the
      speaker's side: the speaker's organisation when an appositive names one,
      else the speaker's country (by its short name, e.g. "Russia"), else the
      speaker. Quotes are “...” or "..." spans (an unclosed quote ends with its
      paragraph); the speaker is found with the attribution patterns
      ``“...,” X said`` / ``“...,” said X`` / ``X said: “...”`` (said, told,
      added, continued, ...), where X is itself a span resolved as above
      ("he said" -> the most recent person). An unattributed quote continues
      the previous quote's speaker when it follows within a paragraph.
    * I/we outside quotes (the author), you, and anything with no antecedent
      -> None.
"""
from __future__ import annotations

from pipeline.records import Mention

from .entities import mentions_from_frames
from .resolver import resolve_actors

__all__ = ["Mention", "resolve_actors", "mentions_from_frames"]
