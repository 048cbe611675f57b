"""Indonesia's provinces and kabupaten/kota with their Kemendagri codes (data for nlu/regions.py).

Source and care taken: written from the Kemendagri wilayah code list as it stands after the 2022
Papua expansion (UU 14, 15, 16/2022: Papua Selatan 93, Papua Tengah 94, Papua Pegunungan 95;
UU 29/2022: Papua Barat Daya 96) — 38 provinces, 514 kabupaten/kota (416 + 98). The table was
written by hand and then compared, code by code, with a public copy of the Kepmendagri list
(Kepmendagri 100.1.1-6117/2022 and its 2025 successor 300.2.2-2138 as published in the
cahyadsn/wilayah data set); that comparison corrected four places where the BPS statistical
codes, which order some regencies differently, had crept in: Kalimantan Utara (65.01 Bulungan,
65.02 Malinau, 65.03 Nunukan, 65.04 Tana Tidung), Maluku (81.01 Maluku Tengah, 81.03 Kepulauan
Tanimbar, 81.05 Seram Bagian Timur, 81.07 Kepulauan Aru) and the five Jakarta cities. NIKs use
the Kemendagri codes, never the BPS ones.

Names are written in their usual official spelling (Pangkalpinang, Tanjungpinang, Palangka Raya,
Baubau, Fakfak, Tojo Una-Una), without the Kabupaten/Kota prefix: a code tail 71-79 is a kota,
01-69 a kabupaten. Jakarta's five cities are "Kota Administrasi" and Kepulauan Seribu a
"Kabupaten Administrasi" (no autonomous government); their codes follow the same rule.
"""
from __future__ import annotations

# "PP Province:" starts a province; the lines under it are "RR Name" items separated by commas.
TABLE = """
11 Aceh:
    01 Aceh Selatan, 02 Aceh Tenggara, 03 Aceh Timur, 04 Aceh Tengah, 05 Aceh Barat
    06 Aceh Besar, 07 Pidie, 08 Aceh Utara, 09 Simeulue, 10 Aceh Singkil, 11 Bireuen
    12 Aceh Barat Daya, 13 Gayo Lues, 14 Aceh Jaya, 15 Nagan Raya, 16 Aceh Tamiang
    17 Bener Meriah, 18 Pidie Jaya, 71 Banda Aceh, 72 Sabang, 73 Lhokseumawe, 74 Langsa
    75 Subulussalam
12 Sumatera Utara:
    01 Tapanuli Tengah, 02 Tapanuli Utara, 03 Tapanuli Selatan, 04 Nias, 05 Langkat, 06 Karo
    07 Deli Serdang, 08 Simalungun, 09 Asahan, 10 Labuhanbatu, 11 Dairi, 12 Toba
    13 Mandailing Natal, 14 Nias Selatan, 15 Pakpak Bharat, 16 Humbang Hasundutan, 17 Samosir
    18 Serdang Bedagai, 19 Batu Bara, 20 Padang Lawas Utara, 21 Padang Lawas
    22 Labuhanbatu Selatan, 23 Labuhanbatu Utara, 24 Nias Utara, 25 Nias Barat, 71 Medan
    72 Pematangsiantar, 73 Sibolga, 74 Tanjungbalai, 75 Binjai, 76 Tebing Tinggi
    77 Padangsidimpuan, 78 Gunungsitoli
13 Sumatera Barat:
    01 Pesisir Selatan, 02 Solok, 03 Sijunjung, 04 Tanah Datar, 05 Padang Pariaman, 06 Agam
    07 Lima Puluh Kota, 08 Pasaman, 09 Kepulauan Mentawai, 10 Dharmasraya, 11 Solok Selatan
    12 Pasaman Barat, 71 Padang, 72 Solok, 73 Sawahlunto, 74 Padang Panjang, 75 Bukittinggi
    76 Payakumbuh, 77 Pariaman
14 Riau:
    01 Kampar, 02 Indragiri Hulu, 03 Bengkalis, 04 Indragiri Hilir, 05 Pelalawan, 06 Rokan Hulu
    07 Rokan Hilir, 08 Siak, 09 Kuantan Singingi, 10 Kepulauan Meranti, 71 Pekanbaru, 72 Dumai
15 Jambi:
    01 Kerinci, 02 Merangin, 03 Sarolangun, 04 Batanghari, 05 Muaro Jambi
    06 Tanjung Jabung Barat, 07 Tanjung Jabung Timur, 08 Bungo, 09 Tebo, 71 Jambi
    72 Sungai Penuh
16 Sumatera Selatan:
    01 Ogan Komering Ulu, 02 Ogan Komering Ilir, 03 Muara Enim, 04 Lahat, 05 Musi Rawas
    06 Musi Banyuasin, 07 Banyuasin, 08 Ogan Komering Ulu Timur, 09 Ogan Komering Ulu Selatan
    10 Ogan Ilir, 11 Empat Lawang, 12 Penukal Abab Lematang Ilir, 13 Musi Rawas Utara
    71 Palembang, 72 Pagar Alam, 73 Lubuk Linggau, 74 Prabumulih
17 Bengkulu:
    01 Bengkulu Selatan, 02 Rejang Lebong, 03 Bengkulu Utara, 04 Kaur, 05 Seluma, 06 Mukomuko
    07 Lebong, 08 Kepahiang, 09 Bengkulu Tengah, 71 Bengkulu
18 Lampung:
    01 Lampung Selatan, 02 Lampung Tengah, 03 Lampung Utara, 04 Lampung Barat, 05 Tulang Bawang
    06 Tanggamus, 07 Lampung Timur, 08 Way Kanan, 09 Pesawaran, 10 Pringsewu, 11 Mesuji
    12 Tulang Bawang Barat, 13 Pesisir Barat, 71 Bandar Lampung, 72 Metro
19 Kepulauan Bangka Belitung:
    01 Bangka, 02 Belitung, 03 Bangka Selatan, 04 Bangka Tengah, 05 Bangka Barat
    06 Belitung Timur, 71 Pangkalpinang
21 Kepulauan Riau:
    01 Bintan, 02 Karimun, 03 Natuna, 04 Lingga, 05 Kepulauan Anambas, 71 Batam, 72 Tanjungpinang
31 DKI Jakarta:
    01 Kepulauan Seribu, 71 Jakarta Pusat, 72 Jakarta Utara, 73 Jakarta Barat, 74 Jakarta Selatan
    75 Jakarta Timur
32 Jawa Barat:
    01 Bogor, 02 Sukabumi, 03 Cianjur, 04 Bandung, 05 Garut, 06 Tasikmalaya, 07 Ciamis
    08 Kuningan, 09 Cirebon, 10 Majalengka, 11 Sumedang, 12 Indramayu, 13 Subang, 14 Purwakarta
    15 Karawang, 16 Bekasi, 17 Bandung Barat, 18 Pangandaran, 71 Bogor, 72 Sukabumi, 73 Bandung
    74 Cirebon, 75 Bekasi, 76 Depok, 77 Cimahi, 78 Tasikmalaya, 79 Banjar
33 Jawa Tengah:
    01 Cilacap, 02 Banyumas, 03 Purbalingga, 04 Banjarnegara, 05 Kebumen, 06 Purworejo
    07 Wonosobo, 08 Magelang, 09 Boyolali, 10 Klaten, 11 Sukoharjo, 12 Wonogiri, 13 Karanganyar
    14 Sragen, 15 Grobogan, 16 Blora, 17 Rembang, 18 Pati, 19 Kudus, 20 Jepara, 21 Demak
    22 Semarang, 23 Temanggung, 24 Kendal, 25 Batang, 26 Pekalongan, 27 Pemalang, 28 Tegal
    29 Brebes, 71 Magelang, 72 Surakarta, 73 Salatiga, 74 Semarang, 75 Pekalongan, 76 Tegal
34 DI Yogyakarta:
    01 Kulon Progo, 02 Bantul, 03 Gunungkidul, 04 Sleman, 71 Yogyakarta
35 Jawa Timur:
    01 Pacitan, 02 Ponorogo, 03 Trenggalek, 04 Tulungagung, 05 Blitar, 06 Kediri, 07 Malang
    08 Lumajang, 09 Jember, 10 Banyuwangi, 11 Bondowoso, 12 Situbondo, 13 Probolinggo
    14 Pasuruan, 15 Sidoarjo, 16 Mojokerto, 17 Jombang, 18 Nganjuk, 19 Madiun, 20 Magetan
    21 Ngawi, 22 Bojonegoro, 23 Tuban, 24 Lamongan, 25 Gresik, 26 Bangkalan, 27 Sampang
    28 Pamekasan, 29 Sumenep, 71 Kediri, 72 Blitar, 73 Malang, 74 Probolinggo, 75 Pasuruan
    76 Mojokerto, 77 Madiun, 78 Surabaya, 79 Batu
36 Banten:
    01 Pandeglang, 02 Lebak, 03 Tangerang, 04 Serang, 71 Tangerang, 72 Cilegon, 73 Serang
    74 Tangerang Selatan
51 Bali:
    01 Jembrana, 02 Tabanan, 03 Badung, 04 Gianyar, 05 Klungkung, 06 Bangli, 07 Karangasem
    08 Buleleng, 71 Denpasar
52 Nusa Tenggara Barat:
    01 Lombok Barat, 02 Lombok Tengah, 03 Lombok Timur, 04 Sumbawa, 05 Dompu, 06 Bima
    07 Sumbawa Barat, 08 Lombok Utara, 71 Mataram, 72 Bima
53 Nusa Tenggara Timur:
    01 Kupang, 02 Timor Tengah Selatan, 03 Timor Tengah Utara, 04 Belu, 05 Alor, 06 Flores Timur
    07 Sikka, 08 Ende, 09 Ngada, 10 Manggarai, 11 Sumba Timur, 12 Sumba Barat, 13 Lembata
    14 Rote Ndao, 15 Manggarai Barat, 16 Nagekeo, 17 Sumba Tengah, 18 Sumba Barat Daya
    19 Manggarai Timur, 20 Sabu Raijua, 21 Malaka, 71 Kupang
61 Kalimantan Barat:
    01 Sambas, 02 Mempawah, 03 Sanggau, 04 Ketapang, 05 Sintang, 06 Kapuas Hulu, 07 Bengkayang
    08 Landak, 09 Sekadau, 10 Melawi, 11 Kayong Utara, 12 Kubu Raya, 71 Pontianak, 72 Singkawang
62 Kalimantan Tengah:
    01 Kotawaringin Barat, 02 Kotawaringin Timur, 03 Kapuas, 04 Barito Selatan, 05 Barito Utara
    06 Katingan, 07 Seruyan, 08 Sukamara, 09 Lamandau, 10 Gunung Mas, 11 Pulang Pisau
    12 Murung Raya, 13 Barito Timur, 71 Palangka Raya
63 Kalimantan Selatan:
    01 Tanah Laut, 02 Kotabaru, 03 Banjar, 04 Barito Kuala, 05 Tapin, 06 Hulu Sungai Selatan
    07 Hulu Sungai Tengah, 08 Hulu Sungai Utara, 09 Tabalong, 10 Tanah Bumbu, 11 Balangan
    71 Banjarmasin, 72 Banjarbaru
64 Kalimantan Timur:
    01 Paser, 02 Kutai Kartanegara, 03 Berau, 07 Kutai Barat, 08 Kutai Timur
    09 Penajam Paser Utara, 11 Mahakam Ulu, 71 Balikpapan, 72 Samarinda, 74 Bontang
65 Kalimantan Utara:
    01 Bulungan, 02 Malinau, 03 Nunukan, 04 Tana Tidung, 71 Tarakan
71 Sulawesi Utara:
    01 Bolaang Mongondow, 02 Minahasa, 03 Kepulauan Sangihe, 04 Kepulauan Talaud
    05 Minahasa Selatan, 06 Minahasa Utara, 07 Minahasa Tenggara, 08 Bolaang Mongondow Utara
    09 Kepulauan Siau Tagulandang Biaro, 10 Bolaang Mongondow Timur, 11 Bolaang Mongondow Selatan
    71 Manado, 72 Bitung, 73 Tomohon, 74 Kotamobagu
72 Sulawesi Tengah:
    01 Banggai, 02 Poso, 03 Donggala, 04 Toli-Toli, 05 Buol, 06 Morowali, 07 Banggai Kepulauan
    08 Parigi Moutong, 09 Tojo Una-Una, 10 Sigi, 11 Banggai Laut, 12 Morowali Utara, 71 Palu
73 Sulawesi Selatan:
    01 Kepulauan Selayar, 02 Bulukumba, 03 Bantaeng, 04 Jeneponto, 05 Takalar, 06 Gowa, 07 Sinjai
    08 Bone, 09 Maros, 10 Pangkajene dan Kepulauan, 11 Barru, 12 Soppeng, 13 Wajo
    14 Sidenreng Rappang, 15 Pinrang, 16 Enrekang, 17 Luwu, 18 Tana Toraja, 22 Luwu Utara
    24 Luwu Timur, 26 Toraja Utara, 71 Makassar, 72 Parepare, 73 Palopo
74 Sulawesi Tenggara:
    01 Kolaka, 02 Konawe, 03 Muna, 04 Buton, 05 Konawe Selatan, 06 Bombana, 07 Wakatobi
    08 Kolaka Utara, 09 Konawe Utara, 10 Buton Utara, 11 Kolaka Timur, 12 Konawe Kepulauan
    13 Muna Barat, 14 Buton Tengah, 15 Buton Selatan, 71 Kendari, 72 Baubau
75 Gorontalo:
    01 Gorontalo, 02 Boalemo, 03 Bone Bolango, 04 Pohuwato, 05 Gorontalo Utara, 71 Gorontalo
76 Sulawesi Barat:
    01 Pasangkayu, 02 Mamuju, 03 Mamasa, 04 Polewali Mandar, 05 Majene, 06 Mamuju Tengah
81 Maluku:
    01 Maluku Tengah, 02 Maluku Tenggara, 03 Kepulauan Tanimbar, 04 Buru, 05 Seram Bagian Timur
    06 Seram Bagian Barat, 07 Kepulauan Aru, 08 Maluku Barat Daya, 09 Buru Selatan, 71 Ambon
    72 Tual
82 Maluku Utara:
    01 Halmahera Barat, 02 Halmahera Tengah, 03 Halmahera Utara, 04 Halmahera Selatan
    05 Kepulauan Sula, 06 Halmahera Timur, 07 Pulau Morotai, 08 Pulau Taliabu, 71 Ternate
    72 Tidore Kepulauan
91 Papua:
    03 Jayapura, 05 Kepulauan Yapen, 06 Biak Numfor, 10 Sarmi, 11 Keerom, 15 Waropen, 19 Supiori
    20 Mamberamo Raya, 71 Jayapura
92 Papua Barat:
    02 Manokwari, 03 Fakfak, 06 Teluk Bintuni, 07 Teluk Wondama, 08 Kaimana, 11 Manokwari Selatan
    12 Pegunungan Arfak
93 Papua Selatan:
    01 Merauke, 02 Boven Digoel, 03 Mappi, 04 Asmat
94 Papua Tengah:
    01 Nabire, 02 Puncak Jaya, 03 Paniai, 04 Mimika, 05 Puncak, 06 Dogiyai, 07 Intan Jaya
    08 Deiyai
95 Papua Pegunungan:
    01 Jayawijaya, 02 Pegunungan Bintang, 03 Yahukimo, 04 Tolikara, 05 Mamberamo Tengah
    06 Yalimo, 07 Lanny Jaya, 08 Nduga
96 Papua Barat Daya:
    01 Sorong, 02 Sorong Selatan, 03 Raja Ampat, 04 Tambrauw, 05 Maybrat, 71 Sorong
"""

# Codes that are no longer in the list but still sit at the start of NIKs and KK numbers issued
# before a split: a NIK is for life, so they stay valid (the province list in
# flows/validators.py keeps 91 and 92 for the same reason). Papua and Papua Barat before 2022
# (checked against the 2016-2022 Kepmendagri lists):
LEGACY_REGENCIES: dict[str, str] = {
    "91.01": "Merauke", "91.02": "Jayawijaya", "91.04": "Nabire", "91.07": "Puncak Jaya",
    "91.08": "Paniai", "91.09": "Mimika", "91.12": "Pegunungan Bintang", "91.13": "Yahukimo",
    "91.14": "Tolikara", "91.16": "Boven Digoel", "91.17": "Mappi", "91.18": "Asmat",
    "91.21": "Mamberamo Tengah", "91.22": "Yalimo", "91.23": "Lanny Jaya", "91.24": "Nduga",
    "91.25": "Puncak", "91.26": "Dogiyai", "91.27": "Intan Jaya", "91.28": "Deiyai",
    "92.01": "Sorong", "92.04": "Sorong Selatan", "92.05": "Raja Ampat", "92.09": "Tambrauw",
    "92.10": "Maybrat", "92.71": "Sorong",
    # Kalimantan Utara's regencies while they were in Kalimantan Timur (before UU 20/2012).
    # [uncertain] these five codes are from memory and could not be checked against a
    # pre-2012 list: Bulungan, Malinau and Nunukan as 64.04-64.06 in that order, Tana Tidung
    # 64.10 (formed 2007, after Penajam Paser Utara 64.09), Tarakan 64.73 (the gap between
    # Samarinda 64.72 and Bontang 64.74). Accepting one wrongly only skips a soft warning.
    "64.04": "Bulungan", "64.05": "Malinau", "64.06": "Nunukan", "64.10": "Tana Tidung",
    "64.73": "Tarakan",
}

# Province names as people write them on forms; the key is the Kemendagri code.
PROVINCE_NAMES: dict[str, str] = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau", "15": "Jambi",
    "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung", "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau", "31": "DKI Jakarta", "32": "Jawa Barat", "33": "Jawa Tengah",
    "34": "DI Yogyakarta", "35": "Jawa Timur", "36": "Banten", "51": "Bali",
    "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur", "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah", "63": "Kalimantan Selatan", "64": "Kalimantan Timur",
    "65": "Kalimantan Utara", "71": "Sulawesi Utara", "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan", "74": "Sulawesi Tenggara", "75": "Gorontalo", "76": "Sulawesi Barat",
    "81": "Maluku", "82": "Maluku Utara", "91": "Papua", "92": "Papua Barat", "93": "Papua Selatan",
    "94": "Papua Tengah", "95": "Papua Pegunungan", "96": "Papua Barat Daya",
}

# Other names people type for a province or a kabupaten/kota: abbreviations, former names,
# everyday names. Read as a proposal (the citizen confirms), never taken silently.
# Spacing and hyphen variants ("Balik Papan", "Pare-Pare", "Bau-Bau") need no entry: names are
# compared without spaces.
ALIASES: dict[str, str] = {
    # provinces
    "nad": "11", "nanggroe aceh darussalam": "11", "sumut": "12", "sumbar": "13", "sumsel": "16",
    "babel": "19", "bangka belitung": "19", "kepri": "21", "dki": "31", "jabar": "32",
    "jateng": "33", "diy": "34", "daerah istimewa yogyakarta": "34", "jatim": "35",
    "ntb": "52", "ntt": "53", "kalbar": "61", "kalteng": "62", "kalsel": "63", "kaltim": "64",
    "kaltara": "65", "sulut": "71", "sulteng": "72", "sulsel": "73", "sultra": "74",
    "sulbar": "76", "malut": "82", "irian jaya": "91",
    # Sumatera
    "tapteng": "12.01", "taput": "12.02", "tapsel": "12.03", "madina": "12.13",
    "toba samosir": "12.12", "tobasa": "12.12", "humbahas": "12.16", "sergai": "12.18",
    "paluta": "12.20", "palas": "12.21", "labusel": "12.22", "labura": "12.23",
    "siantar": "12.72", "sidempuan": "12.77", "padang sidempuan": "12.77",
    "limapuluh kota": "13.07", "50 kota": "13.07", "lima puluh koto": "13.07",
    "mentawai": "13.09", "kuansing": "14.09", "inhu": "14.02", "inhil": "14.04",
    "rohul": "14.06", "rohil": "14.07", "meranti": "14.10", "tanjabbar": "15.06",
    "tanjabtim": "15.07", "oku": "16.01", "oki": "16.02", "oku timur": "16.08",
    "oku selatan": "16.09", "muba": "16.06", "muratara": "16.13", "pali": "16.12",
    "lamsel": "18.01", "lamteng": "18.02", "lampura": "18.03", "lambar": "18.04",
    "lamtim": "18.07", "tubaba": "18.12", "anambas": "21.05",
    # Jawa, Bali, Nusa Tenggara
    "jakarta": "31", "jakpus": "31.71", "jakut": "31.72", "jakbar": "31.73", "jaksel": "31.74",
    "jaktim": "31.75", "pulau seribu": "31.01",
    "kbb": "32.17", "tasik": "32.78", "jogja": "34.71", "jogjakarta": "34.71",
    "yogya": "34.71", "jogya": "34.71", "djogjakarta": "34.71", "solo": "33.72",
    "sby": "35.78", "tangsel": "36.74", "lobar": "52.01", "loteng": "52.02", "lotim": "52.03",
    "klu": "52.08", "ksb": "52.07", "tts": "53.02", "ttu": "53.03", "flotim": "53.06",
    "mabar": "53.15", "matim": "53.19", "sbd": "53.18", "rote": "53.14", "sabu": "53.20",
    # Kalimantan
    "kkr": "61.12", "kayong": "61.11", "kobar": "62.01", "kotim": "62.02", "barsel": "62.04",
    "barut": "62.05", "bartim": "62.13", "pulpis": "62.11", "tala": "63.01", "batola": "63.04",
    "hss": "63.06", "hst": "63.07", "hsu": "63.08", "tanbu": "63.10",
    "pasir": "64.01", "kukar": "64.02", "kubar": "64.07", "kutim": "64.08", "ppu": "64.09",
    "mahulu": "64.11", "ktt": "65.04",
    # Sulawesi
    "bolmong": "71.01", "minsel": "71.05", "minut": "71.06", "bolmut": "71.08",
    "sitaro": "71.09", "boltim": "71.10", "bolsel": "71.11", "sangihe": "71.03",
    "talaud": "71.04", "touna": "72.09", "morut": "72.12", "bangkep": "72.07", "parimo": "72.08",
    "selayar": "73.01", "pangkep": "73.10", "sidrap": "73.14", "tator": "73.18",
    "toraja": "73.18", "torut": "73.26", "lutra": "73.22", "lutim": "73.24",
    "ujung pandang": "73.71", "konsel": "74.05", "kolut": "74.08", "konut": "74.09",
    "butur": "74.10", "koltim": "74.11", "konkep": "74.12", "wawonii": "74.12",
    "mubar": "74.13", "buteng": "74.14", "busel": "74.15", "bonebol": "75.03", "gorut": "75.05",
    "polman": "76.04", "polewali mamasa": "76.04", "mamuju utara": "76.01", "matra": "76.01",
    "mateng": "76.06",
    # Maluku, Papua
    "malteng": "81.01", "malra": "81.02", "mtb": "81.03", "maluku tenggara barat": "81.03",
    "sbt": "81.05", "sbb": "81.06", "aru": "81.07", "mbd": "81.08", "bursel": "81.09",
    "halbar": "82.01", "halteng": "82.02", "halut": "82.03", "halsel": "82.04", "sula": "82.05",
    "haltim": "82.06", "morotai": "82.07", "taliabu": "82.08", "tidore": "82.72",
    "yapen": "91.05", "wondama": "92.07", "mansel": "92.11", "pegaf": "92.12",
    "sorsel": "96.02", "pegubin": "95.02",
}

# Towns people name as a place of birth or residence, with the kabupaten/kota they lie in
# (mostly regency capitals). Written "Town, Regency" ("Tenggarong, Kutai Kartanegara").
# Written from knowledge of where each capital lies; every Kalimantan Timur entry and most of the
# others were then found as a kecamatan or desa/kelurahan of that regency in the Kepmendagri list.
# The rest (Sampit, Sengkang, Maumere, Singaraja, Purwokerto, Timika, … capitals whose town name
# is not itself a kecamatan name) are well known, but were not checked against a list.
# Kutai Timur's own kecamatan and villages come from nlu/places.py, not from here.
TOWNS: dict[str, str] = {
    # Kalimantan Timur and Utara (Kutai Kartanegara's kecamatan nearest to Kutai Timur first)
    "Tenggarong": "64.02", "Loa Janan": "64.02", "Loa Kulu": "64.02", "Muara Badak": "64.02",
    "Anggana": "64.02", "Sanga-Sanga": "64.02", "Samboja": "64.02", "Muara Jawa": "64.02",
    "Marangkayu": "64.02", "Sebulu": "64.02", "Kota Bangun": "64.02", "Muara Kaman": "64.02",
    "Muara Muntai": "64.02", "Kembang Janggut": "64.02", "Tabang": "64.02",
    "Tanah Grogot": "64.01", "Tanjung Redeb": "64.03", "Talisayan": "64.03",
    "Sendawar": "64.07", "Melak": "64.07", "Barong Tongkok": "64.07", "Penajam": "64.09",
    "Tenggarong Seberang": "64.02", "Kenohan": "64.02", "Muara Wis": "64.02",
    "Gunung Tabur": "64.03", "Sambaliung": "64.03", "Teluk Bayur": "64.03",
    "Biduk-Biduk": "64.03", "Pulau Derawan": "64.03", "Maratua": "64.03", "Batu Putih": "64.03",
    "Ujoh Bilang": "64.11", "Long Bagun": "64.11", "Tanjung Selor": "65.01",
    "Tideng Pale": "65.04",
    # the kecamatan of Samarinda, Balikpapan and Bontang
    "Palaran": "64.72", "Samarinda Ilir": "64.72", "Samarinda Seberang": "64.72",
    "Sungai Kunjang": "64.72", "Samarinda Ulu": "64.72", "Samarinda Utara": "64.72",
    "Sambutan": "64.72", "Sungai Pinang": "64.72", "Samarinda Kota": "64.72",
    "Loa Janan Ilir": "64.72", "Balikpapan Kota": "64.71", "Balikpapan Selatan": "64.71",
    "Balikpapan Timur": "64.71", "Balikpapan Utara": "64.71", "Balikpapan Tengah": "64.71",
    "Balikpapan Barat": "64.71", "Bontang Utara": "64.74", "Bontang Selatan": "64.74",
    "Bontang Barat": "64.74",
    # Kalimantan Selatan, Tengah, Barat
    "Martapura": "63.03", "Pelaihari": "63.01", "Marabahan": "63.04", "Kandangan": "63.06",
    "Barabai": "63.07", "Amuntai": "63.08", "Batulicin": "63.10", "Paringin": "63.11",
    "Sampit": "62.02", "Pangkalan Bun": "62.01", "Kuala Kapuas": "62.03", "Buntok": "62.04",
    "Muara Teweh": "62.05", "Kasongan": "62.06", "Kuala Pembuang": "62.07",
    "Nanga Bulik": "62.09", "Kuala Kurun": "62.10", "Puruk Cahu": "62.12",
    "Tamiang Layang": "62.13", "Putussibau": "61.06", "Ngabang": "61.08",
    # Sulawesi
    "Sungguminasa": "73.06", "Watampone": "73.08", "Sengkang": "73.13", "Makale": "73.18",
    "Rantepao": "73.26", "Masamba": "73.22", "Malili": "73.24", "Belopa": "73.17",
    "Pangkajene": "73.10", "Watansoppeng": "73.12", "Polewali": "76.04", "Luwuk": "72.01",
    "Ampana": "72.09", "Parigi": "72.08", "Kolonodale": "72.12", "Bungku": "72.06",
    "Unaaha": "74.02", "Raha": "74.03", "Pasarwajo": "74.04", "Andoolo": "74.05",
    "Tondano": "71.02", "Tahuna": "71.03", "Amurang": "71.05", "Airmadidi": "71.06",
    "Limboto": "75.01", "Marisa": "75.04",
    # Nusa Tenggara, Bali
    "Ruteng": "53.10", "Labuan Bajo": "53.15", "Maumere": "53.07", "Atambua": "53.04",
    "Kefamenanu": "53.03", "Waingapu": "53.11", "Larantuka": "53.06", "Bajawa": "53.09",
    "Kalabahi": "53.05", "Lewoleba": "53.13", "Borong": "53.19", "Mbay": "53.16",
    "Waikabubak": "53.12", "Tambolaka": "53.18", "Waibakul": "53.17", "Betun": "53.21",
    "Selong": "52.03", "Praya": "52.02", "Gerung": "52.01", "Sumbawa Besar": "52.04",
    "Taliwang": "52.07", "Singaraja": "51.08", "Semarapura": "51.05", "Amlapura": "51.07",
    "Mangupura": "51.03", "Kuta": "51.03", "Ubud": "51.04",
    # Jawa
    "Purwokerto": "33.02", "Cibinong": "32.01", "Cileungsi": "32.01", "Soreang": "32.04",
    "Lembang": "32.17", "Ngamprah": "32.17", "Cikarang": "32.16", "Singaparna": "32.06",
    "Ungaran": "33.22", "Ambarawa": "33.22", "Mungkid": "33.08", "Kartasura": "33.11",
    "Gombong": "33.05", "Cepu": "33.16", "Kajen": "33.26", "Slawi": "33.28", "Wates": "34.01",
    "Wonosari": "34.03", "Kepanjen": "35.07", "Bangil": "35.14", "Kraksaan": "35.13",
    "Caruban": "35.19", "Rangkasbitung": "36.02", "Tigaraksa": "36.03", "Serpong": "36.74",
    # Sumatera
    "Rantau Prapat": "12.10", "Kisaran": "12.09", "Stabat": "12.05", "Kabanjahe": "12.06",
    "Berastagi": "12.06", "Balige": "12.12", "Tarutung": "12.02", "Lubuk Pakam": "12.07",
    "Sidikalang": "12.11", "Pangururan": "12.17", "Sei Rampah": "12.18", "Panyabungan": "12.13",
    "Sipirok": "12.03", "Lhoksukon": "11.08", "Meulaboh": "11.05", "Takengon": "11.04",
    "Kutacane": "11.02", "Sigli": "11.07", "Tapaktuan": "11.01", "Blangpidie": "11.12",
    "Calang": "11.14", "Jantho": "11.06", "Kuala Simpang": "11.16", "Bangkinang": "14.01",
    "Rengat": "14.02", "Tembilahan": "14.04", "Duri": "14.03", "Bagansiapiapi": "14.07",
    "Pasir Pengaraian": "14.06", "Teluk Kuantan": "14.09", "Pangkalan Kerinci": "14.05",
    "Selatpanjang": "14.10", "Baturaja": "16.01", "Kayu Agung": "16.02", "Sekayu": "16.06",
    "Pangkalan Balai": "16.07", "Indralaya": "16.10", "Muaradua": "16.09",
    "Talang Ubi": "16.12", "Muara Bulian": "15.04", "Bangko": "15.02", "Muara Bungo": "15.08",
    "Muara Tebo": "15.09", "Kuala Tungkal": "15.06", "Sengeti": "15.05", "Curup": "17.02",
    "Manna": "17.01", "Argamakmur": "17.03", "Kalianda": "18.01", "Gunung Sugih": "18.02",
    "Kotabumi": "18.03", "Liwa": "18.04", "Menggala": "18.05", "Kota Agung": "18.06",
    "Blambangan Umpu": "18.08", "Gedong Tataan": "18.09",
    "Sungailiat": "19.01", "Tanjung Pandan": "19.02", "Toboali": "19.03", "Koba": "19.04",
    "Muntok": "19.05", "Tanjung Balai Karimun": "21.02", "Ranai": "21.03",
    "Tarempa": "21.05",
    # Maluku, Papua
    "Masohi": "81.01", "Langgur": "81.02", "Saumlaki": "81.03", "Namlea": "81.04",
    "Bula": "81.05", "Piru": "81.06", "Dobo": "81.07", "Tiakur": "81.08", "Namrole": "81.09",
    "Jailolo": "82.01", "Weda": "82.02", "Tobelo": "82.03", "Labuha": "82.04", "Sanana": "82.05",
    "Maba": "82.06", "Daruba": "82.07", "Bobong": "82.08", "Sofifi": "82.72",
    "Sentani": "91.03", "Serui": "91.05", "Biak": "91.06", "Bintuni": "92.06", "Agats": "93.04",
    "Timika": "94.04", "Enarotali": "94.03", "Wamena": "95.01", "Oksibil": "95.02",
    "Dekai": "95.03", "Karubaga": "95.04", "Aimas": "96.01", "Teminabuan": "96.02",
    "Waisai": "96.03",
}
