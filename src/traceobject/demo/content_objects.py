"""The objects of the demo catalogue, with texts in en, de, fr, pl, es, it, nl (Django-free)."""

from __future__ import annotations

from traceobject.demo.content import DemoObject, texts

EUROPE = "demo-europe"
ASIA_PACIFIC = "demo-asia-pacific"

OBJECTS: list[DemoObject] = []

OBJECTS += [
    DemoObject(
        campaign=EUROPE, category="clothing", year=2025, identified="PL",
        images=(("tshirt", 101), ("detail", 1)),
        questions=("logo", "where_bought", "seen"),
        title=texts(
            "T-shirt with a printed slogan",
            "T-Shirt mit aufgedrucktem Spruch",
            "T-shirt avec un slogan imprimé",
            "Koszulka z nadrukowanym hasłem",
            "Camiseta con un eslogan estampado",
            "Maglietta con uno slogan stampato",
            "T-shirt met een opgedrukte slogan",
        ),
        description=texts(
            "A short-sleeved cotton T-shirt with a printed motif and a slogan on the front. "
            "A small size label is sewn into the neck.",
            "Ein kurzärmeliges Baumwoll-T-Shirt mit einem aufgedruckten Motiv und einem Spruch "
            "auf der Vorderseite. Im Nacken ist ein kleines Größenetikett eingenäht.",
            "Un T-shirt à manches courtes en coton avec un motif imprimé et un slogan sur le "
            "devant. Une petite étiquette de taille est cousue dans l'encolure.",
            "Bawełniana koszulka z krótkim rękawem z nadrukowanym motywem i hasłem z przodu. "
            "W kołnierzyk wszyta jest mała metka z rozmiarem.",
            "Una camiseta de algodón de manga corta con un motivo estampado y un eslogan en la "
            "parte delantera. En el cuello lleva cosida una pequeña etiqueta de talla.",
            "Una maglietta di cotone a maniche corte con un motivo stampato e uno slogan sul "
            "davanti. Nel collo è cucita una piccola etichetta con la taglia.",
            "Een katoenen T-shirt met korte mouwen, met een opgedrukt motief en een slogan op "
            "de voorkant. In de hals is een klein maatlabel genaaid.",
        ),
    ),
    DemoObject(
        campaign=EUROPE, category="clothing", year=2025,
        images=(("tshirt", 102),),
        questions=("pattern", "where_bought"),
        title=texts(
            "Children's T-shirt with a motif",
            "Kinder-T-Shirt mit Motiv",
            "T-shirt pour enfant avec un motif",
            "Koszulka dziecięca z motywem",
            "Camiseta infantil con un motivo",
            "Maglietta per bambini con un motivo",
            "Kinder-T-shirt met een motief",
        ),
        description=texts(
            "A small T-shirt with a simple printed graphic and a line of text. The print "
            "looks like a shop's own design rather than a well-known brand.",
            "Ein kleines T-Shirt mit einer einfachen aufgedruckten Grafik und einer Textzeile. "
            "Der Druck wirkt eher wie eine Eigenmarke eines Geschäfts als wie eine bekannte "
            "Marke.",
            "Un petit T-shirt avec un graphisme simple imprimé et une ligne de texte. "
            "L'impression ressemble plutôt à un modèle propre à un magasin qu'à une marque "
            "connue.",
            "Mała koszulka z prostą nadrukowaną grafiką i linijką tekstu. Nadruk wygląda "
            "raczej na własny wzór sklepu niż na znaną markę.",
            "Una camiseta pequeña con un gráfico sencillo estampado y una línea de texto. El "
            "estampado parece más un diseño propio de una tienda que una marca conocida.",
            "Una maglietta piccola con una semplice grafica stampata e una riga di testo. La "
            "stampa sembra più un design proprio di un negozio che un marchio noto.",
            "Een klein T-shirt met een eenvoudige opgedrukte afbeelding en een regel tekst. "
            "De print lijkt eerder een eigen ontwerp van een winkel dan een bekend merk.",
        ),
    ),
    DemoObject(
        campaign=EUROPE, category="clothing", year=2025,
        images=(("tshirt", 103), ("detail", 3)),
        questions=("event", "logo", "own"),
        title=texts(
            "T-shirt from a club or sports event",
            "T-Shirt von einem Verein oder Sportfest",
            "T-shirt d'un club ou d'un événement sportif",
            "Koszulka z klubu lub imprezy sportowej",
            "Camiseta de un club o evento deportivo",
            "Maglietta di un club o di un evento sportivo",
            "T-shirt van een club of sportevenement",
        ),
        description=texts(
            "The print may have been made for a local club, a school team or a one-off event. "
            "Such shirts are often given to participants and volunteers.",
            "Der Druck wurde möglicherweise für einen örtlichen Verein, eine Schulmannschaft "
            "oder eine einmalige Veranstaltung angefertigt. Solche Shirts erhalten oft "
            "Teilnehmende und Helfer.",
            "L'impression a peut-être été réalisée pour un club local, une équipe scolaire ou "
            "un événement ponctuel. Ce genre de T-shirt est souvent offert aux participants et "
            "aux bénévoles.",
            "Nadruk mógł powstać dla lokalnego klubu, drużyny szkolnej lub jednorazowego "
            "wydarzenia. Takie koszulki często dostają uczestnicy i wolontariusze.",
            "El estampado pudo hacerse para un club local, un equipo escolar o un evento "
            "puntual. Estas camisetas suelen regalarse a participantes y voluntarios.",
            "La stampa potrebbe essere stata realizzata per un club locale, una squadra "
            "scolastica o un evento unico. Magliette come questa vengono spesso regalate a "
            "partecipanti e volontari.",
            "De print is mogelijk gemaakt voor een plaatselijke club, een schoolteam of een "
            "eenmalig evenement. Zulke shirts worden vaak aan deelnemers en vrijwilligers "
            "gegeven.",
        ),
    ),
    DemoObject(
        campaign=EUROPE, category="packaging", year=2025, identified="DE",
        images=(("carton", 201), ("label", 201), ("detail", 4)),
        questions=("logo", "region", "period"),
        title=texts(
            "Biscuit box",
            "Keksschachtel",
            "Boîte de biscuits",
            "Pudełko po herbatnikach",
            "Caja de galletas",
            "Scatola di biscotti",
            "Koekjesdoos",
        ),
        description=texts(
            "A cardboard box of butter biscuits with a brand band, a weight badge and a "
            "barcode. The back label lists the ingredients in several languages.",
            "Eine Kartonschachtel Butterkekse mit Markenband, Gewichtsangabe und Strichcode. "
            "Auf dem Rückenetikett stehen die Zutaten in mehreren Sprachen.",
            "Une boîte en carton de biscuits au beurre avec un bandeau de marque, une pastille "
            "de poids et un code-barres. L'étiquette arrière indique les ingrédients en "
            "plusieurs langues.",
            "Kartonowe pudełko herbatników maślanych z paskiem z nazwą marki, oznaczeniem "
            "wagi i kodem kreskowym. Na tylnej etykiecie skład podano w kilku językach.",
            "Una caja de cartón de galletas de mantequilla con una franja con la marca, una "
            "etiqueta de peso y un código de barras. La etiqueta trasera indica los "
            "ingredientes en varios idiomas.",
            "Una scatola di cartone di biscotti al burro con una fascia con il marchio, "
            "l'indicazione del peso e un codice a barre. L'etichetta sul retro elenca gli "
            "ingredienti in più lingue.",
            "Een kartonnen doos boterkoekjes met een merkband, een gewichtsaanduiding en een "
            "streepjescode. Op het etiket aan de achterkant staan de ingrediënten in "
            "meerdere talen.",
        ),
    ),
]

OBJECTS += [
    DemoObject(
        campaign=EUROPE, category="packaging", year=2025,
        images=(("label", 202), ("detail", 5)),
        questions=("text", "region", "maker"),
        title=texts(
            "Back label of a food packet",
            "Rückenetikett einer Lebensmittelverpackung",
            "Étiquette arrière d'un emballage alimentaire",
            "Tylna etykieta opakowania żywności",
            "Etiqueta trasera de un envase de alimentos",
            "Etichetta posteriore di una confezione alimentare",
            "Achteretiket van een voedselverpakking",
        ),
        description=texts(
            "A printed label with an ingredients list in several languages, a nutrition "
            "table, a lot number and an EAN barcode.",
            "Ein bedrucktes Etikett mit einer Zutatenliste in mehreren Sprachen, einer "
            "Nährwerttabelle, einer Chargennummer und einem EAN-Strichcode.",
            "Une étiquette imprimée avec une liste d'ingrédients en plusieurs langues, un "
            "tableau nutritionnel, un numéro de lot et un code-barres EAN.",
            "Nadrukowana etykieta ze składem w kilku językach, tabelą wartości odżywczych, "
            "numerem partii i kodem kreskowym EAN.",
            "Una etiqueta impresa con la lista de ingredientes en varios idiomas, una tabla "
            "nutricional, un número de lote y un código de barras EAN.",
            "Un'etichetta stampata con l'elenco degli ingredienti in più lingue, una tabella "
            "nutrizionale, un numero di lotto e un codice a barre EAN.",
            "Een bedrukt etiket met een ingrediëntenlijst in meerdere talen, een "
            "voedingstabel, een partijnummer en een EAN-streepjescode.",
        ),
    ),
    DemoObject(
        campaign=EUROPE, category="packaging", year=2025,
        images=(("shop_bag", 203),),
        questions=("bag_bought", "logo"),
        title=texts(
            "Carrier bag of a shop",
            "Tragetasche eines Geschäfts",
            "Sac d'un magasin",
            "Torba na zakupy ze sklepu",
            "Bolsa de una tienda",
            "Borsa di un negozio",
            "Draagtas van een winkel",
        ),
        description=texts(
            "A carrier bag with two handles, a logo and a printed thank-you line. The shop "
            "may be a local store or a small chain.",
            "Eine Tragetasche mit zwei Henkeln, einem Logo und einem aufgedruckten Dankesgruß. "
            "Das Geschäft könnte ein örtlicher Laden oder eine kleine Kette sein.",
            "Un sac à deux anses avec un logo et une phrase de remerciement imprimée. Le "
            "magasin peut être un commerce local ou une petite chaîne.",
            "Torba z dwoma uchwytami, logo i nadrukowanym podziękowaniem. Sklep może być "
            "lokalny albo należeć do niewielkiej sieci.",
            "Una bolsa con dos asas, un logotipo y una frase de agradecimiento impresa. La "
            "tienda puede ser un comercio local o una pequeña cadena.",
            "Una borsa con due manici, un logo e una frase di ringraziamento stampata. Il "
            "negozio potrebbe essere locale o far parte di una piccola catena.",
            "Een draagtas met twee hengsels, een logo en een opgedrukte bedankregel. De winkel "
            "kan een plaatselijke zaak of een kleine keten zijn.",
        ),
    ),
    DemoObject(
        campaign=EUROPE, category="packaging", year=2025,
        images=(("jar", 204), ("detail", 7)),
        questions=("logo", "where_bought", "region"),
        title=texts(
            "Jar of fruit preserve",
            "Glas Fruchtaufstrich",
            "Pot de confiture",
            "Słoik dżemu",
            "Tarro de mermelada",
            "Vasetto di confettura",
            "Pot jam",
        ),
        description=texts(
            "A glass jar with a screw lid and a paper label naming the fruit. The label "
            "carries a barcode and may come from a regional producer.",
            "Ein Glas mit Schraubdeckel und einem Papieretikett, auf dem die Frucht genannt "
            "wird. Das Etikett trägt einen Strichcode und stammt vielleicht von einem "
            "regionalen Hersteller.",
            "Un bocal en verre avec un couvercle à vis et une étiquette en papier indiquant le "
            "fruit. L'étiquette porte un code-barres et provient peut-être d'un producteur "
            "régional.",
            "Szklany słoik z zakrętką i papierową etykietą z nazwą owocu. Na etykiecie jest "
            "kod kreskowy; produkt może pochodzić od regionalnego producenta.",
            "Un tarro de cristal con tapa de rosca y una etiqueta de papel con el nombre de la "
            "fruta. La etiqueta lleva un código de barras y puede ser de un productor "
            "regional.",
            "Un vasetto di vetro con coperchio a vite e un'etichetta di carta con il nome del "
            "frutto. L'etichetta riporta un codice a barre e potrebbe essere di un produttore "
            "locale.",
            "Een glazen pot met schroefdeksel en een papieren etiket met de naam van de "
            "vrucht. Het etiket heeft een streepjescode en komt mogelijk van een regionale "
            "producent.",
        ),
    ),
    DemoObject(
        campaign=EUROPE, category="toys", year=2025,
        images=(("bear", 301), ("detail", 8), ("detail", 18)),
        questions=("where_bought", "own", "maker"),
        title=texts(
            "Plush teddy bear with a bow",
            "Plüschteddybär mit Schleife",
            "Ours en peluche avec un nœud",
            "Pluszowy miś z kokardką",
            "Osito de peluche con lazo",
            "Orsetto di peluche con fiocco",
            "Pluche teddybeer met strik",
        ),
        description=texts(
            "A sitting soft toy bear with button eyes, a stitched mouth and a ribbon bow. A "
            "small fabric tag with a brand name is sewn to one leg.",
            "Ein sitzender Stoffbär mit Knopfaugen, gesticktem Mund und einer Schleife. An "
            "einem Bein ist ein kleines Stoffetikett mit Markennamen angenäht.",
            "Un ours en peluche assis avec des yeux boutons, une bouche brodée et un nœud. "
            "Une petite étiquette en tissu avec un nom de marque est cousue sur une jambe.",
            "Siedzący pluszowy miś z oczami z guzików, wyszytym pyszczkiem i kokardką. Do "
            "jednej nogi przyszyta jest mała materiałowa metka z nazwą marki.",
            "Un oso de peluche sentado con ojos de botón, boca bordada y un lazo. En una pata "
            "lleva cosida una pequeña etiqueta de tela con el nombre de la marca.",
            "Un orsetto di peluche seduto con occhi a bottone, bocca ricamata e un fiocco. Su "
            "una zampa è cucita una piccola etichetta di stoffa con il nome del marchio.",
            "Een zittende knuffelbeer met knoopogen, een geborduurde mond en een strik. Aan "
            "één been is een klein stoffen label met een merknaam genaaid.",
        ),
    ),
    DemoObject(
        campaign=EUROPE, category="toys", year=2025,
        images=(("toy_car", 302),),
        questions=("maker", "where_bought"),
        title=texts(
            "Toy car with a racing number",
            "Spielzeugauto mit Startnummer",
            "Petite voiture avec un numéro de course",
            "Samochodzik z numerem startowym",
            "Coche de juguete con dorsal de carreras",
            "Macchinina con numero di gara",
            "Speelgoedauto met een racenummer",
        ),
        description=texts(
            "A toy car with a side stripe, a number in a white circle and small lettering on "
            "the door. The wheels have star-shaped hubs.",
            "Ein Spielzeugauto mit Seitenstreifen, einer Nummer in einem weißen Kreis und "
            "kleiner Beschriftung an der Tür. Die Räder haben sternförmige Naben.",
            "Une petite voiture avec une bande latérale, un numéro dans un cercle blanc et une "
            "petite inscription sur la portière. Les roues ont des moyeux en forme d'étoile.",
            "Samochodzik z paskiem na boku, numerem w białym kółku i drobnym napisem na "
            "drzwiach. Koła mają piasty w kształcie gwiazdy.",
            "Un coche de juguete con una franja lateral, un número en un círculo blanco y "
            "letras pequeñas en la puerta. Las ruedas tienen bujes en forma de estrella.",
            "Una macchinina con una striscia laterale, un numero in un cerchio bianco e una "
            "piccola scritta sulla portiera. Le ruote hanno mozzi a forma di stella.",
            "Een speelgoedauto met een streep op de zijkant, een nummer in een witte cirkel en "
            "kleine letters op het portier. De wielen hebben stervormige naven.",
        ),
    ),
]

OBJECTS += [
    DemoObject(
        campaign=EUROPE, category="toys", year=2025, identified="NL",
        images=(("blocks", 303), ("detail", 10)),
        questions=("place", "where_bought"),
        title=texts(
            "Building blocks with letters",
            "Bauklötze mit Buchstaben",
            "Cubes de construction avec des lettres",
            "Klocki z literami",
            "Bloques de construcción con letras",
            "Cubi da costruzione con lettere",
            "Bouwblokken met letters",
        ),
        description=texts(
            "Painted building blocks, some with a framed capital letter, some with round "
            "studs. Sets like this are common in nurseries and playrooms.",
            "Bemalte Bauklötze, manche mit einem umrahmten Großbuchstaben, manche mit runden "
            "Noppen. Solche Sets sind in Kitas und Spielzimmern verbreitet.",
            "Des cubes de construction peints, certains avec une lettre majuscule encadrée, "
            "d'autres avec des plots ronds. Ce type de jeu est courant dans les crèches et les "
            "salles de jeux.",
            "Malowane klocki, niektóre z literą w ramce, inne z okrągłymi wypustkami. Takie "
            "zestawy są popularne w żłobkach i pokojach zabaw.",
            "Bloques de construcción pintados, unos con una letra mayúscula enmarcada y otros "
            "con tacos redondos. Estos juegos son habituales en guarderías y salas de juego.",
            "Cubi da costruzione dipinti, alcuni con una lettera maiuscola incorniciata, altri "
            "con bottoncini rotondi. Set come questo sono comuni negli asili nido e nelle "
            "ludoteche.",
            "Geschilderde bouwblokken, sommige met een omkaderde hoofdletter, andere met ronde "
            "noppen. Zulke sets zijn gebruikelijk in kinderdagverblijven en speelkamers.",
        ),
    ),
    DemoObject(
        campaign=EUROPE, category="textiles", year=2025,
        images=(("towel", 401), ("detail", 11)),
        questions=("place", "pattern", "where_bought"),
        title=texts(
            "Bath towel with a woven border",
            "Badetuch mit gewebter Bordüre",
            "Serviette de bain avec une bordure tissée",
            "Ręcznik kąpielowy z tkaną bordiurą",
            "Toalla de baño con cenefa tejida",
            "Telo da bagno con bordo tessuto",
            "Badhanddoek met een geweven rand",
        ),
        description=texts(
            "A folded towel with an all-over pattern and a woven border band. The care label "
            "gives the material and washing temperature.",
            "Ein gefaltetes Handtuch mit durchgehendem Muster und einer gewebten Bordüre. Das "
            "Pflegeetikett nennt Material und Waschtemperatur.",
            "Une serviette pliée avec un motif sur toute la surface et une bordure tissée. "
            "L'étiquette d'entretien indique la matière et la température de lavage.",
            "Złożony ręcznik z wzorem na całej powierzchni i tkaną bordiurą. Metka podaje "
            "materiał i temperaturę prania.",
            "Una toalla doblada con un estampado en toda la superficie y una cenefa tejida. La "
            "etiqueta de cuidado indica el material y la temperatura de lavado.",
            "Un asciugamano piegato con un motivo su tutta la superficie e un bordo tessuto. "
            "L'etichetta di manutenzione indica il materiale e la temperatura di lavaggio.",
            "Een opgevouwen handdoek met een doorlopend patroon en een geweven rand. Het "
            "wasetiket vermeldt het materiaal en de wastemperatuur.",
        ),
    ),
    DemoObject(
        campaign=EUROPE, category="textiles", year=2025,
        images=(("bedding", 402),),
        questions=("pattern", "place", "where_bought"),
        title=texts(
            "Duvet cover and pillow",
            "Bettbezug und Kopfkissen",
            "Housse de couette et oreiller",
            "Poszwa na kołdrę i poduszka",
            "Funda nórdica y almohada",
            "Copripiumino e cuscino",
            "Dekbedovertrek en kussen",
        ),
        description=texts(
            "Bedding with a repeating printed pattern, seen from above with a plain pillow. "
            "The same set may be used in a hotel or a holiday rental.",
            "Bettwäsche mit einem sich wiederholenden Druckmuster, von oben gesehen, mit "
            "einem einfarbigen Kissen. Dasselbe Set wird vielleicht in einem Hotel oder einer "
            "Ferienwohnung verwendet.",
            "Du linge de lit avec un motif imprimé répétitif, vu d'en haut, avec un oreiller "
            "uni. Le même ensemble est peut-être utilisé dans un hôtel ou une location de "
            "vacances.",
            "Pościel z powtarzającym się nadrukowanym wzorem, widziana z góry, z gładką "
            "poduszką. Ten sam komplet może być używany w hotelu lub kwaterze wakacyjnej.",
            "Ropa de cama con un estampado repetido, vista desde arriba, con una almohada "
            "lisa. El mismo juego podría usarse en un hotel o un alquiler vacacional.",
            "Biancheria da letto con un motivo stampato ripetuto, vista dall'alto, con un "
            "cuscino in tinta unita. Lo stesso set potrebbe essere usato in un hotel o in una "
            "casa vacanze.",
            "Beddengoed met een herhalend printpatroon, van bovenaf gezien, met een effen "
            "kussen. Dezelfde set wordt misschien gebruikt in een hotel of vakantiewoning.",
        ),
    ),
    DemoObject(
        campaign=EUROPE, category="textiles", year=2025,
        images=(("curtain", 403), ("detail", 13)),
        questions=("pattern", "place"),
        title=texts(
            "Patterned curtain on a rail",
            "Gemusterter Vorhang an einer Schiene",
            "Rideau à motifs sur une tringle",
            "Wzorzysta zasłona na karniszu",
            "Cortina estampada en una barra",
            "Tenda fantasia su un binario",
            "Gordijn met patroon aan een rail",
        ),
        description=texts(
            "A pleated curtain with a woven or printed pattern, hanging from rings on a "
            "rail. The pattern is visible in several images of the same room.",
            "Ein Faltenvorhang mit gewebtem oder gedrucktem Muster, der an Ringen von einer "
            "Schiene hängt. Das Muster ist auf mehreren Bildern desselben Raums zu sehen.",
            "Un rideau plissé à motif tissé ou imprimé, suspendu par des anneaux à une "
            "tringle. Le motif est visible sur plusieurs images de la même pièce.",
            "Marszczona zasłona z tkanym lub drukowanym wzorem, zawieszona na kółkach na "
            "karniszu. Wzór widać na kilku zdjęciach tego samego pomieszczenia.",
            "Una cortina plisada con un estampado tejido o impreso, colgada con anillas de "
            "una barra. El estampado se ve en varias imágenes de la misma habitación.",
            "Una tenda plissettata con un motivo tessuto o stampato, appesa con anelli a un "
            "binario. Il motivo è visibile in diverse immagini della stessa stanza.",
            "Een geplooid gordijn met een geweven of bedrukt patroon, met ringen aan een rail "
            "gehangen. Het patroon is te zien op meerdere beelden van dezelfde kamer.",
        ),
    ),
]

OBJECTS += [
    DemoObject(
        campaign=EUROPE, category="printed", year=2025,
        images=(("flyer", 501), ("detail", 14)),
        questions=("event", "text", "seen"),
        title=texts(
            "Flyer for a local festival",
            "Flyer für ein örtliches Fest",
            "Prospectus d'une fête locale",
            "Ulotka lokalnego festynu",
            "Folleto de una fiesta local",
            "Volantino di una festa locale",
            "Flyer van een lokaal feest",
        ),
        description=texts(
            "A printed flyer with a headline, a date and time, an address and the name of "
            "the organiser. Flyers like this are handed out or pinned up in the neighbourhood.",
            "Ein gedruckter Flyer mit Überschrift, Datum und Uhrzeit, einer Adresse und dem "
            "Namen des Veranstalters. Solche Flyer werden in der Nachbarschaft verteilt oder "
            "aufgehängt.",
            "Un prospectus imprimé avec un titre, une date et une heure, une adresse et le nom "
            "de l'organisateur. Ce genre de prospectus est distribué ou affiché dans le "
            "quartier.",
            "Drukowana ulotka z tytułem, datą i godziną, adresem oraz nazwą organizatora. "
            "Takie ulotki rozdaje się lub wywiesza w okolicy.",
            "Un folleto impreso con un titular, una fecha y hora, una dirección y el nombre "
            "del organizador. Estos folletos se reparten o se cuelgan en el barrio.",
            "Un volantino stampato con un titolo, data e ora, un indirizzo e il nome "
            "dell'organizzatore. Volantini come questo vengono distribuiti o affissi nel "
            "quartiere.",
            "Een gedrukte flyer met een kop, datum en tijd, een adres en de naam van de "
            "organisator. Zulke flyers worden in de buurt uitgedeeld of opgehangen.",
        ),
    ),
    DemoObject(
        campaign=EUROPE, category="printed", year=2025,
        images=(("sticker", 502),),
        questions=("where_bought", "text"),
        title=texts(
            "Sheet of stickers",
            "Stickerbogen",
            "Planche d'autocollants",
            "Arkusz naklejek",
            "Hoja de pegatinas",
            "Foglio di adesivi",
            "Vel met stickers",
        ),
        description=texts(
            "A sheet of die-cut stickers in different shapes with short words and phrases in "
            "several languages. A brand name is printed in the corner.",
            "Ein Bogen gestanzter Sticker in verschiedenen Formen mit kurzen Wörtern und "
            "Sätzen in mehreren Sprachen. In der Ecke ist ein Markenname gedruckt.",
            "Une planche d'autocollants découpés de différentes formes, avec de courts mots et "
            "phrases en plusieurs langues. Un nom de marque est imprimé dans le coin.",
            "Arkusz wycinanych naklejek w różnych kształtach z krótkimi słowami i zwrotami w "
            "kilku językach. W rogu wydrukowana jest nazwa marki.",
            "Una hoja de pegatinas troqueladas de distintas formas con palabras y frases "
            "cortas en varios idiomas. En la esquina aparece impreso el nombre de una marca.",
            "Un foglio di adesivi fustellati di varie forme con brevi parole e frasi in più "
            "lingue. Nell'angolo è stampato il nome di un marchio.",
            "Een vel gestanste stickers in verschillende vormen met korte woorden en zinnen "
            "in meerdere talen. In de hoek staat een merknaam gedrukt.",
        ),
    ),
    DemoObject(
        campaign=EUROPE, category="printed", year=2025,
        images=(("ticket", 503), ("detail", 16)),
        questions=("text", "region", "maker"),
        title=texts(
            "Ticket with a barcode",
            "Fahrschein mit Strichcode",
            "Billet avec un code-barres",
            "Bilet z kodem kreskowym",
            "Billete con código de barras",
            "Biglietto con codice a barre",
            "Kaartje met een streepjescode",
        ),
        description=texts(
            "A printed ticket with a zone, a price, a validity date and a serial number, and a "
            "barcode on the tear-off stub.",
            "Ein gedruckter Fahrschein mit Zone, Preis, Gültigkeitsdatum und Seriennummer "
            "sowie einem Strichcode auf dem Abrissteil.",
            "Un billet imprimé avec une zone, un prix, une date de validité et un numéro de "
            "série, et un code-barres sur le talon détachable.",
            "Drukowany bilet ze strefą, ceną, datą ważności i numerem seryjnym oraz kodem "
            "kreskowym na odcinku do oderwania.",
            "Un billete impreso con zona, precio, fecha de validez y número de serie, y un "
            "código de barras en la matriz desprendible.",
            "Un biglietto stampato con zona, prezzo, data di validità e numero di serie, e un "
            "codice a barre sulla parte staccabile.",
            "Een gedrukt kaartje met een zone, een prijs, een geldigheidsdatum en een "
            "serienummer, en een streepjescode op het afscheurbare deel.",
        ),
    ),
    DemoObject(
        campaign=EUROPE, category="other", year=2025,
        images=(("mug", 601), ("detail", 17)),
        questions=("logo", "where_bought", "place"),
        title=texts(
            "Mug with a printed design",
            "Tasse mit Aufdruck",
            "Mug avec un motif imprimé",
            "Kubek z nadrukiem",
            "Taza con un diseño estampado",
            "Tazza con una stampa",
            "Mok met een opdruk",
        ),
        description=texts(
            "A ceramic mug with a printed motif and a short line of text. Mugs like this are "
            "sold as souvenirs or given away as promotional items.",
            "Eine Keramiktasse mit aufgedrucktem Motiv und einer kurzen Textzeile. Solche "
            "Tassen werden als Souvenir verkauft oder als Werbegeschenk verteilt.",
            "Un mug en céramique avec un motif imprimé et une courte ligne de texte. Ce genre "
            "de mug est vendu comme souvenir ou offert comme objet publicitaire.",
            "Ceramiczny kubek z nadrukowanym motywem i krótkim napisem. Takie kubki sprzedaje "
            "się jako pamiątki albo rozdaje jako gadżety reklamowe.",
            "Una taza de cerámica con un motivo estampado y una breve línea de texto. Estas "
            "tazas se venden como recuerdo o se regalan como artículo promocional.",
            "Una tazza di ceramica con un motivo stampato e una breve scritta. Tazze come "
            "questa vengono vendute come souvenir o regalate come gadget promozionali.",
            "Een keramische mok met een opgedrukt motief en een korte regel tekst. Zulke "
            "mokken worden als souvenir verkocht of als relatiegeschenk weggegeven.",
        ),
    ),
    DemoObject(
        campaign=EUROPE, category="other", year=2025,
        images=(("bottle", 602),),
        questions=("logo", "region"),
        title=texts(
            "Juice bottle with a paper label",
            "Saftflasche mit Papieretikett",
            "Bouteille de jus avec une étiquette en papier",
            "Butelka soku z papierową etykietą",
            "Botella de zumo con etiqueta de papel",
            "Bottiglia di succo con etichetta di carta",
            "Sapfles met een papieren etiket",
        ),
        description=texts(
            "A glass bottle with a screw cap and a paper label showing a fruit, the product "
            "name and the volume.",
            "Eine Glasflasche mit Schraubverschluss und einem Papieretikett mit einer Frucht, "
            "dem Produktnamen und der Füllmenge.",
            "Une bouteille en verre avec un bouchon à vis et une étiquette en papier montrant "
            "un fruit, le nom du produit et le volume.",
            "Szklana butelka z zakrętką i papierową etykietą z owocem, nazwą produktu i "
            "pojemnością.",
            "Una botella de cristal con tapón de rosca y una etiqueta de papel con una fruta, "
            "el nombre del producto y el volumen.",
            "Una bottiglia di vetro con tappo a vite e un'etichetta di carta con un frutto, il "
            "nome del prodotto e il volume.",
            "Een glazen fles met schroefdop en een papieren etiket met een vrucht, de "
            "productnaam en de inhoud.",
        ),
    ),
]

OBJECTS += [
    DemoObject(
        campaign=EUROPE, category="clothing", year=2026,
        images=(("tshirt", 104), ("detail", 19)),
        questions=("logo", "own"),
        title=texts(
            "T-shirt with a neck label",
            "T-Shirt mit Nackenetikett",
            "T-shirt avec une étiquette à l'encolure",
            "Koszulka z metką przy kołnierzyku",
            "Camiseta con etiqueta en el cuello",
            "Maglietta con etichetta sul collo",
            "T-shirt met een label in de hals",
        ),
        description=texts(
            "The neck label and the stitching at the hem and sleeves may point to the maker. "
            "The front print is shown in the first picture.",
            "Das Nackenetikett und die Nähte an Saum und Ärmeln könnten auf den Hersteller "
            "hinweisen. Der Aufdruck vorne ist auf dem ersten Bild zu sehen.",
            "L'étiquette de l'encolure et les coutures de l'ourlet et des manches peuvent "
            "indiquer le fabricant. L'impression du devant figure sur la première image.",
            "Metka przy kołnierzyku oraz szwy na dole i przy rękawach mogą wskazać "
            "producenta. Nadruk z przodu widać na pierwszym zdjęciu.",
            "La etiqueta del cuello y las costuras del bajo y de las mangas pueden indicar el "
            "fabricante. El estampado delantero se ve en la primera imagen.",
            "L'etichetta sul collo e le cuciture dell'orlo e delle maniche potrebbero indicare "
            "il produttore. La stampa davanti è visibile nella prima immagine.",
            "Het label in de hals en de naden aan de zoom en de mouwen kunnen naar de maker "
            "wijzen. De print op de voorkant staat op de eerste afbeelding.",
        ),
    ),
    DemoObject(
        campaign=EUROPE, category="packaging", year=2026,
        images=(("carton", 205), ("label", 205)),
        questions=("logo", "where_bought", "period"),
        title=texts(
            "Cardboard box of a snack brand",
            "Kartonverpackung einer Snackmarke",
            "Boîte en carton d'une marque de biscuits",
            "Kartonowe opakowanie marki przekąsek",
            "Caja de cartón de una marca de aperitivos",
            "Scatola di cartone di una marca di snack",
            "Kartonnen doos van een snackmerk",
        ),
        description=texts(
            "Another box with a large brand name, a product name, a small illustration and "
            "a barcode. The country of manufacture is printed near the barcode.",
            "Eine weitere Schachtel mit großem Markennamen, Produktnamen, einer kleinen "
            "Abbildung und einem Strichcode. Das Herstellungsland steht neben dem Strichcode.",
            "Une autre boîte avec un grand nom de marque, le nom du produit, une petite "
            "illustration et un code-barres. Le pays de fabrication est imprimé près du "
            "code-barres.",
            "Kolejne pudełko z dużą nazwą marki, nazwą produktu, małą ilustracją i kodem "
            "kreskowym. Kraj produkcji wydrukowano obok kodu kreskowego.",
            "Otra caja con un gran nombre de marca, el nombre del producto, una pequeña "
            "ilustración y un código de barras. El país de fabricación aparece junto al "
            "código de barras.",
            "Un'altra scatola con un grande nome del marchio, il nome del prodotto, una "
            "piccola illustrazione e un codice a barre. Il paese di produzione è stampato "
            "accanto al codice a barre.",
            "Nog een doos met een grote merknaam, een productnaam, een kleine illustratie en "
            "een streepjescode. Het land van herkomst staat naast de streepjescode.",
        ),
    ),
    DemoObject(
        campaign=ASIA_PACIFIC, category="clothing", year=2026, identified="AU",
        images=(("tshirt", 105), ("detail", 21)),
        questions=("where_bought", "logo", "seen"),
        title=texts(
            "T-shirt with a holiday print",
            "T-Shirt mit Urlaubsmotiv",
            "T-shirt avec un imprimé de vacances",
            "Koszulka z wakacyjnym nadrukiem",
            "Camiseta con un estampado vacacional",
            "Maglietta con una stampa vacanziera",
            "T-shirt met een vakantieprint",
        ),
        description=texts(
            "A T-shirt of the kind sold in seaside and tourist shops, with a bright motif and "
            "a slogan.",
            "Ein T-Shirt, wie es in Souvenirläden an der Küste und in Ferienorten verkauft "
            "wird, mit einem bunten Motiv und einem Spruch.",
            "Un T-shirt du type vendu dans les boutiques de bord de mer et les magasins "
            "touristiques, avec un motif vif et un slogan.",
            "Koszulka, jakie sprzedaje się w sklepach nad morzem i w miejscowościach "
            "turystycznych, z jaskrawym motywem i hasłem.",
            "Una camiseta de las que se venden en tiendas de playa y de recuerdos, con un "
            "motivo llamativo y un eslogan.",
            "Una maglietta del tipo venduto nei negozi al mare e nei negozi di souvenir, con "
            "un motivo vivace e uno slogan.",
            "Een T-shirt zoals die in winkels aan zee en in toeristenwinkels worden verkocht, "
            "met een felle print en een slogan.",
        ),
    ),
    DemoObject(
        campaign=ASIA_PACIFIC, category="toys", year=2026,
        images=(("bear", 304),),
        questions=("where_bought", "maker"),
        title=texts(
            "Soft toy bear with a tag",
            "Stoffbär mit Etikett",
            "Ours en peluche avec une étiquette",
            "Pluszowy miś z metką",
            "Oso de peluche con etiqueta",
            "Orsetto di peluche con etichetta",
            "Knuffelbeer met een label",
        ),
        description=texts(
            "A small plush bear with a bow at the neck and a printed tag. Similar bears are "
            "sold in toy shops, supermarkets and at fairground stalls.",
            "Ein kleiner Plüschbär mit einer Schleife am Hals und einem bedruckten Etikett. "
            "Ähnliche Bären gibt es in Spielwarenläden, Supermärkten und an Jahrmarktständen.",
            "Un petit ours en peluche avec un nœud au cou et une étiquette imprimée. Des ours "
            "semblables sont vendus dans les magasins de jouets, les supermarchés et les "
            "stands de fête foraine.",
            "Mały pluszowy miś z kokardką pod szyją i nadrukowaną metką. Podobne misie są "
            "sprzedawane w sklepach z zabawkami, supermarketach i na straganach w wesołych "
            "miasteczkach.",
            "Un pequeño oso de peluche con un lazo al cuello y una etiqueta impresa. Osos "
            "parecidos se venden en jugueterías, supermercados y puestos de feria.",
            "Un piccolo orsetto di peluche con un fiocco al collo e un'etichetta stampata. "
            "Orsetti simili si vendono nei negozi di giocattoli, nei supermercati e nelle "
            "bancarelle delle fiere.",
            "Een kleine pluche beer met een strik om de hals en een bedrukt label. "
            "Vergelijkbare beren worden verkocht in speelgoedwinkels, supermarkten en op de "
            "kermis.",
        ),
    ),
]

OBJECTS += [
    DemoObject(
        campaign=ASIA_PACIFIC, category="toys", year=2026,
        images=(("toy_car", 305), ("detail", 23)),
        questions=("maker", "own", "region"),
        title=texts(
            "Toy racing car",
            "Spielzeug-Rennwagen",
            "Voiture de course miniature",
            "Zabawkowy samochód wyścigowy",
            "Coche de carreras de juguete",
            "Auto da corsa giocattolo",
            "Speelgoedraceauto",
        ),
        description=texts(
            "A toy car with a painted number and a brand name on the side. Toys like this "
            "are often part of a series with several colours.",
            "Ein Spielzeugauto mit aufgemalter Nummer und einem Markennamen an der Seite. "
            "Solche Spielzeuge gehören oft zu einer Serie in mehreren Farben.",
            "Une petite voiture avec un numéro peint et un nom de marque sur le côté. Ce type "
            "de jouet fait souvent partie d'une série en plusieurs couleurs.",
            "Samochodzik z namalowanym numerem i nazwą marki na boku. Takie zabawki często "
            "należą do serii w kilku kolorach.",
            "Un coche de juguete con un número pintado y el nombre de una marca en el "
            "lateral. Estos juguetes suelen formar parte de una serie de varios colores.",
            "Un'automobilina con un numero dipinto e il nome di un marchio sul fianco. "
            "Giocattoli come questo fanno spesso parte di una serie in più colori.",
            "Een speelgoedauto met een geschilderd nummer en een merknaam op de zijkant. "
            "Zulk speelgoed hoort vaak bij een serie in meerdere kleuren.",
        ),
    ),
    DemoObject(
        campaign=ASIA_PACIFIC, category="textiles", year=2026,
        images=(("towel", 404),),
        questions=("pattern", "place"),
        title=texts(
            "Beach towel with a pattern",
            "Strandtuch mit Muster",
            "Serviette de plage à motifs",
            "Ręcznik plażowy we wzory",
            "Toalla de playa estampada",
            "Telo mare fantasia",
            "Strandlaken met een patroon",
        ),
        description=texts(
            "A large towel with a repeating pattern and a coloured border. The small label "
            "at the hem gives the material in one or more languages.",
            "Ein großes Handtuch mit sich wiederholendem Muster und farbiger Bordüre. Das "
            "kleine Etikett am Saum nennt das Material in einer oder mehreren Sprachen.",
            "Une grande serviette avec un motif répétitif et une bordure colorée. La petite "
            "étiquette de l'ourlet indique la matière dans une ou plusieurs langues.",
            "Duży ręcznik z powtarzającym się wzorem i kolorową bordiurą. Mała metka przy "
            "brzegu podaje materiał w jednym lub kilku językach.",
            "Una toalla grande con un estampado repetido y una cenefa de color. La pequeña "
            "etiqueta del dobladillo indica el material en uno o varios idiomas.",
            "Un grande asciugamano con un motivo ripetuto e un bordo colorato. La piccola "
            "etichetta sull'orlo indica il materiale in una o più lingue.",
            "Een grote handdoek met een herhalend patroon en een gekleurde rand. Het kleine "
            "label aan de zoom vermeldt het materiaal in een of meer talen.",
        ),
    ),
    DemoObject(
        campaign=ASIA_PACIFIC, category="printed", year=2026,
        images=(("flyer", 505),),
        questions=("event", "seen"),
        title=texts(
            "Event flyer",
            "Veranstaltungsflyer",
            "Prospectus d'un événement",
            "Ulotka wydarzenia",
            "Folleto de un evento",
            "Volantino di un evento",
            "Flyer van een evenement",
        ),
        description=texts(
            "A flyer announcing a community event with music and food. It was found with "
            "other material from the same investigation.",
            "Ein Flyer, der eine Gemeinschaftsveranstaltung mit Musik und Essen ankündigt. Er "
            "wurde zusammen mit anderem Material aus derselben Ermittlung gefunden.",
            "Un prospectus annonçant une fête de quartier avec musique et restauration. Il a "
            "été trouvé avec d'autres éléments de la même enquête.",
            "Ulotka zapowiadająca lokalne wydarzenie z muzyką i jedzeniem. Znaleziono ją "
            "razem z innymi materiałami z tego samego śledztwa.",
            "Un folleto que anuncia un evento vecinal con música y comida. Se encontró junto "
            "con otro material de la misma investigación.",
            "Un volantino che annuncia un evento di quartiere con musica e cibo. È stato "
            "trovato insieme ad altro materiale della stessa indagine.",
            "Een flyer die een buurtevenement met muziek en eten aankondigt. Hij is gevonden "
            "samen met ander materiaal uit hetzelfde onderzoek.",
        ),
    ),
    DemoObject(
        campaign=ASIA_PACIFIC, category="other", year=2026,
        images=(("mug", 603),),
        questions=("logo", "where_bought"),
        title=texts(
            "Souvenir mug",
            "Souvenirtasse",
            "Mug souvenir",
            "Kubek pamiątkowy",
            "Taza de recuerdo",
            "Tazza souvenir",
            "Souvenirmok",
        ),
        description=texts(
            "A mug with a printed motif and a short text, possibly from a café, a shop or a "
            "tourist attraction.",
            "Eine Tasse mit aufgedrucktem Motiv und kurzem Text, vielleicht aus einem Café, "
            "einem Geschäft oder von einer Sehenswürdigkeit.",
            "Un mug avec un motif imprimé et un court texte, provenant peut-être d'un café, "
            "d'un magasin ou d'un site touristique.",
            "Kubek z nadrukowanym motywem i krótkim tekstem, być może z kawiarni, sklepu lub "
            "atrakcji turystycznej.",
            "Una taza con un motivo estampado y un texto breve, quizá de una cafetería, una "
            "tienda o una atracción turística.",
            "Una tazza con un motivo stampato e un breve testo, forse di un bar, di un "
            "negozio o di un'attrazione turistica.",
            "Een mok met een opgedrukt motief en een korte tekst, mogelijk van een café, een "
            "winkel of een toeristische attractie.",
        ),
    ),
    DemoObject(
        campaign=ASIA_PACIFIC, category="packaging", year=2026,
        images=(("shop_bag", 206), ("detail", 27)),
        questions=("bag_bought", "logo", "region"),
        title=texts(
            "Paper carrier bag with a logo",
            "Papiertragetasche mit Logo",
            "Sac en papier avec un logo",
            "Papierowa torba z logo",
            "Bolsa de papel con logotipo",
            "Borsa di carta con logo",
            "Papieren draagtas met een logo",
        ),
        description=texts(
            "A carrier bag with handles, a logo, a brand name and a printed thank-you line in "
            "a European language.",
            "Eine Tragetasche mit Henkeln, Logo, Markennamen und einem aufgedruckten "
            "Dankesgruß in einer europäischen Sprache.",
            "Un sac avec des anses, un logo, un nom de marque et une phrase de remerciement "
            "imprimée dans une langue européenne.",
            "Torba z uchwytami, logo, nazwą marki i nadrukowanym podziękowaniem w jednym z "
            "języków europejskich.",
            "Una bolsa con asas, un logotipo, un nombre de marca y una frase de "
            "agradecimiento impresa en un idioma europeo.",
            "Una borsa con manici, un logo, il nome di un marchio e una frase di "
            "ringraziamento stampata in una lingua europea.",
            "Een draagtas met hengsels, een logo, een merknaam en een opgedrukte bedankregel "
            "in een Europese taal.",
        ),
    ),
    DemoObject(
        campaign=ASIA_PACIFIC, category="other", year=2026,
        images=(("bottle", 606), ("detail", 28)),
        questions=("logo", "region", "period"),
        title=texts(
            "Drinks bottle",
            "Getränkeflasche",
            "Bouteille de boisson",
            "Butelka po napoju",
            "Botella de bebida",
            "Bottiglia di bevanda",
            "Drankfles",
        ),
        description=texts(
            "A glass bottle with a coloured cap and a label in a European language, seen "
            "in images from outside Europe.",
            "Eine Glasflasche mit farbigem Verschluss und einem Etikett in einer europäischen "
            "Sprache, zu sehen auf Bildern von außerhalb Europas.",
            "Une bouteille en verre avec un bouchon de couleur et une étiquette dans une "
            "langue européenne, visible sur des images prises hors d'Europe.",
            "Szklana butelka z kolorową zakrętką i etykietą w jednym z języków europejskich, "
            "widoczna na zdjęciach spoza Europy.",
            "Una botella de cristal con tapón de color y una etiqueta en un idioma europeo, "
            "vista en imágenes de fuera de Europa.",
            "Una bottiglia di vetro con tappo colorato e un'etichetta in una lingua europea, "
            "vista in immagini provenienti da fuori Europa.",
            "Een glazen fles met een gekleurde dop en een etiket in een Europese taal, te "
            "zien op beelden van buiten Europa.",
        ),
    ),
]
