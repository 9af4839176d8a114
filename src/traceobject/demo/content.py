"""Texts of the demo catalogue: campaigns, investigator questions, thank-you notes.

English plus real translations into de, fr, pl, es, it, nl. Django-free; the objects
themselves are in `content_objects.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "de", "fr", "pl", "es", "it", "nl")

Texts = dict[str, str]


@dataclass(frozen=True)
class DemoCampaign:
    slug: str
    names: Texts
    descriptions: Texts
    launched_on: str  # ISO date
    position: int


@dataclass(frozen=True)
class DemoObject:
    campaign: str  # slug
    category: str
    # (kind, seed) pairs drawn by traceobject.demo.images; kind "detail" is a zoomed crop
    # of the first picture (seed picks the spot).
    images: tuple[tuple[str, int], ...]
    questions: tuple[str, ...]  # keys of QUESTIONS
    title: Texts
    description: Texts
    year: int = 2025
    identified: str = ""  # country code when the object has been identified


CAMPAIGNS = (
    DemoCampaign(
        slug="demo-europe",
        names={
            "en": "Trace an Object: Europe", "de": "Trace an Object: Europa",
            "fr": "Trace an Object : Europe", "pl": "Trace an Object: Europa",
            "es": "Trace an Object: Europa", "it": "Trace an Object: Europa",
            "nl": "Trace an Object: Europa",
        },
        descriptions={
            "en": "Everyday objects from European investigations. Any detail about where they "
                  "were made or sold can help to find a child and to stop the abuse.",
            "de": "Alltagsgegenstände aus europäischen Ermittlungen. Jeder Hinweis darauf, wo "
                  "sie hergestellt oder verkauft wurden, kann helfen, ein Kind zu finden und den "
                  "Missbrauch zu beenden.",
            "fr": "Des objets du quotidien issus d'enquêtes européennes. Tout détail sur le lieu "
                  "où ils ont été fabriqués ou vendus peut aider à retrouver un enfant et à faire "
                  "cesser les abus.",
            "pl": "Przedmioty codziennego użytku z europejskich śledztw. Każda informacja o tym, "
                  "gdzie zostały wyprodukowane lub sprzedane, może pomóc odnaleźć dziecko i "
                  "powstrzymać krzywdzenie.",
            "es": "Objetos cotidianos de investigaciones europeas. Cualquier dato sobre dónde se "
                  "fabricaron o vendieron puede ayudar a encontrar a un niño y a detener el "
                  "abuso.",
            "it": "Oggetti di uso quotidiano provenienti da indagini europee. Ogni dettaglio su "
                  "dove sono stati prodotti o venduti può aiutare a trovare un bambino e a "
                  "fermare l'abuso.",
            "nl": "Alledaagse voorwerpen uit Europese onderzoeken. Elk detail over waar ze zijn "
                  "gemaakt of verkocht kan helpen een kind te vinden en het misbruik te stoppen.",
        },
        launched_on="2025-05-14",
        position=0,
    ),
    DemoCampaign(
        slug="demo-asia-pacific",
        names={
            "en": "Trace an Object: Asia-Pacific", "de": "Trace an Object: Asien-Pazifik",
            "fr": "Trace an Object : Asie-Pacifique", "pl": "Trace an Object: Azja i Pacyfik",
            "es": "Trace an Object: Asia-Pacífico", "it": "Trace an Object: Asia-Pacifico",
            "nl": "Trace an Object: Azië en de Pacific",
        },
        descriptions={
            "en": "Objects from investigations in Australia and the Asia-Pacific region. "
                  "Products like these are often sold in many countries: tips from Europe help "
                  "too.",
            "de": "Gegenstände aus Ermittlungen in Australien und im asiatisch-pazifischen Raum. "
                  "Solche Produkte werden oft in vielen Ländern verkauft: Hinweise aus Europa "
                  "helfen ebenfalls.",
            "fr": "Des objets issus d'enquêtes en Australie et dans la région Asie-Pacifique. "
                  "Ces produits sont souvent vendus dans de nombreux pays : les signalements "
                  "venus d'Europe sont aussi utiles.",
            "pl": "Przedmioty ze śledztw prowadzonych w Australii i regionie Azji i Pacyfiku. "
                  "Takie produkty często sprzedaje się w wielu krajach, dlatego pomocne są też "
                  "informacje z Europy.",
            "es": "Objetos de investigaciones en Australia y la región de Asia-Pacífico. Estos "
                  "productos suelen venderse en muchos países: las pistas desde Europa también "
                  "ayudan.",
            "it": "Oggetti provenienti da indagini in Australia e nella regione Asia-Pacifico. "
                  "Prodotti come questi sono spesso venduti in molti paesi: anche le "
                  "segnalazioni dall'Europa sono utili.",
            "nl": "Voorwerpen uit onderzoeken in Australië en de regio Azië en de Pacific. "
                  "Zulke producten worden vaak in veel landen verkocht: tips uit Europa helpen "
                  "ook.",
        },
        launched_on="2025-11-20",
        position=1,
    ),
)

QUESTIONS: dict[str, Texts] = {
    "where_bought": {
        "en": "Where can this item be bought?",
        "de": "Wo kann man diesen Gegenstand kaufen?",
        "fr": "Où peut-on acheter cet objet ?",
        "pl": "Gdzie można kupić ten przedmiot?",
        "es": "¿Dónde se puede comprar este objeto?",
        "it": "Dove si può acquistare questo oggetto?",
        "nl": "Waar kun je dit voorwerp kopen?",
    },
    "bag_bought": {
        "en": "Where can this bag be bought or where is it given out?",
        "de": "Wo kann man diese Tüte kaufen oder wo wird sie ausgegeben?",
        "fr": "Où peut-on acheter ce sac ou où est-il distribué ?",
        "pl": "Gdzie można kupić tę torbę lub gdzie się ją wydaje?",
        "es": "¿Dónde se puede comprar esta bolsa o dónde se entrega?",
        "it": "Dove si può comprare questa borsa o dove viene distribuita?",
        "nl": "Waar kun je deze tas kopen of waar wordt hij uitgedeeld?",
    },
    "logo": {
        "en": "Do you recognise the logo or the brand name?",
        "de": "Erkennen Sie das Logo oder den Markennamen?",
        "fr": "Reconnaissez-vous le logo ou le nom de la marque ?",
        "pl": "Czy rozpoznajesz logo lub nazwę marki?",
        "es": "¿Reconoce el logotipo o el nombre de la marca?",
        "it": "Riconosci il logo o il nome del marchio?",
        "nl": "Herkent u het logo of de merknaam?",
    },
    "seen": {
        "en": "Have you seen this object before? Where and when?",
        "de": "Haben Sie diesen Gegenstand schon einmal gesehen? Wo und wann?",
        "fr": "Avez-vous déjà vu cet objet ? Où et quand ?",
        "pl": "Czy widziałeś już ten przedmiot? Gdzie i kiedy?",
        "es": "¿Ha visto este objeto antes? ¿Dónde y cuándo?",
        "it": "Hai già visto questo oggetto? Dove e quando?",
        "nl": "Heeft u dit voorwerp eerder gezien? Waar en wanneer?",
    },
    "maker": {
        "en": "Do you know who made or sold this product?",
        "de": "Wissen Sie, wer dieses Produkt hergestellt oder verkauft hat?",
        "fr": "Savez-vous qui a fabriqué ou vendu ce produit ?",
        "pl": "Czy wiesz, kto wyprodukował lub sprzedawał ten produkt?",
        "es": "¿Sabe quién fabricó o vendió este producto?",
        "it": "Sai chi ha prodotto o venduto questo prodotto?",
        "nl": "Weet u wie dit product heeft gemaakt of verkocht?",
    },
    "region": {
        "en": "In which country or region is this product sold?",
        "de": "In welchem Land oder in welcher Region wird dieses Produkt verkauft?",
        "fr": "Dans quel pays ou quelle région ce produit est-il vendu ?",
        "pl": "W jakim kraju lub regionie sprzedaje się ten produkt?",
        "es": "¿En qué país o región se vende este producto?",
        "it": "In quale paese o regione viene venduto questo prodotto?",
        "nl": "In welk land of welke regio wordt dit product verkocht?",
    },
    "event": {
        "en": "Do you know where or when this event took place?",
        "de": "Wissen Sie, wo oder wann diese Veranstaltung stattfand?",
        "fr": "Savez-vous où ou quand cet événement a eu lieu ?",
        "pl": "Czy wiesz, gdzie lub kiedy odbyło się to wydarzenie?",
        "es": "¿Sabe dónde o cuándo tuvo lugar este evento?",
        "it": "Sai dove o quando si è svolto questo evento?",
        "nl": "Weet u waar of wanneer dit evenement plaatsvond?",
    },
    "text": {
        "en": "Can you read the printed text or tell which language it is in?",
        "de": "Können Sie den aufgedruckten Text lesen oder sagen, in welcher Sprache er ist?",
        "fr": "Pouvez-vous lire le texte imprimé ou dire dans quelle langue il est écrit ?",
        "pl": "Czy potrafisz odczytać nadrukowany tekst lub określić, w jakim jest języku?",
        "es": "¿Puede leer el texto impreso o decir en qué idioma está?",
        "it": "Riesci a leggere il testo stampato o a dire in che lingua è scritto?",
        "nl": "Kunt u de gedrukte tekst lezen of zeggen in welke taal die is?",
    },
    "own": {
        "en": "Do you or someone you know own the same item?",
        "de": "Besitzen Sie oder jemand, den Sie kennen, denselben Gegenstand?",
        "fr": "Vous-même ou une personne de votre entourage possédez-vous le même objet ?",
        "pl": "Czy ty lub ktoś, kogo znasz, ma taki sam przedmiot?",
        "es": "¿Usted o alguien que conoce tiene el mismo objeto?",
        "it": "Tu o qualcuno che conosci possedete lo stesso oggetto?",
        "nl": "Heeft u of iemand die u kent hetzelfde voorwerp?",
    },
    "place": {
        "en": "Is this used in a hotel, holiday home, school or shop you know?",
        "de": "Wird dies in einem Hotel, einer Ferienwohnung, einer Schule oder einem Geschäft "
              "verwendet, das Sie kennen?",
        "fr": "Est-ce utilisé dans un hôtel, un gîte, une école ou un magasin que vous "
              "connaissez ?",
        "pl": "Czy jest to używane w hotelu, domu wakacyjnym, szkole lub sklepie, który znasz?",
        "es": "¿Se usa en algún hotel, casa de vacaciones, escuela o tienda que usted conozca?",
        "it": "Viene usato in un hotel, una casa vacanze, una scuola o un negozio che conosci?",
        "nl": "Wordt dit gebruikt in een hotel, vakantiehuis, school of winkel die u kent?",
    },
    "pattern": {
        "en": "Do you recognise this pattern or design?",
        "de": "Erkennen Sie dieses Muster oder Design?",
        "fr": "Reconnaissez-vous ce motif ou ce design ?",
        "pl": "Czy rozpoznajesz ten wzór lub projekt?",
        "es": "¿Reconoce este estampado o diseño?",
        "it": "Riconosci questo motivo o questo design?",
        "nl": "Herkent u dit patroon of ontwerp?",
    },
    "period": {
        "en": "When was this product on sale?",
        "de": "Wann war dieses Produkt im Handel erhältlich?",
        "fr": "À quelle période ce produit était-il en vente ?",
        "pl": "Kiedy ten produkt był w sprzedaży?",
        "es": "¿Cuándo estuvo este producto a la venta?",
        "it": "In quale periodo era in vendita questo prodotto?",
        "nl": "Wanneer was dit product te koop?",
    },
}

THANK_YOU: Texts = {
    "en": "Thanks to tips from the public this object has been traced to its country of "
          "origin. The investigation continues there. Thank you to everyone who helped.",
    "de": "Dank Hinweisen aus der Bevölkerung konnte dieser Gegenstand seinem Herkunftsland "
          "zugeordnet werden. Die Ermittlungen werden dort fortgesetzt. Vielen Dank an alle, "
          "die geholfen haben.",
    "fr": "Grâce aux signalements du public, cet objet a pu être rattaché à son pays "
          "d'origine. L'enquête s'y poursuit. Merci à toutes les personnes qui ont aidé.",
    "pl": "Dzięki informacjom od społeczeństwa udało się ustalić kraj pochodzenia tego "
          "przedmiotu. Tam toczy się dalsze śledztwo. Dziękujemy wszystkim, którzy pomogli.",
    "es": "Gracias a las pistas del público se ha podido localizar el país de origen de este "
          "objeto. La investigación continúa allí. Gracias a todas las personas que ayudaron.",
    "it": "Grazie alle segnalazioni del pubblico è stato possibile risalire al paese di "
          "origine di questo oggetto. Le indagini proseguono lì. Grazie a tutti coloro che "
          "hanno aiutato.",
    "nl": "Dankzij tips van het publiek is het land van herkomst van dit voorwerp gevonden. "
          "Het onderzoek gaat daar verder. Dank aan iedereen die heeft geholpen.",
}


def texts(en: str, de: str, fr: str, pl: str, es: str, it: str, nl: str) -> Texts:
    """One text in every demo language, in the order of LANGUAGES."""
    return {"en": en, "de": de, "fr": fr, "pl": pl, "es": es, "it": it, "nl": nl}
