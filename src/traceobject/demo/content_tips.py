"""Invented tips for the demo inbox (Django-free): several languages, paraphrases of the same
claim (so clusters form), spam, an off-topic report, and the triage each one gets.

Shops, brands and addresses are made up; domains use the reserved .example suffix or
country-code domains of invented names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DemoTip:
    object_index: int  # position in demo.content_objects.OBJECTS
    text: str
    language: str
    country: str = ""
    place: str = ""
    state: str = "new"  # the triage state the demo investigator gives it
    contact_email: str = ""


BAG = 5  # "Carrier bag of a shop"
BISCUITS = 3  # "Biscuit box"
TSHIRT = 0  # "T-shirt with a printed slogan" (identified: PL)
TEDDY = 7  # "Plush teddy bear with a bow"

TIPS: tuple[DemoTip, ...] = (
    # The carrier bag: many tips say it is from the POLANA chain in Poland (a cluster), in
    # several languages and wordings; two say Czechia; some noise.
    DemoTip(BAG, "This bag is from POLANA supermarkets, I shop there every week in Kraków.",
            "en", "PL", "Kraków", "useful", "reader1@mail.example"),
    DemoTip(BAG, "Die Tüte ist von POLANA, einer Supermarktkette in Polen. Gekauft in Krakau.",
            "de", "PL", "Krakau", "useful"),
    DemoTip(BAG, "Torba z sieci POLANA, kupiłam taką w Krakowie w zeszłym roku.",
            "pl", "PL", "Kraków", "useful"),
    DemoTip(BAG, "POLANA supermarket bag, Krakow. Same as in the picture.", "en", "PL",
            "Krakow"),
    DemoTip(BAG, "I think it's the POLANA shop bag, they have them in Krakow", "en", "PL"),
    DemoTip(BAG, "I think it's the POLANA shop bag, they have them in Krakow!!", "en", "PL",
            "", "duplicate"),
    DemoTip(BAG, "Sac de la chaîne POLANA, vu en Pologne à Cracovie.", "fr", "PL", "Cracovie"),
    DemoTip(BAG, "Looks like a bag from a Czech chain, maybe in Brno?", "en", "CZ", "Brno",
            "not_useful"),
    DemoTip(BAG, "Taška je z obchodu v Brně, myslím že POTRAVINY DUBEN.", "cs", "CZ", "Brno"),
    DemoTip(BAG, "www.polana-sklep.example has the same bag in its online shop.", "en", "PL",
            "", "useful"),
    DemoTip(BAG, "BUY CHEAP WATCHES http://cheap-watches.example http://cheap-watches.example",
            "en", "", "", "spam"),
    DemoTip(BAG, "I want to report something else: a website with abusive pictures of "
            "children, address in my message to you.", "en", "DE", "", "off_topic"),
    # The biscuit box: Dutch and Belgian claims, a question answered through the mailbox.
    DemoTip(BISCUITS, "Deze koektrommel komt van bakkerij VAN DAM uit Utrecht, tel. "
            "+31 30 123 4567.", "nl", "NL", "Utrecht", "useful", "tipster@mail.example"),
    DemoTip(BISCUITS, "Biscuits VAN DAM, on les trouve aussi en Belgique, à Anvers.", "fr",
            "BE", "Anvers"),
    DemoTip(BISCUITS, "Van Dam bakery in Utrecht sells this tin, I bought one there.", "en",
            "NL", "Utrecht"),
    DemoTip(BISCUITS, "no idea", "en", "", "", "not_useful"),
    # The T-shirt (identified in Poland): forwarded, with an outcome.
    DemoTip(TSHIRT, "The slogan is from a summer festival in Gdańsk, shirts were sold there "
            "in 2024.", "en", "PL", "Gdańsk", "useful"),
    DemoTip(TSHIRT, "Koszulka z festiwalu w Gdańsku, lato 2024.", "pl", "PL", "Gdańsk",
            "useful"),
    # The teddy bear: still new.
    DemoTip(TEDDY, "Ich habe den gleichen Bären bei SPIELWAREN KRAUSE in Leipzig gesehen.",
            "de", "DE", "Leipzig"),
    DemoTip(TEDDY, "Same bear sold at a toy shop in Vienna, Austria.", "en", "AT", "Wien"),
    DemoTip(TEDDY, "Orsetto visto in un negozio a Milano.", "it", "IT", "Milano", "closed"),
)

# The demo investigator asks the first biscuit tipster a question; the tipster answers.
QUESTION = (BISCUITS, "Thank you. Do you remember when you last saw this tin in the shop?")
ANSWER = "Yes, in March this year, on the shelf next to the entrance."

# Forwardings the demo makes: (object index, country, summary, outcome or None).
FORWARDINGS: tuple[tuple[int, str, str, dict[str, Any] | None], ...] = (
    (TSHIRT, "PL", "Two independent tips place the T-shirt at a 2024 festival in Gdańsk.",
     {"lead_useful": True, "location_found": True, "country_confirmed": True,
      "children_safeguarded": 2, "offenders_arrested": 1,
      "text": "Festival organiser identified; location confirmed."}),
    (BAG, "PL", "Several tips in four languages name the POLANA chain in Kraków.", None),
)
