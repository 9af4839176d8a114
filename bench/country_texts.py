"""What the labels of the country evaluation set say, country by country (test data only).

Each :class:`CountryText` holds what real tags, receipts, shelf labels, shop bags and
packaging labels of that country carry: words in its language, prices in its currency's
usual format, phone numbers in its national and international forms, a web address, a
street address with its postcode. Shop names and addresses are made up (the street and
city names are real ones, as on any label); nothing here was chosen for what an OCR
engine happens to read. Used by :mod:`bench.country_eval`.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Writing systems reported separately, in report order.
SCRIPTS: tuple[str, ...] = (
    "Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Thai", "Devanagari", "Hangul",
    "Japanese", "Han-Simplified", "Han-Traditional",
)


@dataclass(frozen=True)
class Money:
    """A price format: ``template`` has ``{}`` for the number."""

    template: str
    decimal: str = ","
    thousands: str = "."
    decimals: int = 2
    low: float = 1.0  # amounts drawn between low and high
    high: float = 100.0

    def format(self, amount: float) -> str:
        whole = int(amount)
        digits = f"{whole:,}".replace(",", self.thousands)
        if self.decimals:
            cents = int(round((amount - whole) * 10 ** self.decimals)) % 10 ** self.decimals
            digits += self.decimal + f"{cents:0{self.decimals}d}"
        return self.template.format(digits)


@dataclass(frozen=True)
class CountryText:
    code: str
    script: str
    shops: tuple[str, ...]
    items: tuple[str, ...]  # product names (receipts, shelf labels, packaging)
    total: str  # "TOTAL", "Итого"
    price: str  # "Cena", "Fiyat" (shelf label, tag)
    thanks: str  # end of a receipt
    receipt: str  # receipt header: "PARAGON FISKALNY"
    composition: str  # textile tag
    care: str  # washing instruction
    ingredients: str  # packaging
    net: str  # "Masa netto: {} g"
    made_local: str  # "Wyprodukowano w Polsce"
    made_en: str  # "Made in Poland"
    address: tuple[str, ...]  # street line(s), postcode and city
    phones: tuple[str, ...]  # patterns, "#" = a random digit
    domains: tuple[str, ...]
    money: tuple[Money, ...]
    gs1: str  # a GS1 prefix of the country (packaging barcodes)
    rtl: bool = False


def _m(template: str, dec: str = ",", thou: str = ".", n: int = 2, low: float = 1.0,
       high: float = 100.0) -> Money:
    return Money(template, dec, thou, n, low, high)


COUNTRIES: tuple[CountryText, ...] = (
    # ------------------------------------------------------------------ Latin
    CountryText(
        "VN", "Latin",
        ("Cửa hàng Hoa Mai", "Siêu thị Phú Lộc", "Thời trang Minh Anh"),
        ("Cà phê sữa đá", "Bánh mì thịt", "Nước mắm Phú Quốc", "Áo thun cotton", "Gạo thơm ST25",
         "Trà xanh không độ"),
        "TỔNG CỘNG", "Giá", "Cảm ơn quý khách, hẹn gặp lại!", "HÓA ĐƠN BÁN LẺ",
        "Thành phần: 100% cotton", "Giặt tay ở nhiệt độ thường, không tẩy",
        "Thành phần: gạo, muối, đường, dầu thực vật", "Khối lượng tịnh: {} g",
        "Sản xuất tại Việt Nam", "Made in Vietnam",
        ("123 Nguyễn Huệ, Phường Bến Nghé, Quận 1", "TP. Hồ Chí Minh"),
        ("028 3823 ####", "+84 28 3823 ####", "Hotline: 1900 ####"),
        ("www.hoamai.vn", "phuloc.com.vn"),
        (_m("{} ₫", thou=".", n=0, low=10000, high=900000), _m("{}đ", thou=".", n=0, low=10000,
                                                               high=500000),
         _m("{} VNĐ", thou=",", n=0, low=10000, high=900000)),
        "893",
    ),
    CountryText(
        "TR", "Latin",
        ("Yıldız Market", "Kardeşler Giyim", "Çınar Eczanesi"),
        ("Ayran 1 lt", "Beyaz peynir", "Simit", "Pamuklu tişört", "Türk kahvesi 100 g",
         "Zeytinyağı 1 lt"),
        "TOPLAM", "Fiyat", "Bizi tercih ettiğiniz için teşekkür ederiz", "FİŞ NO: 0042",
        "%100 pamuk", "30 derecede yıkayınız, ağartıcı kullanmayınız",
        "İçindekiler: buğday unu, şeker, bitkisel yağ, tuz", "Net ağırlık: {} g",
        "Türkiye'de üretilmiştir", "Made in Turkey",
        ("Bağdat Cad. No: 145", "34728 Kadıköy/İstanbul"),
        ("0216 ### ## ##", "+90 216 ### ## ##", "Tel: 0212 ### ## ##"),
        ("www.yildizmarket.com.tr", "kardeslergiyim.com.tr"),
        (_m("{} TL", low=5, high=900), _m("₺{}", low=5, high=900)),
        "869",
    ),
    CountryText(
        "RO", "Latin",
        ("Magazin Ana", "Brutăria Dulce", "Farmacia Sănătatea"),
        ("Pâine albă", "Lapte 1,5% 1L", "Cașcaval", "Tricou bumbac", "Cafea măcinată",
         "Apă minerală 2L"),
        "TOTAL", "Preț", "Vă mulțumim și vă mai așteptăm!", "BON FISCAL",
        "Compoziție: 100% bumbac", "Spălare la 30°C, nu se albește",
        "Ingrediente: făină de grâu, zahăr, ulei de floarea-soarelui", "Cantitate netă: {} g",
        "Fabricat în România", "Made in Romania",
        ("Str. Lipscani nr. 12", "030031 București"),
        ("021 ### ####", "+40 21 ### ####", "Tel. 07## ### ###"),
        ("www.magazinana.ro", "brutariadulce.ro"),
        (_m("{} LEI", low=2, high=300), _m("{} lei", low=2, high=300),
         _m("TOTAL {} LEI", low=10, high=500)),
        "594",
    ),
    CountryText(
        "PL", "Latin",
        ("Sklep Marta", "Piekarnia Złoty Kłos", "Odzież Bałtyk"),
        ("Chleb żytni", "Masło extra 200 g", "Kiełbasa śląska", "Koszulka bawełniana",
         "Woda mineralna 1,5 l", "Jabłka luz"),
        "SUMA PLN", "Cena", "Dziękujemy za zakupy!", "PARAGON FISKALNY",
        "Skład: 100% bawełna", "Prać w 30°C, nie wybielać",
        "Składniki: mąka pszenna, cukier, olej rzepakowy, sól", "Masa netto: {} g",
        "Wyprodukowano w Polsce", "Made in Poland",
        ("ul. Długa 15", "80-831 Gdańsk"),
        ("+48 58 ### ## ##", "tel. 58 ### ## ##", "+48 ### ### ###"),
        ("www.sklepmarta.pl", "zlotyklos.com.pl"),
        (_m("{} zł", thou=" ", low=2, high=400), _m("{} PLN", thou=" ", low=2, high=400)),
        "590",
    ),
    CountryText(
        "DE", "Latin",
        ("Bäckerei Sonnenschein", "Modehaus Krüger", "Drogerie am Markt"),
        ("Vollkornbrot", "Frische Vollmilch 1 l", "Apfelschorle", "Herren T-Shirt",
         "Kaffee gemahlen 500 g", "Bio Äpfel"),
        "SUMME EUR", "Preis", "Vielen Dank für Ihren Einkauf!", "Kassenbon",
        "Material: 100% Baumwolle", "Waschen bei 30°C, nicht bleichen",
        "Zutaten: Weizenmehl, Zucker, Rapsöl, Salz", "Nettogewicht: {} g",
        "Hergestellt in Deutschland", "Made in Germany",
        ("Hauptstraße 12", "10827 Berlin"),
        ("030 #######", "+49 30 #######", "Tel.: 089 ########"),
        ("www.modehaus-krueger.de", "baeckerei-sonnenschein.de"),
        (_m("{} €", low=1, high=200), _m("EUR {}", low=1, high=200)),
        "400",
    ),
    CountryText(
        "FR", "Latin",
        ("Boulangerie du Marché", "Maison Lefèvre", "Épicerie Saint-Jean"),
        ("Baguette tradition", "Fromage de chèvre", "Jus d'orange 1 L", "T-shirt homme",
         "Café moulu 250 g", "Pommes golden"),
        "TOTAL TTC", "Prix", "Merci de votre visite, à bientôt !", "TICKET DE CAISSE",
        "Composition : 100 % coton", "Lavage à 30 °C, ne pas blanchir",
        "Ingrédients : farine de blé, sucre, huile de tournesol, sel", "Poids net : {} g",
        "Fabriqué en France", "Made in France",
        ("12 rue de la République", "69002 Lyon"),
        ("04 ## ## ## ##", "+33 4 ## ## ## ##", "Tél. 01 ## ## ## ##"),
        ("www.maison-lefevre.fr", "epiceriesaintjean.fr"),
        (_m("{} €", thou=" ", low=1, high=200), _m("{} EUR", thou=" ", low=1, high=200)),
        "300",
    ),
    CountryText(
        "MX", "Latin",
        ("Abarrotes Don Chuy", "Tienda La Esperanza", "Farmacia del Ahorro Centro"),
        ("Tortillas de maíz 1 kg", "Frijoles negros", "Refresco 600 ml", "Playera algodón",
         "Café de Chiapas 400 g", "Chile jalapeño"),
        "TOTAL", "Precio", "¡Gracias por su compra!", "TICKET DE VENTA",
        "Composición: 100% algodón", "Lavar a mano con agua fría",
        "Ingredientes: harina de trigo, azúcar, aceite vegetal, sal", "Contenido neto: {} g",
        "Hecho en México", "Made in Mexico",
        ("Av. Insurgentes Sur 1235, Col. del Valle", "03100 Ciudad de México, CDMX"),
        ("55 #### ####", "+52 55 #### ####", "Tel. (33) #### ####"),
        ("www.tiendalaesperanza.com.mx", "donchuy.mx"),
        (_m("${}", dec=".", thou=",", low=5, high=2000), _m("$ {} MXN", dec=".", thou=",",
                                                            low=5, high=2000)),
        "750",
    ),
    CountryText(
        "BR", "Latin",
        ("Padaria Pão Dourado", "Loja Estrela", "Mercadinho São Jorge"),
        ("Pão francês", "Café torrado e moído 500 g", "Guaraná 2 L", "Camiseta de algodão",
         "Feijão carioca 1 kg", "Açaí 500 ml"),
        "TOTAL R$", "Preço", "Obrigado pela preferência, volte sempre!", "CUPOM FISCAL",
        "Composição: 100% algodão", "Lavar à mão, não usar alvejante",
        "Ingredientes: farinha de trigo, açúcar, gordura vegetal, sal", "Peso líquido: {} g",
        "Fabricado no Brasil", "Made in Brazil",
        ("Rua Augusta, 1508", "01304-001 São Paulo - SP"),
        ("(11) ####-####", "+55 11 ####-####", "Tel: (21) 9####-####"),
        ("www.lojaestrela.com.br", "paodourado.com.br"),
        (_m("R$ {}", low=2, high=500),),
        "789",
    ),
    CountryText(
        "GB", "Latin",
        ("The Corner Shop", "Harrington & Sons", "Whitfield Bakery"),
        ("Semi-skimmed milk 2 pints", "Cheddar cheese 400g", "Crumpets x6", "Men's polo shirt",
         "Tea bags 80", "Free range eggs x6"),
        "TOTAL", "Price", "Thank you for shopping with us", "VAT RECEIPT",
        "100% cotton", "Machine wash 30°C, do not bleach",
        "Ingredients: wheat flour, sugar, palm oil, salt", "Net weight: {}g",
        "Made in the United Kingdom", "Made in the UK",
        ("14 High Street", "Manchester M4 1HQ"),
        ("0161 ### ####", "+44 161 ### ####", "Tel: 020 #### ####"),
        ("www.harringtonandsons.co.uk", "whitfieldbakery.co.uk"),
        (_m("£{}", dec=".", thou=",", low=1, high=150), _m("{}p", n=0, low=20, high=99)),
        "50",
    ),
    CountryText(
        "US", "Latin",
        ("Maple Street Market", "Bright Threads Co.", "Sunrise Pharmacy"),
        ("Whole milk 1 gal", "Peanut butter 16 oz", "Bagels 6 ct", "Men's crew tee",
         "Ground coffee 12 oz", "Bananas lb"),
        "TOTAL", "Price", "Thank you! Please come again", "SALES RECEIPT",
        "100% cotton", "Machine wash cold, tumble dry low",
        "Ingredients: enriched flour, sugar, soybean oil, salt", "Net wt {} oz",
        "Made in USA", "Made in USA",
        ("245 Main Street", "Springfield, IL 62701"),
        ("(217) ###-####", "+1 217-###-####", "Call 1-800-###-####"),
        ("www.maplestreetmarket.com", "brightthreads.us"),
        (_m("${}", dec=".", thou=",", low=1, high=150), _m("USD {}", dec=".", thou=",", low=1,
                                                           high=150)),
        "03",
    ),
    CountryText(
        "AU", "Latin",
        ("Bondi Fresh Grocer", "Wattle & Co.", "Southern Cross Outfitters"),
        ("Full cream milk 2L", "Vegemite 220g", "Lamington x4", "Cotton singlet",
         "Flat white", "Tim Tam original"),
        "TOTAL AUD", "Price", "Thanks for shopping with us, mate!", "TAX INVOICE",
        "100% cotton", "Cold gentle machine wash",
        "Ingredients: wheat flour, sugar, vegetable oil, salt", "Net weight: {}g",
        "Made in Australia", "Made in Australia",
        ("88 George Street", "Sydney NSW 2000"),
        ("(02) #### ####", "+61 2 #### ####", "Ph: 04## ### ###"),
        ("www.bondifresh.com.au", "wattleandco.com.au"),
        (_m("${}", dec=".", thou=",", low=1, high=150), _m("AUD {}", dec=".", thou=",", low=1,
                                                           high=150)),
        "93",
    ),
    CountryText(
        "ID", "Latin",
        ("Toko Sumber Rejeki", "Warung Bu Sri", "Butik Melati"),
        ("Beras premium 5 kg", "Kopi bubuk 200 g", "Minyak goreng 2 L", "Kaos katun",
         "Teh manis botol", "Kecap manis 600 ml"),
        "TOTAL", "Harga", "Terima kasih atas kunjungan Anda", "STRUK BELANJA",
        "Bahan: 100% katun", "Cuci dengan tangan, jangan diputihkan",
        "Komposisi: tepung terigu, gula, minyak nabati, garam", "Berat bersih: {} g",
        "Diproduksi di Indonesia", "Made in Indonesia",
        ("Jl. Jenderal Sudirman No. 25", "Jakarta Pusat 10220"),
        ("(021) ###-####", "+62 21 ###-####", "WA: 0812-####-####"),
        ("www.sumberrejeki.co.id", "butikmelati.id"),
        (_m("Rp {}", thou=".", n=0, low=2000, high=900000), _m("Rp{}", thou=".", n=0, low=2000,
                                                               high=900000)),
        "899",
    ),
    # ------------------------------------------------------------------ Cyrillic
    CountryText(
        "BG", "Cyrillic",
        ("Магазин Роза", "Пекарна Златен клас", "Аптека Здраве"),
        ("Хляб Добруджа", "Кисело мляко 400 г", "Сирене саламурено", "Тениска памук",
         "Кафе мляно 200 г", "Минерална вода 1,5 л"),
        "ОБЩА СУМА", "Цена", "Благодарим Ви за покупката!", "КАСОВ БОН",
        "Състав: 100% памук", "Пране на 30°C, да не се избелва",
        "Съставки: пшенично брашно, захар, слънчогледово олио, сол", "Нетно тегло: {} г",
        "Произведено в България", "Made in Bulgaria",
        ("ул. „Витоша“ 45", "1000 София"),
        ("02 ### ####", "+359 2 ### ####", "тел. 088 ### ####"),
        ("www.magazinroza.bg", "zlatenklas.bg"),
        (_m("{} лв.", low=1, high=200), _m("Цена: {} лв.", low=1, high=200)),
        "380",
    ),
    CountryText(
        "RU", "Cyrillic",
        ("Магазин Берёзка", "Пекарня Колосок", "Одежда Снегирь"),
        ("Хлеб Бородинский", "Молоко 3,2% 1 л", "Сметана 20%", "Футболка хлопок",
         "Чай чёрный 100 пак.", "Гречка 900 г"),
        "ИТОГО", "Цена", "Спасибо за покупку!", "КАССОВЫЙ ЧЕК",
        "Состав: 100% хлопок", "Стирка при 30°C, не отбеливать",
        "Состав: мука пшеничная, сахар, масло подсолнечное, соль", "Масса нетто: {} г",
        "Сделано в России", "Made in Russia",
        ("ул. Тверская, д. 12", "125009 Москва"),
        ("+7 495 ###-##-##", "8 (495) ###-##-##", "тел. 8 800 ###-##-##"),
        ("www.berezka-shop.ru", "kolosok.ru"),
        (_m("{} ₽", thou=" ", low=30, high=5000), _m("{} руб.", thou=" ", low=30, high=5000)),
        "460",
    ),
    CountryText(
        "UA", "Cyrillic",
        ("Крамниця Калина", "Пекарня Колосок", "Одяг Соняшник"),
        ("Хліб житній", "Молоко 2,5% 900 г", "Сало українське", "Футболка бавовна",
         "Кава мелена 250 г", "Вареники з картоплею"),
        "СУМА", "Ціна", "Дякуємо за покупку!", "ФІСКАЛЬНИЙ ЧЕК",
        "Склад: 100% бавовна", "Прання при 30°C, не відбілювати",
        "Склад: борошно пшеничне, цукор, олія соняшникова, сіль", "Маса нетто: {} г",
        "Виготовлено в Україні", "Made in Ukraine",
        ("вул. Хрещатик, 22", "01001 Київ"),
        ("+380 44 ### ## ##", "044 ### ## ##", "тел. 067 ### ## ##"),
        ("www.kalyna-shop.com.ua", "sonyashnyk.ua"),
        (_m("{} грн", thou=" ", low=10, high=2000), _m("₴{}", thou=" ", low=10, high=2000)),
        "482",
    ),
    # ------------------------------------------------------------------ Greek
    CountryText(
        "GR", "Greek",
        ("Φούρνος Η Ελιά", "Κατάστημα Ανατολή", "Φαρμακείο Παπαδόπουλος"),
        ("Ψωμί χωριάτικο", "Φέτα ΠΟΠ 400 γρ.", "Ελαιόλαδο 1 λίτρο", "Μπλουζάκι βαμβακερό",
         "Ελληνικός καφές 200 γρ.", "Γιαούρτι στραγγιστό"),
        "ΣΥΝΟΛΟ", "Τιμή", "Ευχαριστούμε για την προτίμηση!", "ΑΠΟΔΕΙΞΗ ΛΙΑΝΙΚΗΣ",
        "Σύνθεση: 100% βαμβάκι", "Πλύσιμο στους 30°C, όχι χλώριο",
        "Συστατικά: αλεύρι σίτου, ζάχαρη, ηλιέλαιο, αλάτι", "Καθαρό βάρος: {} γρ.",
        "Παράγεται στην Ελλάδα", "Made in Greece",
        ("Οδός Ερμού 25", "105 63 Αθήνα"),
        ("210 #######", "+30 210 #######", "Τηλ. 69## ######"),
        ("www.anatoli-shop.gr", "fournos-elia.gr"),
        (_m("{} €", low=1, high=200), _m("€{}", low=1, high=200)),
        "520",
    ),
    # ------------------------------------------------------------------ Arabic
    CountryText(
        "EG", "Arabic",
        ("سوبر ماركت النيل", "مخبز الأمل", "محلات الفردوس"),
        ("عيش بلدي", "جبنة بيضاء", "شاي العروسة", "قميص قطن", "فول مدمس", "أرز مصري"),
        "الإجمالي", "السعر", "شكراً لزيارتكم", "فاتورة ضريبية",
        "قطن ١٠٠٪", "يغسل بالماء البارد",
        "المكونات: دقيق قمح، سكر، زيت نباتي، ملح", "الوزن الصافي: {} جم",
        "صنع في مصر", "Made in Egypt",
        ("١٥ شارع طلعت حرب، وسط البلد", "القاهرة"),
        ("+20 2 #### ####", "02 #### ####", "01# #### ####"),
        ("www.nile-market.com.eg", "elamal.eg"),
        (_m("{} ج.م", dec=".", thou=",", low=5, high=900), _m("EGP {}", dec=".", thou=",", low=5,
                                                              high=900)),
        "622", rtl=True,
    ),
    CountryText(
        "SA", "Arabic",
        ("أسواق الريان", "مخابز الواحة", "صيدلية الشفاء"),
        ("تمر سكري", "قهوة عربية", "حليب طازج", "ثوب رجالي", "أرز بسمتي", "ماء زمزم"),
        "المجموع", "السعر", "شكراً لتسوقكم معنا", "فاتورة ضريبية مبسطة",
        "قطن ١٠٠٪", "يغسل على درجة ٣٠",
        "المكونات: دقيق، سكر، زيت نخيل، ملح", "الوزن الصافي: {} جم",
        "صنع في المملكة العربية السعودية", "Made in Saudi Arabia",
        ("طريق الملك فهد، حي العليا", "الرياض 12211"),
        ("+966 11 ### ####", "011 ### ####", "05# ### ####"),
        ("www.alrayan.com.sa", "alwaha.sa"),
        (_m("{} ر.س", dec=".", thou=",", low=2, high=900), _m("SAR {}", dec=".", thou=",",
                                                              low=2, high=900)),
        "628", rtl=True,
    ),
    CountryText(
        "AE", "Arabic",
        ("مركز اللؤلؤة التجاري", "مخبز الخليج", "عطور الإمارات"),
        ("عصير برتقال", "تمر مجدول", "عطر عود", "قميص قطن", "لبن أب", "رز بسمتي"),
        "الإجمالي", "السعر", "شكراً لزيارتكم", "فاتورة ضريبية",
        "قطن ١٠٠٪", "يغسل باليد",
        "المكونات: دقيق، سكر، زبدة، ملح", "الوزن الصافي: {} جم",
        "صنع في الإمارات العربية المتحدة", "Made in UAE",
        ("شارع الشيخ زايد", "دبي، الإمارات العربية المتحدة"),
        ("+971 4 ### ####", "04 ### ####", "05# ### ####"),
        ("www.pearlcentre.ae", "gulfbakery.ae"),
        (_m("AED {}", dec=".", thou=",", low=2, high=900), _m("{} د.إ", dec=".", thou=",", low=2,
                                                              high=900)),
        "629", rtl=True,
    ),
    # ------------------------------------------------------------------ Hebrew
    CountryText(
        "IL", "Hebrew",
        ("מכולת השכונה", "מאפיית הגליל", "אופנת כרמל"),
        ("לחם אחיד", "חלב 3% 1 ליטר", "גבינה לבנה", "חולצת כותנה", "קפה שחור", "חומוס"),
        "סה״כ לתשלום", "מחיר", "תודה ולהתראות", "חשבונית מס קבלה",
        "100% כותנה", "כביסה ב-30 מעלות",
        "רכיבים: קמח חיטה, סוכר, שמן צמחי, מלח", "משקל נטו: {} גרם",
        "תוצרת ישראל", "Made in Israel",
        ("רחוב דיזנגוף 50", "תל אביב-יפו 6433222"),
        ("03-#######", "+972 3-#######", "05#-#######"),
        ("www.makolet.co.il", "carmel-fashion.co.il"),
        (_m("₪{}", dec=".", thou=",", low=2, high=600), _m("{} ש״ח", dec=".", thou=",", low=2,
                                                           high=600)),
        "729", rtl=True,
    ),
    # ------------------------------------------------------------------ Thai
    CountryText(
        "TH", "Thai",
        ("ร้านสมใจ", "เบเกอรี่บ้านขนม", "ร้านผ้าไหมทอง"),
        ("ข้าวหอมมะลิ 5 กก.", "น้ำปลา", "กาแฟเย็น", "เสื้อยืดผ้าฝ้าย", "ชาไทย", "มะม่วงอบแห้ง"),
        "รวมทั้งสิ้น", "ราคา", "ขอบคุณที่ใช้บริการ", "ใบเสร็จรับเงิน",
        "ผ้าฝ้าย 100%", "ซักด้วยมือ ห้ามใช้น้ำยาฟอกขาว",
        "ส่วนประกอบ: แป้งสาลี น้ำตาล น้ำมันพืช เกลือ", "น้ำหนักสุทธิ {} กรัม",
        "ผลิตในประเทศไทย", "Made in Thailand",
        ("123 ถนนสุขุมวิท แขวงคลองเตย", "เขตคลองเตย กรุงเทพฯ 10110"),
        ("02-###-####", "+66 2 ### ####", "โทร. 08#-###-####"),
        ("www.somjai.co.th", "baankanom.in.th"),
        (_m("฿{}", dec=".", thou=",", n=0, low=10, high=3000),
         _m("{} บาท", dec=".", thou=",", n=0, low=10, high=3000)),
        "885",
    ),
    # ------------------------------------------------------------------ Devanagari
    CountryText(
        "IN", "Devanagari",
        ("शर्मा जनरल स्टोर", "गुप्ता मिठाई भंडार", "राधे वस्त्रालय"),
        ("बासमती चावल 5 किलो", "अरहर दाल", "सरसों का तेल", "सूती कुर्ता", "मसाला चाय",
         "गेहूं का आटा"),
        "कुल योग", "मूल्य", "खरीदारी के लिए धन्यवाद", "बिल / कैश मेमो",
        "100% सूती", "ठंडे पानी में धोएं",
        "सामग्री: गेहूं का आटा, चीनी, वनस्पति तेल, नमक", "शुद्ध वजन: {} ग्राम",
        "भारत में निर्मित", "Made in India",
        ("15, चांदनी चौक", "दिल्ली 110006"),
        ("+91 11 #### ####", "011 #### ####", "मो. 98## ######"),
        ("www.sharmastore.in", "radhevastra.co.in"),
        (_m("₹{}", dec=".", thou=",", low=10, high=5000), _m("MRP ₹{} (सभी करों सहित)", dec=".",
                                                            thou=",", n=0, low=10, high=5000)),
        "890",
    ),
    # ------------------------------------------------------------------ Hangul
    CountryText(
        "KR", "Hangul",
        ("행복마트", "서울베이커리", "한빛의류"),
        ("신라면 5개입", "김치 1kg", "우유 1L", "면 티셔츠", "햇반 210g", "보리차"),
        "합계", "가격", "이용해 주셔서 감사합니다", "영수증",
        "면 100%", "찬물에 손세탁하십시오",
        "원재료명: 밀가루, 설탕, 식물성유지, 정제소금", "내용량: {}g",
        "대한민국에서 제조", "Made in Korea",
        ("서울특별시 강남구 테헤란로 123", "우편번호 06133"),
        ("02-###-####", "+82 2-###-####", "고객센터 1588-####"),
        ("www.haengbokmart.co.kr", "hanbit.kr"),
        (_m("₩{}", thou=",", n=0, low=1000, high=90000), _m("{}원", thou=",", n=0, low=1000,
                                                           high=90000)),
        "880",
    ),
    # ------------------------------------------------------------------ Japanese
    CountryText(
        "JP", "Japanese",
        ("さくら商店", "ベーカリーこむぎ", "洋品店やまだ"),
        ("おにぎり 鮭", "緑茶 500ml", "食パン 6枚切", "綿Tシャツ", "味噌 750g", "牛乳 1000ml"),
        "合計", "価格", "ご来店ありがとうございました", "領収書",
        "綿 100%", "手洗いしてください。漂白剤は使用しないでください",
        "原材料名：小麦粉、砂糖、植物油脂、食塩", "内容量：{}g",
        "日本製", "Made in Japan",
        ("〒150-0002", "東京都渋谷区渋谷2-21-1"),
        ("03-####-####", "+81 3-####-####", "フリーダイヤル 0120-###-###"),
        ("www.sakura-shoten.co.jp", "komugi-bakery.jp"),
        (_m("¥{} (税込)", thou=",", n=0, low=100, high=9000), _m("{}円", thou=",", n=0, low=100,
                                                               high=9000)),
        "49",
    ),
    # ------------------------------------------------------------------ Han, Simplified
    CountryText(
        "CN", "Han-Simplified",
        ("华联超市", "幸福面包坊", "锦绣服装店"),
        ("东北大米 5公斤", "纯牛奶 250毫升", "绿茶 500克", "纯棉T恤", "酱油 1升", "方便面"),
        "合计", "价格", "谢谢惠顾，欢迎再次光临", "购物小票",
        "成分：100% 棉", "手洗，不可漂白",
        "配料：小麦粉、白砂糖、植物油、食用盐", "净含量：{}克",
        "中国制造", "Made in China",
        ("北京市朝阳区建国路88号", "邮编 100022"),
        ("010-########", "+86 10 ########", "客服热线 400-###-####"),
        ("www.hualian.com.cn", "xingfu.cn"),
        (_m("¥{}", dec=".", thou=",", low=1, high=900), _m("{}元", dec=".", thou=",", low=1,
                                                          high=900)),
        "690",
    ),
    # ------------------------------------------------------------------ Han, Traditional
    CountryText(
        "TW", "Han-Traditional",
        ("全家便利商店 信義店", "幸福烘焙坊", "錦繡服飾"),
        ("珍珠奶茶", "鳳梨酥 12入", "烏龍茶 600毫升", "純棉T恤", "滷肉飯", "高山茶 150克"),
        "合計", "價格", "謝謝光臨", "統一發票",
        "成分：100% 棉", "手洗，不可漂白",
        "成分：麵粉、砂糖、植物油、鹽", "淨重：{}公克",
        "台灣製造", "Made in Taiwan",
        ("台北市信義區松仁路100號", ""),
        ("(02) ####-####", "+886 2 ####-####", "客服專線 0800-###-###"),
        ("www.xingfu-bakery.com.tw", "jinxiu.tw"),
        (_m("NT${}", thou=",", n=0, low=20, high=3000), _m("{}元", thou=",", n=0, low=20,
                                                          high=3000)),
        "471",
    ),
    CountryText(
        "HK", "Han-Traditional",
        ("永安百貨", "金鳳茶餐廳", "美華士多"),
        ("菠蘿包", "港式奶茶", "雞蛋仔", "純棉恤衫", "叉燒飯", "檸檬茶"),
        "總數", "價錢", "多謝惠顧", "收據",
        "成份：100% 棉", "手洗，不可漂白",
        "成份：麵粉、砂糖、植物油、鹽", "淨重：{}克",
        "香港製造", "Made in Hong Kong",
        ("九龍旺角彌敦道688號", "香港"),
        ("+852 2### ####", "2### ####", "電話：3### ####"),
        ("www.wingon.com.hk", "meiwah.hk"),
        (_m("HK${}", dec=".", thou=",", n=1, low=5, high=900), _m("${}", dec=".", thou=",",
                                                                  low=5, high=900)),
        "489",
    ),
)

#: Texts that carry little or no evidence of a country: what an object may show and
#: nothing more ("100% cotton" is printed in every country).
WEAK_TEXTS: tuple[tuple[str, ...], ...] = (
    ("100% COTTON",),
    ("100% cotton", "M"),
    ("SIZE L",),
    ("SALE", "-30%"),
    ("NEW", "ART. 2231"),
    ("XL",),
    ("100% POLYESTER", "S"),
    ("12.99",),
    ("ECO",),
    ("NO. 5", "LOT 0419"),
)


def by_code() -> dict[str, CountryText]:
    return {c.code: c for c in COUNTRIES}


def countries_of(script: str) -> tuple[CountryText, ...]:
    return tuple(c for c in COUNTRIES if c.script == script)
