"""Fixed word lists for geoparsing: French departments, prepositions, and commune names
that are also everyday words (written for this project, not taken from a data set)."""

from __future__ import annotations

from typing import Final

# code -> (name, prefecture). The prefecture's point stands in for the department when
# the gazetteer has no department column (the packaged GeoNames list).
DEPARTMENTS: Final[dict[str, tuple[str, str]]] = {
    "01": ("Ain", "Bourg-en-Bresse"),
    "02": ("Aisne", "Laon"),
    "03": ("Allier", "Moulins"),
    "04": ("Alpes-de-Haute-Provence", "Digne-les-Bains"),
    "05": ("Hautes-Alpes", "Gap"),
    "06": ("Alpes-Maritimes", "Nice"),
    "07": ("Ardèche", "Privas"),
    "08": ("Ardennes", "Charleville-Mézières"),
    "09": ("Ariège", "Foix"),
    "10": ("Aube", "Troyes"),
    "11": ("Aude", "Carcassonne"),
    "12": ("Aveyron", "Rodez"),
    "13": ("Bouches-du-Rhône", "Marseille"),
    "14": ("Calvados", "Caen"),
    "15": ("Cantal", "Aurillac"),
    "16": ("Charente", "Angoulême"),
    "17": ("Charente-Maritime", "La Rochelle"),
    "18": ("Cher", "Bourges"),
    "19": ("Corrèze", "Tulle"),
    "2A": ("Corse-du-Sud", "Ajaccio"),
    "2B": ("Haute-Corse", "Bastia"),
    "21": ("Côte-d'Or", "Dijon"),
    "22": ("Côtes-d'Armor", "Saint-Brieuc"),
    "23": ("Creuse", "Guéret"),
    "24": ("Dordogne", "Périgueux"),
    "25": ("Doubs", "Besançon"),
    "26": ("Drôme", "Valence"),
    "27": ("Eure", "Évreux"),
    "28": ("Eure-et-Loir", "Chartres"),
    "29": ("Finistère", "Quimper"),
    "30": ("Gard", "Nîmes"),
    "31": ("Haute-Garonne", "Toulouse"),
    "32": ("Gers", "Auch"),
    "33": ("Gironde", "Bordeaux"),
    "34": ("Hérault", "Montpellier"),
    "35": ("Ille-et-Vilaine", "Rennes"),
    "36": ("Indre", "Châteauroux"),
    "37": ("Indre-et-Loire", "Tours"),
    "38": ("Isère", "Grenoble"),
    "39": ("Jura", "Lons-le-Saunier"),
    "40": ("Landes", "Mont-de-Marsan"),
    "41": ("Loir-et-Cher", "Blois"),
    "42": ("Loire", "Saint-Étienne"),
    "43": ("Haute-Loire", "Le Puy-en-Velay"),
    "44": ("Loire-Atlantique", "Nantes"),
    "45": ("Loiret", "Orléans"),
    "46": ("Lot", "Cahors"),
    "47": ("Lot-et-Garonne", "Agen"),
    "48": ("Lozère", "Mende"),
    "49": ("Maine-et-Loire", "Angers"),
    "50": ("Manche", "Saint-Lô"),
    "51": ("Marne", "Châlons-en-Champagne"),
    "52": ("Haute-Marne", "Chaumont"),
    "53": ("Mayenne", "Laval"),
    "54": ("Meurthe-et-Moselle", "Nancy"),
    "55": ("Meuse", "Bar-le-Duc"),
    "56": ("Morbihan", "Vannes"),
    "57": ("Moselle", "Metz"),
    "58": ("Nièvre", "Nevers"),
    "59": ("Nord", "Lille"),
    "60": ("Oise", "Beauvais"),
    "61": ("Orne", "Alençon"),
    "62": ("Pas-de-Calais", "Arras"),
    "63": ("Puy-de-Dôme", "Clermont-Ferrand"),
    "64": ("Pyrénées-Atlantiques", "Pau"),
    "65": ("Hautes-Pyrénées", "Tarbes"),
    "66": ("Pyrénées-Orientales", "Perpignan"),
    "67": ("Bas-Rhin", "Strasbourg"),
    "68": ("Haut-Rhin", "Colmar"),
    "69": ("Rhône", "Lyon"),
    "70": ("Haute-Saône", "Vesoul"),
    "71": ("Saône-et-Loire", "Mâcon"),
    "72": ("Sarthe", "Le Mans"),
    "73": ("Savoie", "Chambéry"),
    "74": ("Haute-Savoie", "Annecy"),
    "75": ("Paris", "Paris"),
    "76": ("Seine-Maritime", "Rouen"),
    "77": ("Seine-et-Marne", "Melun"),
    "78": ("Yvelines", "Versailles"),
    "79": ("Deux-Sèvres", "Niort"),
    "80": ("Somme", "Amiens"),
    "81": ("Tarn", "Albi"),
    "82": ("Tarn-et-Garonne", "Montauban"),
    "83": ("Var", "Toulon"),
    "84": ("Vaucluse", "Avignon"),
    "85": ("Vendée", "La Roche-sur-Yon"),
    "86": ("Vienne", "Poitiers"),
    "87": ("Haute-Vienne", "Limoges"),
    "88": ("Vosges", "Épinal"),
    "89": ("Yonne", "Auxerre"),
    "90": ("Territoire de Belfort", "Belfort"),
    "91": ("Essonne", "Évry-Courcouronnes"),
    "92": ("Hauts-de-Seine", "Nanterre"),
    "93": ("Seine-Saint-Denis", "Bobigny"),
    "94": ("Val-de-Marne", "Créteil"),
    "95": ("Val-d'Oise", "Cergy"),
    "971": ("Guadeloupe", "Basse-Terre"),
    "972": ("Martinique", "Fort-de-France"),
    "973": ("Guyane", "Cayenne"),
    "974": ("La Réunion", "Saint-Denis"),
    "975": ("Saint-Pierre-et-Miquelon", "Saint-Pierre"),
    "976": ("Mayotte", "Mamoudzou"),
    "977": ("Saint-Barthélemy", "Gustavia"),
    "978": ("Saint-Martin", "Marigot"),
    "986": ("Wallis-et-Futuna", "Mata-Utu"),
    "987": ("Polynésie française", "Papeete"),
    "988": ("Nouvelle-Calédonie", "Nouméa"),
}

# Other ways people name a department (folded text -> code).
DEPARTMENT_ALIASES: Final[dict[str, str]] = {
    "reunion": "974",
    "corse du sud": "2A",
    "haute corse": "2B",
    "polynesie": "987",
    "nouvelle caledonie": "988",
    "guyane francaise": "973",
}

# Words before a place that make a mention likely (folded, except "à" which is kept
# apart from the English article "a"). Multi-word cues end with the word before the place.
STRONG_CUES: Final[frozenset[str]] = frozenset(
    {
        "à",
        "au",
        "aux",
        "sur",
        "vers",
        "entre",
        "in",
        "at",
        "near",
        "around",
        "outside",
        "toward",
        "towards",
        "inside",
    }
)
# "près de X", "secteur de X"…: "de/du/d'/des" preceded by one of these is a strong cue.
STRONG_BEFORE_DE: Final[frozenset[str]] = frozenset(
    {
        "pres",
        "proche",
        "autour",
        "alentours",
        "environs",
        "secteur",
        "commune",
        "ville",
        "mairie",
        "centre",
        "sortie",
        "entree",
        "habitants",
        "hauteur",
        "direction",
        "cote",
        "region",
        "quartier",
        "village",
        "east",
        "west",
        "north",
        "south",
    }
)
WEAK_CUES: Final[frozenset[str]] = frozenset(
    {
        "a",  # "à" typed without its accent
        "de",
        "du",
        "des",
        "d",
        "en",
        "dans",
        "depuis",
        "from",
        "to",
        "of",
        "via",
        "par",
        "pour",
    }
)
# "au Havre", "aux Sables-d'Olonne", "du Mans": a contraction holding the article.
ARTICLE_CONTRACTIONS: Final[frozenset[str]] = frozenset({"au", "aux", "du", "des"})
ARTICLES: Final[frozenset[str]] = frozenset({"le", "la", "les", "l"})
# Small words inside names that need no capital ("Saint-Jean-de-Védas").
NAME_PARTICLES: Final[frozenset[str]] = frozenset(
    {
        "le",
        "la",
        "les",
        "l",
        "de",
        "du",
        "des",
        "d",
        "en",
        "et",
        "sur",
        "sous",
        "lez",
        "aux",
        "au",
        "a",
    }
)
# Words after which a capitalised name is a person or a foreign place.
NOT_BEFORE_PLACE: Final[frozenset[str]] = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "mme",
        "mlle",
        "monsieur",
        "madame",
        "new",
        "rue",
        "avenue",
    }
)
# Words that announce a department, not a commune: "dans le Gard", "en Vendée".
DEPARTMENT_CUES: Final[frozenset[str]] = frozenset(
    {"dans", "en", "departement", "dept", "dpt", "du"}
)

# Commune names (folded, article dropped) that are also everyday French or English
# words, first names or famous people: matched only with a capital letter AND a strong
# cue (a preposition such as "à", "in", "near", or the department in the text).
# Names of one or two letters ("Y", "Eu") are treated the same way automatically.
COMMON_WORD_NAMES: Final[frozenset[str]] = frozenset(
    """
    abondance abondant aerodrome agneaux agrement aigle aiguilles aime aire aires
    alan albert alex alix allan allier allies allons ally ames amy ange angles
    angoisse anjou anse appelle apt aragon arches archet arcs aren ares argentine
    armes arrest ars artillerie aston attaques aubaine aube aucun aurons autels
    autruche aveux avion avoine avril azur baby bach baffe baille bains ballon
    ballons ballots balzac bans bar bard barils baron barre barry bars bart basses
    bats bay beard beauce beaux belvedere berg bernard berne bert besson betting bey
    bias bidon bille billy bio blanc blond bologne bonhomme bonne bonnes bonnet
    bords born bosse bost bou bouchon boue bouee bouillie bouillon boulot bouquet
    bourdon bourg bourgogne bourre bouteille boyer brain brains bran branches bras
    bresse bretagne breves brie brousse bruges brunet brusque bruyere buffon buisson
    bulle bulles bully bun bury bus bust busy cabanes cadix cagnotte caille caire
    camarade came campagne canals cannelle canon carly cars casses cast cause
    cavalerie caves celle celles cellule cendre centres cercueil cerise cesse chaise
    chambre champagne champs change chapeau chapelle chapelles chapitre charge
    charmant charme charmes chars chateau chatte chaudiere chaussee chauve chaux
    chemin chene cheney cheres cheville chiche chilly chirac chis choisies choux
    ciel cieux cintre citerne clans claviers clefs cloue cognac cologne colombe
    colombier colonne combles compas compote comte conan conception concordia condom
    condorcet confort conte contes contest contre coquille cordon corn corne corps
    cos costa cote coteau couches coudes courant courbes couronne cours courtes
    couture coutures cox creances creche crest creuse croix crosses cry cult
    cultures cures cuts cutting cuve cuves dangers dauphin defense degre deluge
    demie descartes deserts detroit devise diamant die dives dole don donjon
    douillet doux douze drain drap dry dun dunes dung dye echelle echelles ecole
    ecorces ecurie engins ens epine eps erin err erre escale espere essay etais
    etalon etangs etoile eus evans eve fallon faucon faux fay faye felon fermete
    fete feux feves fiefs fille fins flat flee flotte folie folies folles fontaine
    fontaines force forge forges forteresse fosse fosses four fourches fourneaux
    fours frais francois francs fribourg frise fronton fry fussy gambetta gap garde
    gare gars gas gente germ germaine geste gets gilles gland goes goin gorges gouts
    graces grand grange granges gras grave gray grenade gres grues gueux guise habit
    hague haies halles ham hamel hanches hans hayes herisson hermes heron hinges his
    hommes hopital hotellerie houlette hours hunting irai irais iron island isle
    issus ivory jardin jars jax job joyeuse joyeux juif jumeaux jumelles jure jury
    lacoste lacs lagos lama lance landes landry lange langley laps lasse laurie lay
    lee lennon lens lent lentilles leon leves levier liberation lies ligne lilly
    lime linge lire lis lisse lisses loge loges loire long lor louches loue louer
    loupe lourde luc lucy lue lure lutter lux luxe lys mace machine mage mages
    magnet maille maillot maire maisonneuve maisons malay male mane manoir many
    marais marchais marche marches marges marie marin marines marne marques marquise
    marre mars martyre mary mas mathieu matignon maux maze medecins mene mens menus
    mer mercury mercy mere messe messy mire miroir moisson mole molles monastere
    monnaie mont montagne monte montreal monts morley morte morton motte mouais
    mouche mouches mouettes moule moulins mousse mouton moyen mures murs nice nicole
    noce noue novel noyer nuits oie oms ondes ongles opera orange ore organ orgueil
    orion our oz pace pact paille palais palme pannes parc parce parent pas passa
    passage passais pasteur pauvres peas peintre peintures pelouse perche percy pere
    perron pers piano pierre pierres pieux pin pince pins pis place places plaine
    plaisir plan planche planches planes plans plats pleure pleurs poet poil poisson
    poissons pompidou pont ponts port porta portes poses possession pray precieux
    pres prey priez prince publier puits pure puy quarante quartier quincy quinte
    racines raids ramasse rang raymond real receiving regina reilly relevant rely
    remy rene repel retail reunion reveillon rhodes riche richelieu ris rives
    riviere rivieres robert roc roche rocher roches roe rom romain romaine romans
    ronde rose rouge rouille roussillon routes routier roux royer rue russ rye
    sabres sache saillant sains saint saints sale sales salle salles salon samson
    sand sap sassy saul saurais sauvages sauve sees sen sens sentinelle serez
    serpent serre serres sers servant seuil sieges signes simple singles sion son
    sore sos souche soudan soude soupir sourd souterraine soyons stains staple still
    suisse sure sus suzanne syndicat table tablier tache taller talon tampon target
    tart tasse taule tech temple tendon tendu teneur termes terrasse thiers this
    thou tierce titre tombe tonnerre touche touches tour tourne tournes tours
    toussaint tox trait trans tresses tricot tronche tully union us vaillant val
    valentine vallee vance vanne vans vast venise ventes ver verger verges vermont
    vers vert vertus very veuve viens vieux vif vignes ville villes vives vivier
    vogue voisines vue we yves
    """.split()  # noqa: SIM905 — a block of words reads better than a list
)

# Multi-word names that read as everyday phrases: every word must be capitalised too.
COMMON_PHRASE_NAMES: Final[frozenset[str]] = frozenset(
    {
        "entre deux",
        "saint esprit",
        "saint amour",
        "saint valentin",
        "haut lieu",
        "bas lieu",
        "pas de jeu",
        "maison rouge",
        "cheval blanc",
        "trois villes",
        "les deux villes",
        "sainte mere",
        "petit noir",
        "port mort",
        "grand camp",
        "grand champ",
        "vieux port",
        "vieux pont",
        "vieux chateau",
        "chateau rouge",
        "petite ile",
        "village neuf",
        "belle eglise",
    }
)
