"""Invented brand names and multilingual label phrases for the demo images (Django-free)."""

from __future__ import annotations

import random

_SYLLABLES_A = ("Nor", "Vel", "Kasi", "Lum", "Bri", "Sol", "Mar", "Tes", "Orn", "Pol",
                "Fjor", "Zel", "Kru", "Ami", "Dal", "Rova", "Quin", "Bel", "Stra", "Hel")
_SYLLABLES_B = ("dia", "ko", "vena", "ra", "lux", "mo", "ta", "ling", "ex", "bo",
                "nova", "ssi", "lo", "ni", "ssa", "rik", "via", "dor", "nt", "by")
_SUFFIXES = ("", "", "", " & Co", " Home", " Kids", " Mode", " Kids", " Bazar", " Natur")

BRANDS = (
    "Kasimo", "Velora", "Brinja", "Solmar", "Nordlux", "Tessavia", "Marbo", "Fjorling",
    "Zelta", "Ornato", "Pomelka", "Krusso", "Amidor", "Dalnova", "Helmik", "Quinta Verde",
)

# (language, phrase) pairs that appear on labels and packaging.
INGREDIENTS = (
    ("de", "Zutaten: Zucker, Weizenmehl, Kakaobutter"),
    ("fr", "Ingrédients : sucre, farine de blé, beurre"),
    ("pl", "Składniki: cukier, mąka pszenna, masło"),
    ("es", "Ingredientes: azúcar, harina de trigo"),
    ("it", "Ingredienti: zucchero, farina di frumento"),
    ("nl", "Ingrediënten: suiker, tarwebloem, boter"),
    ("sv", "Ingredienser: socker, vetemjöl, smör"),
    ("cs", "Složení: cukr, pšeničná mouka, máslo"),
)
MADE_IN = (
    ("de", "Hergestellt in Deutschland"),
    ("fr", "Fabriqué en France"),
    ("pl", "Wyprodukowano w Polsce"),
    ("es", "Fabricado en España"),
    ("it", "Prodotto in Italia"),
    ("nl", "Gemaakt in Nederland"),
    ("sv", "Tillverkad i Sverige"),
    ("cs", "Vyrobeno v České republice"),
)
MATERIAL = (
    ("de", "100 % Baumwolle"),
    ("fr", "100 % coton"),
    ("pl", "Skład: bawełna 100%"),
    ("es", "100 % algodón"),
    ("it", "100 % cotone"),
    ("nl", "100 % katoen"),
    ("sv", "100 % bomull"),
    ("cs", "Složení: 100 % bavlna"),
)
CARE = (
    ("de", "Bei 40 °C waschen"),
    ("fr", "Lavage à 40 °C"),
    ("pl", "Prać w temperaturze 40 °C"),
    ("es", "Lavar a 40 °C"),
    ("it", "Lavare a 40 °C"),
    ("nl", "Wassen op 40 °C"),
    ("sv", "Tvätta i 40 °C"),
    ("cs", "Prát na 40 °C"),
)
TAGLINES = (
    ("de", "Frisch gebacken"), ("fr", "Goût authentique"), ("pl", "Najlepsza jakość"),
    ("es", "Sabor de siempre"), ("it", "Gusto autentico"), ("nl", "Lekker knapperig"),
    ("sv", "Nybakat varje dag"), ("cs", "Tradiční receptura"),
)
PRODUCTS = (
    ("de", "Butterkekse"), ("fr", "Biscuits au beurre"), ("pl", "Herbatniki maślane"),
    ("es", "Galletas de mantequilla"), ("it", "Biscotti al burro"), ("nl", "Boterkoekjes"),
    ("sv", "Smörkakor"), ("cs", "Máslové sušenky"),
)
DRINKS = (
    ("de", "Apfelsaft naturtrüb"), ("fr", "Jus de pomme"), ("pl", "Sok jabłkowy"),
    ("es", "Zumo de manzana"), ("it", "Succo di mela"), ("nl", "Appelsap"),
    ("sv", "Äppeljuice"), ("cs", "Jablečná šťáva"),
)
JARS = (
    ("de", "Erdbeerkonfitüre"), ("fr", "Confiture de fraises"), ("pl", "Dżem truskawkowy"),
    ("es", "Mermelada de fresa"), ("it", "Marmellata di fragole"), ("nl", "Aardbeienjam"),
    ("sv", "Jordgubbssylt"), ("cs", "Jahodový džem"),
)
EVENTS = (
    ("de", "Sommerfest am See"), ("fr", "Fête de la musique"), ("pl", "Festyn rodzinny"),
    ("es", "Fiesta del barrio"), ("it", "Sagra del paese"), ("nl", "Zomermarkt"),
    ("sv", "Midsommarfest"), ("cs", "Letní slavnost"),
)
EVENT_LINES = (
    ("de", "Eintritt frei · Musik · Essen"), ("fr", "Entrée libre · Concerts · Buvette"),
    ("pl", "Wstęp wolny · Muzyka · Grill"), ("es", "Entrada libre · Música · Comida"),
    ("it", "Ingresso libero · Musica · Cucina"), ("nl", "Gratis toegang · Muziek · Eten"),
    ("sv", "Fri entré · Musik · Mat"), ("cs", "Vstup volný · Hudba · Jídlo"),
)
TICKET_WORDS = (
    ("de", "Fahrkarte", "Gültig bis"), ("fr", "Billet", "Valable jusqu'au"),
    ("pl", "Bilet", "Ważny do"), ("es", "Billete", "Válido hasta"),
    ("it", "Biglietto", "Valido fino al"), ("nl", "Kaartje", "Geldig tot"),
    ("sv", "Biljett", "Giltig till"), ("cs", "Jízdenka", "Platí do"),
)
SLOGANS = (
    "Sunny Days", "Ocean Club", "Team Spirit", "Good Vibes", "Wild & Free", "Mountain Crew",
    "Bonjour!", "Ciao Bella", "Hej hej", "Dobrý den", "Viva la vida", "Zomer 2019",
    "Małe szczęście", "Schönen Tag", "Fête du sport",
)
SHOP_LINES = (
    ("de", "Danke für Ihren Einkauf"), ("fr", "Merci de votre visite"),
    ("pl", "Dziękujemy za zakupy"), ("es", "Gracias por su compra"),
    ("it", "Grazie per l'acquisto"), ("nl", "Bedankt voor uw aankoop"),
    ("sv", "Tack för ditt köp"), ("cs", "Děkujeme za nákup"),
)


def brand(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(BRANDS)
    return rng.choice(_SYLLABLES_A) + rng.choice(_SYLLABLES_B) + rng.choice(_SUFFIXES)


def phrase(rng: random.Random, table: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    return rng.choice(table)


def ean_digits(rng: random.Random) -> str:
    """12 digits with a European GS1 prefix; the encoder adds the check digit."""
    prefix = rng.choice(("400", "401", "590", "300", "340", "800", "871", "730", "859", "840"))
    return prefix + "".join(str(rng.randint(0, 9)) for _ in range(12 - len(prefix)))
