"""The hand-maintained gazetteer tables: what no maintained data package carries.

IGOs and their aliases, non-capital seats of government (metonyms), common
names and abbreviations, irregular demonyms, and the English suffix rules that
generate the regular demonyms. Plain data; :mod:`pipeline.nlp.gazetteer.tables`
builds the lookup tables from it.
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

#: IGO code -> (display name, aliases). Codes are the organisations' own
#: acronyms; acronym aliases are matched in capitals only. No maintained data
#: package codes IGOs as actors (``country_converter`` and ``countrygroups``
#: carry memberships only), so this is a reviewed table: the organisations of
#: the CAMEO codebook's IGO actor list (CAMEO 1.1b3, "International and
#: transnational actors") that are still active, plus the UN agencies,
#: regional bodies and development banks in today's news, each under its
#: official English name and acronym.
IGOS: Dict[str, Tuple[str, Tuple[str, ...]]] = {
    "NATO": ("NATO", ("NATO", "North Atlantic Treaty Organization",
                      "North Atlantic Treaty Organisation", "North Atlantic Alliance")),
    "EU": ("European Union", ("EU", "E.U.", "European Union", "European Commission",
                              "European Council", "European Parliament")),
    "UN": ("United Nations", ("UN", "U.N.", "United Nations", "UN Security Council",
                              "U.N. Security Council", "Security Council",
                              "UN General Assembly", "General Assembly", "UNICEF", "UNHCR",
                              "World Food Programme", "World Food Program", "WFP")),
    "WHO": ("World Health Organization", ("World Health Organization",
                                          "World Health Organisation")),
    "IMF": ("International Monetary Fund", ("IMF", "International Monetary Fund")),
    "WB": ("World Bank", ("World Bank",)),
    "WTO": ("World Trade Organization", ("WTO", "World Trade Organization",
                                         "World Trade Organisation")),
    "ASEAN": ("ASEAN", ("ASEAN", "Association of Southeast Asian Nations")),
    "AU": ("African Union", ("African Union", "AU")),
    "OPEC": ("OPEC", ("OPEC", "Organization of the Petroleum Exporting Countries",
                      "OPEC+")),
    "OSCE": ("OSCE", ("OSCE", "Organization for Security and Co-operation in Europe",
                      "Organization for Security and Cooperation in Europe")),
    "IAEA": ("International Atomic Energy Agency", ("IAEA",
                                                    "International Atomic Energy Agency")),
    "ICC": ("International Criminal Court", ("International Criminal Court",)),
    "ICJ": ("International Court of Justice", ("ICJ", "International Court of Justice")),
    "OAS": ("Organization of American States", ("Organization of American States",)),
    "LAS": ("Arab League", ("Arab League", "League of Arab States")),
    "GCC": ("Gulf Cooperation Council", ("GCC", "Gulf Cooperation Council")),
    "SCO": ("Shanghai Cooperation Organisation", ("Shanghai Cooperation Organisation",
                                                  "Shanghai Cooperation Organization")),
    "ECOWAS": ("ECOWAS", ("ECOWAS", "Economic Community of West African States")),
    "CSTO": ("CSTO", ("CSTO", "Collective Security Treaty Organization")),
    "OIC": ("Organisation of Islamic Cooperation", ("Organisation of Islamic Cooperation",
                                                    "Organization of Islamic Cooperation")),
    "G7": ("G7", ("G7", "G-7", "Group of Seven")),
    "G20": ("G20", ("G20", "G-20", "Group of 20", "Group of Twenty")),
    "BRICS": ("BRICS", ("BRICS",)),
    "COE": ("Council of Europe", ("Council of Europe",)),
    "INTERPOL": ("Interpol", ("Interpol", "INTERPOL")),
    # UN agencies and programmes not folded into UN above: their own codes, as
    # CAMEO codes them (IGOUNO... with the agency), so that an analyst can tell
    # the refugee agency's appeal from the Security Council's resolution
    "UNESCO": ("UNESCO", ("UNESCO",)),
    "UNDP": ("United Nations Development Programme", ("UNDP",
                                                      "United Nations Development Programme")),
    "UNRWA": ("UNRWA", ("UNRWA",)),
    "UNFPA": ("UNFPA", ("UNFPA",)),
    "OHCHR": ("UN human rights office", ("OHCHR", "UN human rights office",
                                         "U.N. human rights office")),
    "UNIFIL": ("UNIFIL", ("UNIFIL",)),
    "FAO": ("Food and Agriculture Organization", ("Food and Agriculture Organization",)),
    "ILO": ("International Labour Organization", ("International Labour Organization",
                                                  "International Labor Organization")),
    "IOM": ("International Organization for Migration", (
        "International Organization for Migration",)),
    "OPCW": ("OPCW", ("OPCW", "Organisation for the Prohibition of Chemical Weapons",
                      "Organization for the Prohibition of Chemical Weapons")),
    "OECD": ("OECD", ("OECD", "Organisation for Economic Co-operation and Development")),
    "APEC": ("APEC", ("APEC", "Asia-Pacific Economic Cooperation")),
    "SADC": ("SADC", ("SADC", "Southern African Development Community")),
    "IGAD": ("IGAD", ("IGAD", "Intergovernmental Authority on Development")),
    "EAC": ("East African Community", ("East African Community",)),
    "CARICOM": ("CARICOM", ("CARICOM", "Caribbean Community")),
    "MERCOSUR": ("Mercosur", ("Mercosur", "MERCOSUR")),
    "CIS": ("Commonwealth of Independent States", ("Commonwealth of Independent States",)),
    "EAEU": ("Eurasian Economic Union", ("Eurasian Economic Union",)),
    "PIF": ("Pacific Islands Forum", ("Pacific Islands Forum",)),
    "AFDB": ("African Development Bank", ("African Development Bank",)),
    "ADB": ("Asian Development Bank", ("Asian Development Bank",)),
    "EBRD": ("EBRD", ("EBRD", "European Bank for Reconstruction and Development")),
    "AIIB": ("AIIB", ("AIIB", "Asian Infrastructure Investment Bank")),
    "ECB": ("European Central Bank", ("European Central Bank", "ECB")),
    "COMMONWEALTH": ("Commonwealth of Nations", ("Commonwealth of Nations",)),
}

#: Armed non-state groups and movements -> (country they are based in and fight
#: in, or None for transnational ones; sector; aliases). After the CAMEO
#: non-state military actors dictionary (PETRARCH's ``Phoenix.MilNonState``
#: actors, which codes e.g. Hamas PSEREB, Hezbollah LBNREB), reviewed for the
#: groups in the news since; a group that now governs is GOV (the Taliban).
GROUPS: Dict[str, Tuple[Optional[str], str, Tuple[str, ...]]] = {
    "Hamas": ("PSE", "REB", ("Hamas", "Qassam Brigades", "al-Qassam Brigades",
                             "Izz ad-Din al-Qassam Brigades")),
    "Palestinian Islamic Jihad": ("PSE", "REB", ("Palestinian Islamic Jihad", "Islamic Jihad")),
    "Fatah": ("PSE", "PTY", ("Fatah",)),
    "Hezbollah": ("LBN", "REB", ("Hezbollah", "Hizbollah", "Hizballah")),
    "Houthis": ("YEM", "REB", ("Houthis", "Houthi", "Ansar Allah", "Ansarallah")),
    "Taliban": ("AFG", "GOV", ("Taliban",)),
    "Pakistani Taliban": ("PAK", "REB", ("Pakistani Taliban", "Tehrik-i-Taliban Pakistan",
                                         "Tehreek-e-Taliban Pakistan", "TTP")),
    "al-Shabaab": ("SOM", "REB", ("al-Shabaab", "Al-Shabaab", "al-Shabab", "Al-Shabab",
                                  "Shabaab")),
    "Boko Haram": ("NGA", "REB", ("Boko Haram",)),
    "ISWAP": ("NGA", "REB", ("ISWAP", "Islamic State West Africa Province")),
    "Islamic State": (None, "REB", ("Islamic State", "ISIS", "ISIL", "Daesh", "IS group")),
    "al-Qaeda": (None, "REB", ("al-Qaeda", "Al-Qaeda", "al-Qaida", "Al-Qaida", "al Qaeda")),
    "AQAP": ("YEM", "REB", ("AQAP", "al-Qaeda in the Arabian Peninsula")),
    "JNIM": ("MLI", "REB", ("JNIM", "Jama'at Nusrat al-Islam wal-Muslimin")),
    "Hayat Tahrir al-Sham": ("SYR", "REB", ("Hayat Tahrir al-Sham", "HTS")),
    "Syrian Democratic Forces": ("SYR", "REB", ("Syrian Democratic Forces", "SDF")),
    "PKK": ("TUR", "REB", ("PKK", "Kurdistan Workers' Party", "Kurdistan Workers Party")),
    "Wagner Group": ("RUS", "MIL", ("Wagner Group", "Africa Corps")),
    "M23": ("COD", "REB", ("M23", "March 23 Movement")),
    "Rapid Support Forces": ("SDN", "REB", ("Rapid Support Forces", "RSF")),
    "TPLF": ("ETH", "REB", ("TPLF", "Tigray People's Liberation Front")),
    "Fano": ("ETH", "REB", ("Fano",)),
    "FARC": ("COL", "REB", ("FARC", "FARC dissidents")),
    "ELN": ("COL", "REB", ("ELN",)),
    "Baloch Liberation Army": ("PAK", "REB", ("Baloch Liberation Army", "BLA")),
    "Lashkar-e-Taiba": ("PAK", "REB", ("Lashkar-e-Taiba", "Lashkar-e-Toiba", "LeT")),
    "Jaish-e-Mohammed": ("PAK", "REB", ("Jaish-e-Mohammed", "Jaish-e-Muhammad")),
    "Arakan Army": ("MMR", "REB", ("Arakan Army",)),
    "Kataib Hezbollah": ("IRQ", "REB", ("Kataib Hezbollah", "Kata'ib Hezbollah")),
    "Popular Mobilization Forces": ("IRQ", "MIL", ("Popular Mobilization Forces",
                                                   "Popular Mobilisation Forces", "PMF")),
    "Revolutionary Guards": ("IRN", "MIL", ("Revolutionary Guards", "Revolutionary Guard",
                                            "Islamic Revolutionary Guard Corps", "IRGC",
                                            "Quds Force")),
    "Polisario Front": ("ESH", "REB", ("Polisario Front", "Polisario")),
    "Muslim Brotherhood": ("EGY", "OPP", ("Muslim Brotherhood",)),
    "Palestinian Authority": ("PSE", "GOV", ("Palestinian Authority",)),
}

#: Political leaders a reader knows without being told: heads of state and
#: government, foreign and defence ministers and other figures in the news
#: 2015-2026 -> their country. The gold sets code them so (world knowledge,
#: tests/data/gold/ACTORS_GUIDE.md); what the article itself says about a
#: person always wins over this table. Keys are full names; a name in
#: ``LEADER_SURNAMES`` is also recognised alone. Reviewed by hand from the
#: public record of office holders; a person's country does not change when
#: the office does, so the table ages slowly, but it needs new names.
LEADERS: Dict[str, str] = {
    # Europe
    "Vladimir Putin": "RUS", "Dmitry Medvedev": "RUS", "Sergei Lavrov": "RUS",
    "Mikhail Mishustin": "RUS", "Sergei Shoigu": "RUS", "Andrei Belousov": "RUS",
    "Dmitry Peskov": "RUS", "Maria Zakharova": "RUS", "Alexei Navalny": "RUS",
    "Yevgeny Prigozhin": "RUS", "Volodymyr Zelensky": "UKR", "Volodymyr Zelenskyy": "UKR",
    "Dmytro Kuleba": "UKR", "Andrii Sybiha": "UKR", "Denys Shmyhal": "UKR",
    "Yulia Svyrydenko": "UKR", "Rustem Umerov": "UKR", "Petro Poroshenko": "UKR",
    "Alexander Lukashenko": "BLR", "Svetlana Tikhanovskaya": "BLR",
    "Emmanuel Macron": "FRA", "Olaf Scholz": "DEU", "Friedrich Merz": "DEU",
    "Angela Merkel": "DEU", "Annalena Baerbock": "DEU", "Boris Pistorius": "DEU",
    "Keir Starmer": "GBR", "Rishi Sunak": "GBR", "Boris Johnson": "GBR", "Liz Truss": "GBR",
    "Theresa May": "GBR", "David Lammy": "GBR", "David Cameron": "GBR",
    "Giorgia Meloni": "ITA", "Pedro Sanchez": "ESP", "Pedro Sánchez": "ESP",
    "Viktor Orban": "HUN", "Viktor Orbán": "HUN", "Donald Tusk": "POL",
    "Andrzej Duda": "POL", "Radoslaw Sikorski": "POL", "Mark Rutte": "NLD",
    "Recep Tayyip Erdogan": "TUR", "Recep Tayyip Erdoğan": "TUR", "Hakan Fidan": "TUR",
    "Aleksandar Vucic": "SRB", "Aleksandar Vučić": "SRB", "Maia Sandu": "MDA",
    "Ilham Aliyev": "AZE", "Nikol Pashinyan": "ARM", "Kyriakos Mitsotakis": "GRC",
    "Ulf Kristersson": "SWE", "Jonas Gahr Store": "NOR", "Mette Frederiksen": "DNK",
    "Alexander Stubb": "FIN", "Sauli Niinisto": "FIN",
    # Americas
    "Joe Biden": "USA", "Donald Trump": "USA", "Barack Obama": "USA", "Kamala Harris": "USA",
    "Antony Blinken": "USA", "Marco Rubio": "USA", "Lloyd Austin": "USA",
    "Pete Hegseth": "USA", "JD Vance": "USA", "J.D. Vance": "USA", "Mike Pompeo": "USA",
    "Jake Sullivan": "USA", "Justin Trudeau": "CAN", "Mark Carney": "CAN",
    "Claudia Sheinbaum": "MEX", "Andres Manuel Lopez Obrador": "MEX",
    "Luiz Inacio Lula da Silva": "BRA", "Luiz Inácio Lula da Silva": "BRA",
    "Jair Bolsonaro": "BRA", "Javier Milei": "ARG", "Nicolas Maduro": "VEN",
    "Nicolás Maduro": "VEN", "Gustavo Petro": "COL", "Gabriel Boric": "CHL",
    "Nayib Bukele": "SLV", "Daniel Ortega": "NIC", "Miguel Diaz-Canel": "CUB",
    "Dina Boluarte": "PER", "Bernardo Arevalo": "GTM", "Daniel Noboa": "ECU",
    # Middle East and North Africa
    "Benjamin Netanyahu": "ISR", "Yoav Gallant": "ISR", "Israel Katz": "ISR",
    "Isaac Herzog": "ISR", "Naftali Bennett": "ISR", "Yair Lapid": "ISR", "Benny Gantz": "ISR",
    "Mahmoud Abbas": "PSE", "Ismail Haniyeh": "PSE", "Yahya Sinwar": "PSE",
    "Ali Khamenei": "IRN", "Ayatollah Ali Khamenei": "IRN", "Masoud Pezeshkian": "IRN",
    "Ebrahim Raisi": "IRN", "Abbas Araghchi": "IRN", "Hossein Amir-Abdollahian": "IRN",
    "Hassan Rouhani": "IRN", "Hassan Nasrallah": "LBN", "Naim Qassem": "LBN",
    "Joseph Aoun": "LBN", "Najib Mikati": "LBN", "Nawaf Salam": "LBN",
    "Bashar al-Assad": "SYR", "Ahmed al-Sharaa": "SYR", "Mohammed Shia al-Sudani": "IRQ",
    "Mohammed bin Salman": "SAU", "King Salman": "SAU", "Faisal bin Farhan": "SAU",
    "Mohamed bin Zayed": "ARE", "Sheikh Tamim bin Hamad Al Thani": "QAT",
    "Tamim bin Hamad Al Thani": "QAT", "Abdel Fattah el-Sisi": "EGY",
    "Abdel Fattah al-Sisi": "EGY", "King Abdullah II": "JOR", "Ayman Safadi": "JOR",
    "Kais Saied": "TUN", "Abdul Hamid Dbeibah": "LBY", "Khalifa Haftar": "LBY",
    "Abdel Fattah al-Burhan": "SDN", "Mohamed Hamdan Dagalo": "SDN",
    "Abdul-Malik al-Houthi": "YEM",
    # Asia and Oceania
    "Xi Jinping": "CHN", "Li Qiang": "CHN", "Wang Yi": "CHN", "Li Keqiang": "CHN",
    "Dong Jun": "CHN", "Kim Jong Un": "PRK", "Kim Jong-un": "PRK", "Kim Yo Jong": "PRK",
    "Yoon Suk Yeol": "KOR", "Lee Jae-myung": "KOR", "Lee Jae Myung": "KOR",
    "Fumio Kishida": "JPN", "Shigeru Ishiba": "JPN", "Sanae Takaichi": "JPN",
    "Shinzo Abe": "JPN", "Lai Ching-te": "TWN", "Tsai Ing-wen": "TWN",
    "Narendra Modi": "IND", "Subrahmanyam Jaishankar": "IND", "Rahul Gandhi": "IND",
    "Shehbaz Sharif": "PAK", "Nawaz Sharif": "PAK", "Imran Khan": "PAK",
    "Asim Munir": "PAK", "Sheikh Hasina": "BGD", "Muhammad Yunus": "BGD",
    "Ashraf Ghani": "AFG", "Hibatullah Akhundzada": "AFG", "Min Aung Hlaing": "MMR",
    "Aung San Suu Kyi": "MMR", "Prabowo Subianto": "IDN", "Joko Widodo": "IDN",
    "Anwar Ibrahim": "MYS", "Ferdinand Marcos Jr.": "PHL", "Ferdinand Marcos": "PHL",
    "Rodrigo Duterte": "PHL", "Sara Duterte": "PHL", "Anthony Albanese": "AUS",
    "Penny Wong": "AUS", "Christopher Luxon": "NZL", "Kassym-Jomart Tokayev": "KAZ",
    "Hun Manet": "KHM", "To Lam": "VNM", "Paetongtarn Shinawatra": "THA",
    # Sub-Saharan Africa
    "William Ruto": "KEN", "Raila Odinga": "KEN", "Bola Tinubu": "NGA",
    "Cyril Ramaphosa": "ZAF", "Abiy Ahmed": "ETH", "Paul Kagame": "RWA",
    "Felix Tshisekedi": "COD", "Félix Tshisekedi": "COD", "Yoweri Museveni": "UGA",
    "Samia Suluhu Hassan": "TZA", "Hassan Sheikh Mohamud": "SOM", "Assimi Goita": "MLI",
    "Ibrahim Traore": "BFA", "Abdourahamane Tiani": "NER", "Emmerson Mnangagwa": "ZWE",
    "Salva Kiir": "SSD", "Bassirou Diomaye Faye": "SEN", "John Mahama": "GHA",
}

#: Surnames (or single names) that name one of ``LEADERS`` alone in the news.
LEADER_SURNAMES: Dict[str, str] = {
    "Putin": "Vladimir Putin", "Lavrov": "Sergei Lavrov", "Zelensky": "Volodymyr Zelensky",
    "Zelenskyy": "Volodymyr Zelenskyy", "Lukashenko": "Alexander Lukashenko",
    "Macron": "Emmanuel Macron", "Scholz": "Olaf Scholz", "Merz": "Friedrich Merz",
    "Starmer": "Keir Starmer", "Meloni": "Giorgia Meloni", "Orban": "Viktor Orban",
    "Orbán": "Viktor Orbán", "Erdogan": "Recep Tayyip Erdogan",
    "Erdoğan": "Recep Tayyip Erdoğan", "Vucic": "Aleksandar Vucic",
    "Biden": "Joe Biden", "Trump": "Donald Trump", "Obama": "Barack Obama",
    "Blinken": "Antony Blinken", "Trudeau": "Justin Trudeau", "Sheinbaum": "Claudia Sheinbaum",
    "Lula": "Luiz Inacio Lula da Silva", "Bolsonaro": "Jair Bolsonaro", "Milei": "Javier Milei",
    "Maduro": "Nicolas Maduro", "Bukele": "Nayib Bukele", "Netanyahu": "Benjamin Netanyahu",
    "Khamenei": "Ali Khamenei", "Pezeshkian": "Masoud Pezeshkian", "Raisi": "Ebrahim Raisi",
    "Araghchi": "Abbas Araghchi", "Nasrallah": "Hassan Nasrallah", "Haniyeh": "Ismail Haniyeh",
    "Sinwar": "Yahya Sinwar", "Assad": "Bashar al-Assad", "al-Assad": "Bashar al-Assad",
    "Sisi": "Abdel Fattah el-Sisi", "el-Sisi": "Abdel Fattah el-Sisi", "Haftar": "Khalifa Haftar",
    "Burhan": "Abdel Fattah al-Burhan", "Xi": "Xi Jinping", "Modi": "Narendra Modi",
    "Jaishankar": "Subrahmanyam Jaishankar", "Kishida": "Fumio Kishida", "Ishiba": "Shigeru Ishiba",
    "Albanese": "Anthony Albanese", "Tokayev": "Kassym-Jomart Tokayev", "Ruto": "William Ruto",
    "Tinubu": "Bola Tinubu", "Ramaphosa": "Cyril Ramaphosa", "Kagame": "Paul Kagame",
    "Tshisekedi": "Felix Tshisekedi", "Museveni": "Yoweri Museveni", "Mnangagwa": "Emmerson Mnangagwa",
    "Prabowo": "Prabowo Subianto", "Jokowi": "Joko Widodo", "Duterte": "Rodrigo Duterte",
    "Pashinyan": "Nikol Pashinyan", "Aliyev": "Ilham Aliyev", "Sandu": "Maia Sandu",
    "Zakharova": "Maria Zakharova", "Peskov": "Dmitry Peskov", "Shoigu": "Sergei Shoigu",
    "Navalny": "Alexei Navalny", "Prigozhin": "Yevgeny Prigozhin", "Gallant": "Yoav Gallant",
    "Gantz": "Benny Gantz", "Sybiha": "Andrii Sybiha",
    "Kuleba": "Dmytro Kuleba", "Yunus": "Muhammad Yunus", "Kiir": "Salva Kiir",
}

#: Seats of government that are not capitals, used for the government itself.
METONYMS: Dict[str, str] = {
    "Kremlin": "RUS", "State Duma": "RUS", "Duma": "RUS",
    "White House": "USA", "Pentagon": "USA", "State Department": "USA",
    "Capitol Hill": "USA", "Foggy Bottom": "USA",
    "Downing Street": "GBR", "Whitehall": "GBR",
    "Elysee": "FRA", "Élysée": "FRA", "Elysee Palace": "FRA", "Élysée Palace": "FRA",
    "Quai d'Orsay": "FRA",
    "Zhongnanhai": "CHN",
    "Blue House": "KOR",
    "Knesset": "ISR",
    "Bundestag": "DEU",
    "Brussels": "EU",  # overrides Brussels as capital of Belgium (news usage)
}

#: Common names and abbreviations that none of the packages lists as a name.
ALIASES: Dict[str, str] = {
    "US": "USA", "U.S.": "USA", "USA": "USA", "U.S.A.": "USA", "America": "USA",
    "UK": "GBR", "U.K.": "GBR", "Britain": "GBR", "Great Britain": "GBR",
    "England": "GBR", "Scotland": "GBR", "Wales": "GBR",
    "UAE": "ARE", "DPRK": "PRK", "ROK": "KOR", "PRC": "CHN", "DRC": "COD",
    "Holland": "NLD", "Burma": "MMR", "Rohingya": "MMR", "Ivory Coast": "CIV", "Turkey": "TUR",
    "Czechia": "CZE", "Russia": "RUS", "Vatican": "VAT", "Gaza": "PSE",
    "West Bank": "PSE", "Palestine": "PSE",
}

#: Demonyms no suffix rule produces (one row per country; plurals are added).
IRREGULAR_DEMONYMS: Dict[str, str] = {
    "American": "USA", "U.S.-led": "USA", "British": "GBR", "English": "GBR",
    "Scottish": "GBR", "Welsh": "GBR", "Chinese": "CHN", "French": "FRA",
    "Dutch": "NLD", "Swiss": "CHE", "Greek": "GRC", "Turkish": "TUR", "Polish": "POL",
    "Danish": "DNK", "Swedish": "SWE", "Finnish": "FIN", "Spanish": "ESP",
    "Irish": "IRL", "Icelandic": "ISL", "Norwegian": "NOR", "Belgian": "BEL",
    "Portuguese": "PRT", "Filipino": "PHL", "Philippine": "PHL", "Thai": "THA",
    "Czech": "CZE", "Slovak": "SVK", "Slovene": "SVN", "Slovenian": "SVN",
    "Burmese": "MMR", "Lao": "LAO", "Laotian": "LAO", "Malagasy": "MDG",
    "Argentine": "ARG", "Argentinian": "ARG", "Peruvian": "PER", "Saudi": "SAU",
    "Emirati": "ARE", "New Zealander": "NZL", "Kiwi": "NZL", "Kazakh": "KAZ",
    "Uzbek": "UZB", "Tajik": "TJK", "Kyrgyz": "KGZ", "Turkmen": "TKM",
    "Afghan": "AFG", "Bahraini": "BHR", "Cypriot": "CYP", "Maltese": "MLT",
    "Monegasque": "MCO", "Dominican": "DOM", "Haitian": "HTI", "Salvadoran": "SLV",
    "Guatemalan": "GTM", "Nicaraguan": "NIC", "Honduran": "HND", "Ecuadorian": "ECU",
    "Uruguayan": "URY", "Paraguayan": "PRY", "Venezuelan": "VEN", "Bolivian": "BOL",
    "Colombian": "COL", "Chilean": "CHL", "Israeli": "ISR", "Palestinian": "PSE",
    "Yemeni": "YEM", "Somali": "SOM", "Malian": "MLI", "Nigerien": "NER",
    "Beninese": "BEN", "Togolese": "TGO", "Ivorian": "CIV", "Ghanaian": "GHA",
    "Congolese": None,  # ambiguous (COD / COG): deliberately no code
    "Sudanese": "SDN", "South Sudanese": "SSD", "Bangladeshi": "BGD",
    "Sri Lankan": "LKA", "Nepalese": "NPL", "Nepali": "NPL", "Bhutanese": "BTN",
    "Vietnamese": "VNM", "Taiwanese": "TWN", "Lebanese": "LBN", "Iraqi": "IRQ",
    "Kuwaiti": "KWT", "Qatari": "QAT", "Omani": "OMN", "Pakistani": "PAK",
    "Azerbaijani": "AZE", "Azeri": "AZE", "Belarusian": "BLR", "Belarusan": "BLR",
    "Moldovan": "MDA", "Soviet": "RUS", "Kosovar": "XKX",
}

# (suffix to remove, suffix to add, rank): lower rank wins a collision.
_DEMONYM_RULES = [
    ("a", "an", 0),      # Russia -> Russian, Korea -> Korean, Kenya -> Kenyan
    ("e", "ian", 1),     # Ukraine -> Ukrainian
    ("y", "ian", 1),     # Italy -> Italian, Hungary -> Hungarian
    ("o", "an", 1),      # Mexico -> Mexican, Morocco -> Moroccan
    ("e", "ean", 2),     # Chile -> Chilean, Zimbabwe -> Zimbabwean
    ("a", "ian", 2),     # Canada -> Canadian
    ("on", "ese", 2),    # Lebanon -> Lebanese, Gabon -> Gabonese
    ("", "ese", 3),      # Japan -> Japanese, Sudan -> Sudanese, Vietnam -> Vietnamese
    ("", "i", 3),        # Pakistan -> Pakistani, Iraq -> Iraqi, Israel -> Israeli
    ("", "ian", 3),      # Egypt -> Egyptian, Brazil -> Brazilian, Iran -> Iranian
]
