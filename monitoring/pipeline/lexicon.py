"""A multilingual crisis keyword lexicon: category evidence and urgency signals.

Written for this project from field practice of crisis communication (what
people in danger, authorities, helpers and bystanders actually post), in
French and English with the commonest Spanish, German and Italian phrasings.

Each entry is a phrase matched on folded text (`monitoring.pipeline.text.fold`:
lower case, no accents, apostrophes of either kind and hyphens as spaces), so
"l'eau monte", "L'EAU MONTE" and "l eau monte" are one phrase. A word ending in `*` matches
any word starting with it ("inond*" finds inondation, inondés, #inondations).

Matching is a token-level lookup (a dictionary of phrases keyed by their first
word, a dictionary of prefixes by length), not one regular expression per term,
so a post costs a few dozen dictionary lookups whatever the size of the lexicon.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt

from monitoring.models import Category
from monitoring.pipeline.text import fold

C = Category
CATEGORIES: Final[tuple[str, ...]] = tuple(Category.values)
CATEGORY_INDEX: Final[dict[str, int]] = {c: i for i, c in enumerate(CATEGORIES)}
LANGUAGES: Final[tuple[str, ...]] = ("fr", "en", "es", "de", "it")

# (category, language, weight, "phrase; phrase; stem*")
# Weights: 2 = nearly decisive on its own, 1 = clear evidence, 0.5 = a hint.
TERMS: Final[tuple[tuple[str, str, float, str], ...]] = (
    # --- requests or urgent needs ---------------------------------------------------
    (
        C.REQUEST,
        "fr",
        2.0,
        "au secours; à l'aide; aidez nous; aidez moi; besoin d'aide; besoin de secours; "
        "besoin d'eau; besoin de nourriture; besoin de médicaments; besoin d'un médecin; "
        "besoin d'évacuation; venez nous chercher; envoyez des secours; envoyez de l'aide; "
        "personne ne vient; les secours ne viennent pas; on attend les secours; "
        "attendons les secours; nous sommes bloqués; je suis bloqué; je suis bloquée; "
        "nous sommes coincés; je suis coincé; je suis coincée; on est coincés; "
        "on est bloqués; pris au piège; réfugiés sur le toit; sur le toit; sur notre toit; "
        "sur le toit de; besoin urgent; demande d'aide; qui peut aider; quelqu'un peut aider; "
        "on manque de; nous manquons de; plus d'eau potable; plus rien à manger; "
        "plus de médicaments; pas d'eau depuis; sans eau depuis; merci de nous aider",
    ),
    (
        C.REQUEST,
        "fr",
        1.0,
        "urgent; svp; s'il vous plaît; sos; appel à l'aide; détresse; en détresse; "
        "manque de; pénurie; pénuries; besoin de; besoin; nourriture; eau potable; "
        "médicaments; insuline; couvertures; hébergement d'urgence; abri; "
        "isolés; isolées; sans nouvelles d'eux; rupture de stock; rationnement",
    ),
    (
        C.REQUEST,
        "en",
        2.0,
        "help us; please help; send help; need help; needs help; we need help; "
        "need rescue; need rescuing; need to be rescued; need a boat; need boats; "
        "need water; need food; need medicine; need supplies; need insulin; "
        "need a doctor; need medical; need evacuation; need to evacuate; "
        "we are trapped; i am trapped; im trapped; we re trapped; i m trapped; "
        "stuck on the roof; on the roof; on our roof; on their roof; on the rooftop; "
        "stranded; still waiting for rescue; nobody is coming; no one is coming; "
        "can anyone help; can someone help; anyone with a boat; please rescue; "
        "sos; mayday; request for help; requesting help; urgent help; urgently needed; "
        "in desperate need; running out of; ran out of; no drinking water; no clean water",
    ),
    (
        C.REQUEST,
        "en",
        1.0,
        "urgent; urgently; please; need; needs; needed; shortage; shortages; "
        "food and water; supplies; medicine; medication; insulin; formula; diapers; "
        "shelter needed; generator; fuel; blankets; desperate; running low; out of water",
    ),
    (
        C.REQUEST,
        "es",
        2.0,
        "ayuda por favor; auxilio; socorro; necesitamos ayuda; necesito ayuda; "
        "estamos atrapados; estoy atrapado; estoy atrapada; en el techo; en la azotea; "
        "necesitamos agua; necesitamos comida; necesitamos medicinas; se necesita; "
        "se necesitan",
    ),
    (
        C.REQUEST,
        "es",
        1.0,
        "urgente; necesitamos; necesitan; escasez; víveres; agua potable",
    ),
    (
        C.REQUEST,
        "de",
        2.0,
        "hilfe; hilfe bitte; bitte helfen; helft uns; wir brauchen hilfe; "
        "ich brauche hilfe; eingeschlossen; auf dem dach; sitzen fest; "
        "brauchen wasser; brauchen essen; brauchen medikamente",
    ),
    (C.REQUEST, "de", 1.0, "dringend; brauchen; benötigt; mangel an; trinkwasser"),
    (
        C.REQUEST,
        "it",
        2.0,
        "aiuto; aiutateci; aiutatemi; abbiamo bisogno di aiuto; siamo intrappolati; "
        "sono intrappolato; sono intrappolata; sul tetto; servono; serve acqua; "
        "serve cibo; servono medicinali",
    ),
    (
        C.REQUEST,
        "it",
        1.0,
        "urgente; bisogno; abbiamo bisogno; acqua potabile; carenza",
    ),
    # --- injured or dead ------------------------------------------------------------
    (
        C.INJURED_DEAD,
        "fr",
        2.0,
        "blessé; blessés; blessée; blessées; blessé grave; blessés graves; mort; morts; "
        "morte; mortes; décès; décédé; décédée; décédés; été tué; été tués; été tuée; "
        "été tuées; tué par; tués par; personnes tuées; victime; "
        "victimes; bilan humain; bilan provisoire; bilan s'alourdit; corps sans vie; "
        "corps retrouvé; retrouvé mort; retrouvée morte; noyé; noyée; noyés; noyade; "
        "mort noyé; urgence absolue; urgences relatives; hospitalisé; hospitalisés; "
        "hospitalisée; évacué sanitaire; en arrêt cardiaque; a perdu la vie; "
        "ont perdu la vie; sans vie; inconscient; inconsciente; saigne; hémorragie",
    ),
    (
        C.INJURED_DEAD,
        "fr",
        1.0,
        "bilan; blessure; blessures; hôpital; hôpitaux; samu; ambulance; ambulances; "
        "brûlé; brûlés; intoxiqué; intoxiqués; électrocuté; mortel; mortelle; meurtrier; "
        "meurtrière; drame; deuil; funérailles; obsèques",
    ),
    (
        C.INJURED_DEAD,
        "en",
        2.0,
        "injured; injuries; injury; wounded; killed; dead; deaths; death toll; died; "
        "dies; dying; fatalities; fatality; casualties; casualty; body found; "
        "bodies found; bodies recovered; lost their lives; lost his life; lost her life; "
        "drowned; drowning; toll rises; toll climbs; number of dead; confirmed dead; "
        "hospitalized; hospitalised; critically injured; seriously injured; "
        "severely injured; in critical condition; bleeding; unconscious; not breathing; "
        "cpr; killed in; dead in; dead after; people dead; people killed",
    ),
    (
        C.INJURED_DEAD,
        "en",
        1.0,
        "toll; victims; victim; hospital; hospitals; ambulance; ambulances; trauma; "
        "burns; burned; electrocuted; fatal; deadly; death; morgue; funeral; mourning",
    ),
    (
        C.INJURED_DEAD,
        "es",
        2.0,
        "muertos; muerto; muerta; fallecidos; fallecido; heridos; herido; herida; "
        "víctimas; víctima; cifra de muertos; sin vida; ahogado; ahogados",
    ),
    (
        C.INJURED_DEAD,
        "de",
        2.0,
        "toten; verletzte; verletzt; schwer verletzt; opfer; todesopfer; "
        "ertrunken; ums leben gekommen; leiche; leichen",
    ),
    (
        C.INJURED_DEAD,
        "it",
        2.0,
        "morti; morto; morta; vittime; vittima; feriti; ferito; ferita; deceduti; "
        "deceduto; annegato; annegati; bilancio delle vittime",
    ),
    # --- missing or found -------------------------------------------------------------
    (
        C.MISSING_FOUND,
        "fr",
        2.0,
        "disparu; disparus; disparue; disparues; porté disparu; portés disparus; "
        "portée disparue; recherche de; nous recherchons; je recherche; sans nouvelles; "
        "sans nouvelle de; pas de nouvelles de; n'arrive pas à joindre; injoignable; "
        "injoignables; quelqu'un a vu; avez vous vu; avis de recherche; retrouvé sain; "
        "retrouvée saine; retrouvés sains et saufs; sains et saufs; saine et sauve; "
        "sain et sauf; a été retrouvé; a été retrouvée; ont été retrouvés; "
        "recherches se poursuivent; toujours recherché; toujours recherchée; "
        "personnes manquantes; manque à l'appel; manquent à l'appel",
    ),
    (
        C.MISSING_FOUND,
        "fr",
        1.0,
        "recherches; retrouvé; retrouvée; retrouvés; joindre; ne répond plus; "
        "ne répondent plus; des nouvelles de",
    ),
    (
        C.MISSING_FOUND,
        "en",
        2.0,
        "missing; missing person; missing persons; missing people; still missing; "
        "unaccounted for; have you seen; has anyone seen; anyone seen; looking for my; "
        "searching for my; cannot reach; can t reach; cant reach; can t get hold of; "
        "haven t heard from; havent heard from; last seen; found safe; found alive; "
        "safe and sound; been found; were found; was found; reunited; "
        "search continues; search for survivors; search and rescue for; whereabouts",
    ),
    (
        C.MISSING_FOUND,
        "en",
        1.0,
        "search; searching; found; locate; located; survivors; heard from",
    ),
    (
        C.MISSING_FOUND,
        "es",
        2.0,
        "desaparecido; desaparecidos; desaparecida; desaparecidas; se busca; "
        "buscamos a; paradero; encontrado con vida; localizado",
    ),
    (
        C.MISSING_FOUND,
        "de",
        2.0,
        "vermisst; vermisste; vermissten; gesucht; wer hat gesehen; lebend gefunden",
    ),
    (
        C.MISSING_FOUND,
        "it",
        2.0,
        "disperso; dispersi; dispersa; scomparso; scomparsi; scomparsa; "
        "ritrovato vivo; ritrovati vivi; ricerche",
    ),
    # --- displaced and evacuations ------------------------------------------------------
    (
        C.DISPLACED,
        "fr",
        2.0,
        "évacu*; "
        "évacuez; ordre d'évacuation; évacuation obligatoire; évacuation préventive; "
        "sinistrés; sinistré; sinistrée; sans abri; sans abris; sans logement; "
        "relogés; relogement; hébergés; centre d'hébergement; centre d'accueil; "
        "gymnase ouvert; salle polyvalente; mise à l'abri; mis à l'abri; "
        "ont dû quitter; quitter leur domicile; quitter leurs maisons; déplacés; "
        "réfugiés; camping évacué; maisons de retraite évacuée; ehpad évacué",
    ),
    (
        C.DISPLACED,
        "fr",
        1.0,
        "hébergement; accueil; abri; exode; fuir; fuient; ont fui",
    ),
    (
        C.DISPLACED,
        "en",
        2.0,
        "evacuation; evacuations; evacuate; evacuated; evacuating; evacuees; "
        "evacuation order; mandatory evacuation; voluntary evacuation; "
        "ordered to evacuate; displaced; homeless; lost their homes; lost our home; "
        "fled; fleeing; flee; shelter; shelters; emergency shelter; "
        "evacuation center; evacuation centre; relief camp; relief camps; camps; "
        "refugees; relocated; relocation; left homeless; forced from their homes",
    ),
    (C.DISPLACED, "en", 1.0, "sheltering; housed; temporary housing; tents; camp"),
    (
        C.DISPLACED,
        "es",
        2.0,
        "evacuación; evacuados; evacuadas; evacuar; desalojo; desalojados; "
        "damnificados; damnificado; albergue; albergues; refugio temporal; sin hogar",
    ),
    (
        C.DISPLACED,
        "de",
        2.0,
        "evakuierung; evakuiert; evakuierte; evakuieren; notunterkunft; obdachlos; "
        "geflüchtet",
    ),
    (
        C.DISPLACED,
        "it",
        2.0,
        "evacuazione; evacuati; evacuate; evacuato; sfollati; sfollato; senza casa; "
        "senzatetto; tendopoli",
    ),
    # --- infrastructure and utilities damage --------------------------------------------
    (
        C.INFRASTRUCTURE,
        "fr",
        2.0,
        "route coupée; routes coupées; route fermée; routes fermées; route barrée; "
        "routes barrées; route inondée; routes inondées; pont effondré; pont emporté; "
        "pont fermé; ponts fermés; chaussée effondrée; chaussée emportée; "
        "coupure de courant; coupures de courant; coupure d'électricité; "
        "coupures d'électricité; panne de courant; panne d'électricité; "
        "sans électricité; sans courant; privés d'électricité; foyers privés; "
        "coupure d'eau; coupures d'eau; eau coupée; réseau coupé; réseau mobile; "
        "plus de réseau; pas de réseau; coupure téléphonique; voie ferrée; "
        "trafic interrompu; circulation interrompue; trains supprimés; "
        "glissement de terrain; coulée de boue; éboulement; digue rompue; "
        "rupture de digue; rupture de barrage; rupture du barrage; barrage a cédé; "
        "toiture arrachée; toitures arrachées; "
        "toit arraché; maison effondrée; immeuble effondré; bâtiment effondré; "
        "effondrement; dégâts; dégâts importants; dégâts matériels; dommages; "
        "arbres tombés; arbre tombé; poteaux électriques; lignes électriques; "
        "station d'épuration; écoles fermées; hôpital inondé; enedis; "
        "trafic interrompu; trafic perturbé; voie inondée",
    ),
    (
        C.INFRASTRUCTURE,
        "fr",
        1.0,
        "route; routes; pont; ponts; autoroute; a9; a7; a75; rd; départementale; "
        "chaussée; rue inondée; rues inondées; quartier inondé; parking inondé; "
        "sous sol inondé; caves inondées; maisons inondées; électricité; courant; "
        "réseau; télécom; gaz; fuite de gaz; assainissement; détruit; détruite; "
        "barrage; digue; fermé; fermée; fermés; fermées; coupé; coupée; barrée; "
        "détruits; détruites; endommagé; endommagée; endommagés; ravagé; ravagée; "
        "emporté; emportée; emportés; submergé; submergée; submergés",
    ),
    (
        C.INFRASTRUCTURE,
        "en",
        2.0,
        "road closed; roads closed; road closure; road closures; closed roads; "
        "bridge collapsed; bridge washed out; washed out; washed away; "
        "power outage; power outages; power cut; power cuts; without power; "
        "no power; lost power; blackout; outages; downed power lines; power lines down; "
        "lines down; trees down; tree down; water main; water supply cut; no water; "
        "boil water; cell service; no signal; no network; communications down; "
        "landslide; landslides; mudslide; mudslides; dam breach; levee breach; "
        "levee failure; dam failure; roof torn off; roofs torn off; collapsed; "
        "building collapsed; buildings collapsed; destroyed; damaged; damage; "
        "damages; devastation; debris; flooded roads; flooded streets; "
        "flooded homes; flooded houses; airport closed; port closed; "
        "schools closed; infrastructure; utilities; substation",
    ),
    (
        C.INFRASTRUCTURE,
        "en",
        1.0,
        "road; roads; highway; interstate; bridge; bridges; power; electricity; "
        "outage; grid; telecom; gas leak; sewage; flooded; underwater; submerged; "
        "wrecked; ruined; rubble; roof; homes; houses; buildings",
    ),
    (
        C.INFRASTRUCTURE,
        "es",
        2.0,
        "carretera cortada; carreteras cortadas; puente colapsado; sin luz; "
        "apagón; sin electricidad; derrumbe; derrumbes; deslave; deslizamiento; "
        "edificio colapsado; daños; destruido; destruida; destruidas; dañado",
    ),
    (
        C.INFRASTRUCTURE,
        "de",
        2.0,
        "straße gesperrt; straßen gesperrt; gesperrt; brücke eingestürzt; "
        "stromausfall; ohne strom; erdrutsch; schäden; zerstört; eingestürzt; "
        "überflutet; unterspült; damm gebrochen",
    ),
    (
        C.INFRASTRUCTURE,
        "it",
        2.0,
        "strada chiusa; strade chiuse; ponte crollato; crollato; crollata; crolli; "
        "crollo; senza corrente; blackout; frana; frane; danni; distrutto; "
        "distrutta; distrutte; allagato; allagata; allagate",
    ),
    # --- caution and advice ----------------------------------------------------------------
    (
        C.CAUTION,
        "fr",
        2.0,
        "évitez; évitez les déplacements; limitez vos déplacements; "
        "ne prenez pas la route; ne pas prendre la route; restez chez vous; "
        "restez chez soi; restez à l'abri; mettez vous à l'abri; montez à l'étage; "
        "ne vous engagez pas; ne vous engagez jamais; ne traversez pas; "
        "ne pas s'approcher; ne vous approchez pas; éloignez vous; "
        "ne descendez pas; n'allez pas chercher; ne sortez pas; consignes; "
        "consignes de sécurité; conseils de comportement; soyez prudents; "
        "soyez prudent; prudence; restez prudents; vigilance; vigilance rouge; "
        "vigilance orange; alerte rouge; alerte orange; mise en garde; "
        "faites bouillir; eau non potable; ne buvez pas; coupez le gaz; "
        "coupez l'électricité; tenez vous informés; suivez les consignes; "
        "kit d'urgence; préparez; risque de crue; risque d'inondation; "
        "ne retournez pas; ne rentrez pas chez vous; n'entrez pas; méfiez vous; "
        "signalez vous",
    ),
    (
        C.CAUTION,
        "fr",
        1.0,
        "attention; risque; risques; alerte; danger; dangereux; dangereuse; prévision",
    ),
    (
        C.CAUTION,
        "en",
        2.0,
        "stay safe; stay indoors; stay inside; stay home; stay off the roads; "
        "avoid travel; avoid the area; do not travel; don t travel; do not drive; "
        "don t drive; turn around don t drown; turn around dont drown; do not enter; "
        "keep away; stay away; be careful; be prepared; prepare now; precautions; "
        "safety tips; safety advice; warning; warnings; watch; flood warning; "
        "flash flood warning; tornado warning; hurricane warning; storm warning; "
        "advisory; alert; red alert; boil water advisory; do not drink; "
        "shelter in place; take cover; seek higher ground; move to higher ground; "
        "emergency kit; heads up; expected to; forecast; approaching; landfall",
    ),
    (
        C.CAUTION,
        "en",
        1.0,
        "risk; risks; danger; dangerous; hazard; hazardous; caution; careful",
    ),
    (
        C.CAUTION,
        "es",
        2.0,
        "alerta; alerta roja; precaución; tome precauciones; no salga; quédate en casa; "
        "evite; evitar; recomendaciones; aviso",
    ),
    (
        C.CAUTION,
        "de",
        2.0,
        "warnung; unwetterwarnung; vorsicht; bleiben sie zu hause; meiden sie; "
        "nicht betreten; hinweise",
    ),
    (
        C.CAUTION,
        "it",
        2.0,
        "allerta; allerta rossa; allerta meteo; attenzione; restate a casa; evitate; "
        "prudenza; raccomandazioni",
    ),
    # --- rescue, volunteering, donations ----------------------------------------------------
    (
        C.RESCUE_DONATION,
        "fr",
        2.0,
        "dons; faire un don; faites un don; appel aux dons; collecte; cagnotte; "
        "bénévoles; bénévole; bénévolat; solidarité; chaîne de solidarité; "
        "aide humanitaire; distribution; distributions; distribuent; denrées; "
        "croix rouge; protection civile; secours populaire; restos du coeur; "
        "sapeurs pompiers; pompiers; secouristes; sauveteurs; hélitreuill*; "
        "hélicoptère; hélicoptères; sauvetage; "
        "sauvetages; secourus; secourues; secouru; secourue; mis en sécurité; "
        "mises en sécurité; évacués par hélicoptère; renforts; colonne de renfort; "
        "sdis; sécurité civile; bateau; bateaux; embarcation; canoë; "
        "proposer mon aide; je propose; je peux héberger; j'ai de la place",
    ),
    (
        C.RESCUE_DONATION,
        "fr",
        1.0,
        "aide; aider; aidons; soutien financier; matériel; vêtements; gratuitement",
    ),
    (
        C.RESCUE_DONATION,
        "en",
        2.0,
        "donate; donations; donation; donating; donated; fundraiser; fundraising; "
        "gofundme; raise money; raised; relief fund; relief efforts; relief effort; "
        "relief supplies; volunteer; volunteers; volunteering; red cross; redcross; "
        "salvation army; rescue; rescued; rescues; rescuers; rescue teams; "
        "rescue operations; coast guard; national guard; search and rescue; "
        "airlifted; airlift; helicopter; helicopters; boats; boat rescue; "
        "cajun navy; first responders; firefighters; aid; humanitarian aid; "
        "text to give; pledged; pledge; matching donations; drop off; dropoff; "
        "collection point; supplies drive; how to help; ways to help; you can help",
    ),
    (
        C.RESCUE_DONATION,
        "en",
        1.0,
        "help; helping; support; relief; charity; fund; deployed",
    ),
    (
        C.RESCUE_DONATION,
        "es",
        2.0,
        "donaciones; donativos; donar; voluntarios; voluntario; rescate; rescatados; "
        "rescatistas; brigadistas; centro de acopio; acopio; cruz roja; víveres",
    ),
    (
        C.RESCUE_DONATION,
        "de",
        2.0,
        "spenden; spende; helfer; freiwillige; rettung; gerettet; rettungskräfte; "
        "feuerwehr; thw; rotes kreuz",
    ),
    (
        C.RESCUE_DONATION,
        "it",
        2.0,
        "donazioni; donare; raccolta fondi; volontari; volontario; soccorso; "
        "soccorsi; soccorritori; salvati; salvato; vigili del fuoco; "
        "protezione civile; croce rossa",
    ),
    # --- sympathy and support -----------------------------------------------------------------
    (
        C.SYMPATHY,
        "fr",
        2.0,
        "pensées; toutes mes pensées; nos pensées; pensées aux; pensées pour; "
        "je pense à; on pense à; courage à; courage aux; tout mon soutien; "
        "tout notre soutien; soutien aux; soutien à; solidarité avec; "
        "condoléances; sincères condoléances; prières; je prie; prions; "
        "de tout coeur avec; coeur avec vous; avec vous; force à vous; force aux; "
        "triste; tristesse; bouleversé; bouleversée; terrible; horrible; "
        "quelle horreur; affreux; hommage; rendre hommage; émotion; ému; émue; "
        "merci aux pompiers; merci aux secours; bravo aux; respect aux",
    ),
    (
        C.SYMPATHY,
        "en",
        2.0,
        "thoughts and prayers; thoughts prayers; prayers; praying; pray for; "
        "praying for; pray; prayer; my thoughts; our thoughts; thoughts are with; "
        "thinking of; hearts go out; heart goes out; my heart; our hearts; "
        "heartbreaking; heartbroken; condolences; sending love; sending prayers; "
        "stay strong; be strong; god bless; bless; rip; rest in peace; "
        "so sad; devastating; devastated; tragic; tragedy; terrible; horrible; "
        "thank you to; thanks to all; grateful; solidarity; stand with; "
        "standing with; love to; keep safe everyone",
    ),
    (
        C.SYMPATHY,
        "es",
        2.0,
        "oraciones; oremos; fuerza; fuerza méxico; mis condolencias; "
        "pésame; solidaridad con; todo mi apoyo; qué tristeza; dios bendiga",
    ),
    (
        C.SYMPATHY,
        "de",
        2.0,
        "beileid; mitgefühl; gedanken sind bei; in gedanken bei; traurig; "
        "solidarität mit",
    ),
    (
        C.SYMPATHY,
        "it",
        2.0,
        "preghiere; preghiamo; condoglianze; vicinanza; solidarietà; forza; "
        "nel cuore; pensiero va",
    ),
    # --- official communication ----------------------------------------------------------
    (
        C.OFFICIAL,
        "fr",
        2.0,
        "préfecture; préfet; préfète; sous préfecture; arrêté préfectoral; "
        "communiqué; communiqué de presse; point de situation; point presse; "
        "conférence de presse; cellule de crise; cellule interministérielle; "
        "plan orsec; orsec; plan communal de sauvegarde; déclenchement du pcs; cogic; "
        "numéro vert; numéro d'urgence; fr alert; fralert; météo france; "
        "vigicrues; vigilance météo; bulletin; bulletin de vigilance; "
        "ministère de l'intérieur; ministre de l'intérieur; gouvernement; "
        "mairie; le maire; la maire; arrêté municipal; gendarmerie; police nationale; "
        "état de catastrophe naturelle; catastrophe naturelle; info trafic officielle",
    ),
    (
        C.OFFICIAL,
        "en",
        2.0,
        "press release; press conference; official statement; officials say; "
        "authorities say; according to authorities; emergency management; "
        "office of emergency management; oem; fema; nws; national weather service; "
        "national hurricane center; nhc; governor; mayor; county officials; "
        "state of emergency; declared; declares; declaration; sheriff; "
        "police department; department of; ministry; minister; government; "
        "update from; official update; situation report; sitrep; briefing; "
        "hotline; helpline; call 211; emergency number",
    ),
    (
        C.OFFICIAL,
        "es",
        2.0,
        "protección civil; comunicado; gobierno; alcalde; gobernador; "
        "declaratoria de emergencia; estado de emergencia; conferencia de prensa",
    ),
    (
        C.OFFICIAL,
        "de",
        2.0,
        "pressemitteilung; landratsamt; katastrophenfall; katastrophenalarm; "
        "behörden; bürgermeister; polizei; dwd",
    ),
    (
        C.OFFICIAL,
        "it",
        2.0,
        "comunicato; prefettura; prefetto; sindaco; ordinanza; governo; "
        "stato di emergenza; dipartimento della protezione civile",
    ),
    # --- possible rumour ---------------------------------------------------------------------
    (
        C.RUMOUR,
        "fr",
        2.0,
        "rumeur; rumeurs; fausse information; fausses informations; fausse info; "
        "fausses infos; fake news; fake; "
        "intox; infox; canular; il paraît que; il parait que; on dit que; "
        "on m'a dit que; j'ai entendu dire; j'ai entendu que; apparemment; "
        "quelqu'un peut confirmer; qui peut confirmer; c'est vrai que; est ce vrai; "
        "info ou intox; non confirmé; non confirmée; à confirmer; pas confirmé; "
        "selon des rumeurs; partagez avant que; partagez massivement; "
        "les médias n'en parlent pas; on nous cache; ils nous cachent; "
        "vidéo truquée; photo truquée; ancienne photo; vieille photo; "
        "démenti; démentent; la préfecture dément; arrêtez de partager; "
        "ne partagez pas; n'importe quoi; c'est faux; vérifiez vos sources",
    ),
    (
        C.RUMOUR,
        "fr",
        1.5,
        "faites tourner; faites passer; partagez un max; on parle de; "
        "on parle déjà de; aurait cédé; auraient été",
    ),
    (
        C.RUMOUR,
        "en",
        2.0,
        "rumor; rumors; rumour; rumours; fake news; fake; hoax; false; misinformation; "
        "disinformation; unconfirmed; not confirmed; can anyone confirm; "
        "can someone confirm; is it true; is this true; is this real; "
        "apparently; allegedly; i heard; i ve heard; heard that; "
        "word is; supposedly; share before; media won t tell; they are hiding; "
        "cover up; old photo; old picture; photoshopped; doctored; debunked; "
        "not true; fact check; fact checking; false claims; conspiracy",
    ),
    (
        C.RUMOUR,
        "en",
        1.5,
        "spread the word; share this; please share; people say; they say the; "
        "is said to",
    ),
    (
        C.RUMOUR,
        "es",
        2.0,
        "rumor; rumores; falso; noticia falsa; bulo; no confirmado; dicen que",
    ),
    (
        C.RUMOUR,
        "de",
        2.0,
        "gerücht; gerüchte; falschmeldung; falschmeldungen; unbestätigt",
    ),
    (C.RUMOUR, "it", 2.0, "bufala; bufale; notizia falsa; non confermato; si dice che"),
    # --- other relevant (situational information without a more specific class) -----------
    (
        C.OTHER_RELEVANT,
        "fr",
        1.0,
        "inond*; crue; crues; "
        "orage; orages; pluie; pluies; pluies diluviennes; cumul; cumuls; "
        "niveau de l'eau; niveau d'eau; débordement; déborde; montée des eaux; "
        "tempête; tempêtes; incendie; incendies; feu; feux; feu de forêt; "
        "séisme; tremblement de terre; tornade; cyclone; ouragan; canicule; "
        "situation; en direct; actuellement; ce matin; cette nuit; images; vidéo; "
        "épisode cévenol; épisode méditerranéen; décrue",
    ),
    (
        C.OTHER_RELEVANT,
        "en",
        1.0,
        "flood; floods; flooding; flash flood; rain; rainfall; storm; storms; "
        "hurricane; cyclone; typhoon; tornado; earthquake; quake; aftershock; "
        "aftershocks; wildfire; wildfires; fire; fires; blaze; smoke; water levels; "
        "river levels; rising; crest; cresting; winds; gusts; category; "
        "magnitude; live updates; latest; update; footage; video; photos; aerial",
    ),
    (
        C.OTHER_RELEVANT,
        "es",
        1.0,
        "inundación; inundaciones; sismo; terremoto; huracán; incendio; lluvias",
    ),
    (
        C.OTHER_RELEVANT,
        "de",
        1.0,
        "hochwasser; überschwemmung; flut; sturm; unwetter; erdbeben; waldbrand",
    ),
    (
        C.OTHER_RELEVANT,
        "it",
        1.0,
        "alluvione; inondazione; terremoto; scossa; incendio; maltempo; nubifragio",
    ),
    # --- not relevant (spam, promotion, figurative uses) ---------------------------------------
    (
        C.NOT_RELEVANT,
        "fr",
        2.0,
        "concours; à gagner; jeu concours; code promo; promo; soldes; abonnez vous; "
        "abonne toi; followback; like et rt; inondé de messages; inondée de messages; "
        "déluge de buts; tempête de cerveau; feu d'artifice; feux d'artifice; "
        "match de foot; ligue 1; album; concert; nouvelle saison; crypto; bitcoin",
    ),
    (
        C.NOT_RELEVANT,
        "en",
        2.0,
        "giveaway; win a; promo code; discount; on sale; for sale; subscribe; follow back; "
        "followback; follow me; check out my; new video; my new; flooded with messages; "
        "flood of emails; brainstorm; brainstorming; storm of tweets; on fire tonight; "
        "fire emoji; playoff; playoffs; touchdown; nfl; nba; fantasy football; "
        "album; mixtape; concert; episode; season finale; crypto; bitcoin; nft",
    ),
    (
        C.NOT_RELEVANT,
        "es",
        2.0,
        "sorteo; promoción; descuento; suscríbete; gol; concierto",
    ),
    (C.NOT_RELEVANT, "de", 2.0, "gewinnspiel; rabatt; abonnieren; fußball; konzert"),
    (C.NOT_RELEVANT, "it", 2.0, "concorso; sconto; iscriviti; partita; concerto"),
)

# Urgency: what makes a post about people in danger now. (language, weight, phrases)
# Weights combine as independent signals: urgency = 1 - prod(1 - w).
URGENCY: Final[tuple[tuple[str, float, str], ...]] = (
    (
        "fr",
        0.8,
        "au secours; à l'aide; aidez nous; aidez moi; coincé; coincée; coincés; "
        "coincées; pris au piège; prise au piège; piégé; piégée; piégés; sur le toit; "
        "sur notre toit; réfugiés sur le toit; l'eau monte; l eau monte; eau monte; "
        "l'eau continue de monter; eau qui monte; l'eau arrive; on se noie; "
        "va se noyer; en train de se noyer; n'arrive plus à respirer; "
        "ne peut plus respirer; ne respire plus; j'étouffe; étouffe; "
        "sous les décombres; ensevelis; enseveli; ensevelie; encerclés par les flammes; "
        "encerclés par l'eau; cernés par l'eau; emporté par le courant; "
        "emportée par le courant; emportés par les eaux; personne ne répond; "
        "les secours ne répondent pas; on attend les secours; venez vite; "
        "accroché à un arbre; accrochée à un arbre; accrochés à; on entend crier; "
        "appelle à l'aide; appellent à l'aide; crie à l'aide; l'eau arrive aux",
    ),
    (
        "fr",
        0.5,
        "bloqué; bloquée; bloqués; bloquées; isolés; isolée; isolé; sos; urgence; "
        "urgent; détresse; en détresse; inconscient; inconsciente; saigne; "
        "hémorragie; crise cardiaque; arrêt cardiaque; blessé grave; blessés graves; "
        "ne répond plus; ne répondent plus; l'eau rentre; l'eau entre; "
        "de l'eau dans la maison; "
        "noyade; disparu; disparue; sans nouvelles",
    ),
    (
        "fr",
        0.35,
        "enfant; enfants; bébé; bébés; nourrisson; nouveau né; personne âgée; "
        "personnes âgées; grand mère; grand père; mamie; papi; handicapé; handicapée; "
        "fauteuil roulant; femme enceinte; enceinte; dialyse; oxygène; sous oxygène; "
        "insuline; malade; ehpad; maison de retraite; animaux; seule chez elle; "
        "seul chez lui; en fauteuil",
    ),
    ("fr", 0.2, "vite; maintenant; en ce moment; actuellement; immédiatement; svp"),
    (
        "en",
        0.8,
        "help us; please help; send help; trapped; stuck on the roof; on the roof; "
        "on our roof; on the rooftop; in the attic; water is rising; water rising; "
        "water keeps rising; water coming in; drowning; can t breathe; cant breathe; "
        "clinging to a tree; clinging to; screaming for help; calling for help; "
        "cannot breathe; not breathing; under the rubble; buried; swept away; "
        "surrounded by water; surrounded by fire; nobody is coming; no one is coming; "
        "still waiting for rescue; need rescue; need to be rescued; mayday; call 911",
    ),
    (
        "en",
        0.5,
        "stranded; stuck; sos; urgent; urgently; emergency; unconscious; bleeding; "
        "water coming under; water in the house; water inside; not answering; "
        "not answering the phone; no answer; "
        "heart attack; seriously injured; critically injured; missing; "
        "cannot reach; can t reach; cant reach; last seen; need a boat",
    ),
    (
        "en",
        0.35,
        "child; children; kids; baby; babies; infant; newborn; elderly; "
        "grandmother; grandfather; grandma; grandpa; disabled; wheelchair; "
        "pregnant; dialysis; oxygen; insulin; nursing home; sick; pets",
    ),
    ("en", 0.2, "asap; right now; now; immediately; hurry; please"),
    (
        "es",
        0.8,
        "auxilio; socorro; atrapado; atrapada; atrapados; en el techo; en la azotea; "
        "bajo los escombros; el agua sube; nos ahogamos",
    ),
    (
        "es",
        0.35,
        "niños; niño; bebé; ancianos; anciana; anciano; embarazada; discapacitado",
    ),
    (
        "de",
        0.8,
        "hilfe; eingeschlossen; auf dem dach; sitzen fest; verschüttet; "
        "das wasser steigt; ertrinken",
    ),
    ("de", 0.35, "kinder; baby; ältere; senioren; schwanger; rollstuhl"),
    (
        "it",
        0.8,
        "aiuto; aiutateci; intrappolati; intrappolato; intrappolata; sul tetto; "
        "sotto le macerie; l'acqua sale",
    ),
    (
        "it",
        0.35,
        "bambini; bambino; neonato; anziani; anziana; anziano; incinta; disabile",
    ),
)

# Words that, just before a signal, cancel its urgency ("aucun blessé", "no one trapped").
NEGATORS: Final[frozenset[str]] = frozenset(
    fold(w)
    for w in [
        "pas",
        "aucun",
        "aucune",
        "sans",
        "ni",
        "jamais",
        "no",
        "not",
        "none",
        "nobody",
        "without",
        "never",
        "isn",
        "t",
        "wasn",
        "t",
        "aren",
        "t",
        "weren",
        "t",
        "sin",
        "ningún",
        "ninguna",
        "ningun",
        "nadie",
        "kein",
        "keine",
        "keinen",
        "keiner",
        "ohne",
        "nicht",
        "nessun",
        "nessuna",
        "nessuno",
        "senza",
        "non",
    ]
)
_NEGATION_WINDOW = 3

_TOKEN = re.compile(r"\w+")
_COMBINING = re.compile(
    r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)


@dataclass(frozen=True, slots=True)
class Signal:
    """One matched lexicon phrase: a category (or "" for urgency) and a weight."""

    phrase: str
    category: str  # "" for an urgency signal
    weight: float
    length: int = 1  # in words


@dataclass
class _Index:
    """Phrases by their first word, prefixes by their length: a few lookups per word."""

    phrases: dict[str, list[tuple[tuple[str, ...], Signal]]] = field(
        default_factory=dict
    )
    prefixes: dict[str, list[Signal]] = field(default_factory=dict)
    prefix_lengths: tuple[int, ...] = ()

    def add(self, signal: Signal) -> None:
        words = tuple(signal.phrase.split())
        if not words:
            return
        if len(words) == 1 and words[0].endswith("*"):
            self.prefixes.setdefault(words[0][:-1], []).append(signal)
            return
        self.phrases.setdefault(words[0], []).append((words[1:], signal))

    def freeze(self) -> None:
        self.prefix_lengths = tuple(sorted({len(p) for p in self.prefixes}))
        for entries in self.phrases.values():
            entries.sort(key=lambda e: -len(e[0]))  # longest phrase first


def _split(phrases: str) -> list[str]:
    return [p.strip() for p in phrases.split(";") if p.strip()]


def _signal(phrase: str, category: str, weight: float) -> Signal:
    folded = fold(phrase)
    return Signal(folded, category, weight, len(folded.split()))


@lru_cache(maxsize=1)
def _indexes() -> dict[str, _Index]:
    """One index per lexicon language (its terms, plus English ones: posts in every
    language borrow English words and hashtags), and one with every term for unknown
    languages. English terms that are French words too were left out on purpose."""
    per_lang: dict[str, list[Signal]] = {lang: [] for lang in LANGUAGES}
    for category, lang, weight, phrases in TERMS:
        per_lang[lang].extend(
            _signal(p, str(category), weight) for p in _split(phrases)
        )
    for lang, weight, phrases in URGENCY:
        per_lang[lang].extend(_signal(p, "", weight) for p in _split(phrases))
    indexes: dict[str, _Index] = {}
    for key in (*LANGUAGES, ""):
        index = _Index()
        seen: set[tuple[str, str]] = set()
        for lang, entries in per_lang.items():
            if key in ("", lang) or lang == "en":
                for signal in entries:
                    # the same phrase twice for one category (two languages): keep the first
                    if (signal.phrase, signal.category) not in seen:
                        seen.add((signal.phrase, signal.category))
                        index.add(signal)
        index.freeze()
        indexes[key] = index
    return indexes


def tokens(text: str) -> list[str]:
    """Folded words of a text, as the lexicon sees them (`fold`, then words).

    Same result as `fold` on Latin scripts, without its per-character Python loop:
    this runs on every post.
    """
    text = text.lower()
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return _TOKEN.findall(text)


def signals(text: str, lang: str = "") -> list[tuple[Signal, bool]]:
    """Every lexicon phrase found in `text`, each with whether it is negated.

    `lang` picks the language's terms (a code the lexicon lacks, or "", uses all of
    them: short posts are often mislabelled or mixed). A phrase counts once, and a
    phrase inside a longer one of the same category found first does not count
    ("sur le toit" inside "réfugiés sur le toit").
    """
    indexes = _indexes()
    index = indexes.get(lang[:2].lower() if lang else "") or indexes[""]
    words = tokens(text)
    n = len(words)
    phrases = index.phrases
    prefixes = index.prefixes
    prefix_lengths = index.prefix_lengths
    found: dict[tuple[str, str], tuple[Signal, bool]] = {}
    covered: dict[str, int] = {}  # category -> end of its last matched span
    for i, word in enumerate(words):
        candidates = phrases.get(word)
        hits: list[Signal] = []
        if candidates:
            for rest, signal in candidates:
                if not rest:
                    hits.append(signal)
                    continue
                end = i + 1 + len(rest)
                if end <= n and tuple(words[i + 1 : end]) == rest:
                    hits.append(signal)
        if prefixes:
            for length in prefix_lengths:
                if length > len(word):
                    break
                hits.extend(prefixes.get(word[:length], ()))
        if not hits:
            continue
        negated = any(w in NEGATORS for w in words[max(0, i - _NEGATION_WINDOW) : i])
        for signal in hits:
            end = i + signal.length
            if covered.get(signal.category, -1) >= end:
                continue
            covered[signal.category] = end
            found.setdefault((signal.phrase, signal.category), (signal, negated))
    return list(found.values())


# How much a negated category phrase still counts ("aucun blessé" is still about injuries).
NEGATED_CATEGORY_WEIGHT: Final = 0.3


# A life-safety signal ("trapped", "l'eau monte") is also evidence of an urgent need.
LIFE_SAFETY: Final = 0.8
_REQUEST = CATEGORY_INDEX[Category.REQUEST]


def score(text: str, lang: str = "") -> tuple[npt.NDArray[np.float64], float]:
    """Evidence per category (in CATEGORIES order) and urgency in [0, 1)."""
    evidence = np.zeros(len(CATEGORIES))
    calm = 1.0
    for signal, negated in signals(text, lang):
        if signal.category:
            evidence[CATEGORY_INDEX[signal.category]] += (
                signal.weight * NEGATED_CATEGORY_WEIGHT if negated else signal.weight
            )
        elif not negated:
            calm *= 1.0 - signal.weight
            if signal.weight >= LIFE_SAFETY:
                evidence[_REQUEST] += 1.0
    return evidence, 1.0 - calm


def score_batch(
    texts: Sequence[str], langs: Sequence[str]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """`score` for many texts: an (n, categories) evidence matrix and an urgency vector."""
    evidence = np.zeros((len(texts), len(CATEGORIES)))
    urgency = np.zeros(len(texts))
    for row, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        evidence[row], urgency[row] = score(text, lang)
    return evidence, urgency
