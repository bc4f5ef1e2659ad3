"""Deterministic demo data: an epidemic wave moving across regions, and every domain filled from it."""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from data_access.models import (
    ALL_AGES,
    CLUSTER_SETTINGS,
    BedReport,
    Cluster,
    Department,
    Establishment,
    HospitalOpenData,
    Mission,
    Molecule,
    Profession,
    Region,
    SlotReport,
    StaffingNeed,
    StockReport,
    TestCount,
    TracingDaily,
    Unit,
    User,
    Volunteer,
    WaitingListEntry,
    utcnow,
)
from services import audit
from services.auth import MIN_PASSWORD_LENGTH, hash_password
from services.reference import load_reference

DEMO_PASSWORD = "demo-situation-2020"
CHANNEL = "demo"
SOURCE = "demo"
MIN_DAYS, MAX_DAYS = 7, 800


class DemoError(ValueError):
    """The demo data cannot be seeded as asked; the message says why, in French."""


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    description: str


# The accounts the demo creates, all with the same password (DEMO_PASSWORD unless another is given).
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin@demo.fr", "admin", "Administrateur : comptes, établissements, liens de déclaration, imports."),
    DemoAccount("national@demo.fr", "national", "Cellule nationale : lecture de toute la France."),
    DemoAccount(
        "ars.grandest@demo.fr",
        "regional",
        "Cellule régionale de l'ARS Grand Est (région 44 ; à défaut, la première région semée).",
    ),
    DemoAccount(
        "tracing@demo.fr",
        "tracing",
        "Plateforme de contact-tracing des départements semés du Grand Est (à défaut, des deux premiers).",
    ),
    DemoAccount(
        "declarant@demo.fr",
        "reporter",
        "Déclarant du premier hôpital du premier département de cette région, et de sa pharmacie (PUI).",
    ),
)


@dataclass(frozen=True)
class DemoSummary:
    """What was seeded: the window, the departments, and the number of rows written per table."""

    departments: tuple[str, ...]
    start: date
    end: date
    now: datetime
    establishments: int = 0
    units: int = 0
    bed_reports: int = 0
    hospital_open_data: int = 0
    stock_reports: int = 0
    staffing_needs: int = 0
    volunteers: int = 0
    missions: int = 0
    test_counts: int = 0
    tracing_daily: int = 0
    clusters: int = 0
    slot_reports: int = 0
    waiting_list: int = 0
    users: int = 0
    accounts: tuple[DemoAccount, ...] = ()

    def counts(self) -> dict[str, int]:
        """Rows written per table."""
        return {f.name: getattr(self, f.name) for f in fields(self) if type(getattr(self, f.name)) is int}


# --- The epidemic -------------------------------------------------------------------------------------------------

# Per region: weeks behind the first regions (Grand Est, Île-de-France) and relative strength of the wave.
# Overseas regions follow their own timing: the Antilles and Guyane ahead of mainland France, Réunion and
# Mayotte behind it.
REGION_WAVES: dict[str, tuple[float, float]] = {
    "44": (0.0, 1.00),
    "11": (0.3, 1.10),
    "32": (1.0, 1.00),
    "27": (1.5, 0.95),
    "84": (2.0, 1.30),
    "93": (2.5, 1.00),
    "24": (2.5, 0.80),
    "76": (3.0, 0.90),
    "28": (3.0, 0.80),
    "94": (3.0, 0.70),
    "75": (3.5, 0.75),
    "52": (3.5, 0.75),
    "53": (4.0, 0.60),
    "01": (-2.0, 0.90),
    "02": (-1.5, 0.80),
    "03": (-4.0, 1.00),
    "04": (5.0, 0.70),
    "06": (3.0, 0.90),
}
DEFAULT_REGION_WAVE = (2.0, 0.80)
BASE_INCIDENCE = 2.5  # daily cases per 100 000 between waves
PEAK_INCIDENCE = 65.0  # daily cases per 100 000 at the peak of a wave of strength 1
HOSPITAL_LAG = 10.0  # days from infection curve to hospital load
BASE_PRESSURE = 0.03

# Age classes of SI-DEP: population share, propensity to be tested, relative positivity.
AGE_CLASSES: tuple[tuple[str, float, float, float], ...] = (
    ("09", 0.115, 0.45, 0.60),
    ("19", 0.121, 1.10, 1.25),
    ("29", 0.113, 1.40, 1.25),
    ("39", 0.121, 1.20, 1.00),
    ("49", 0.128, 1.10, 1.00),
    ("59", 0.131, 1.00, 0.95),
    ("69", 0.120, 0.80, 0.85),
    ("79", 0.088, 0.80, 0.85),
    ("89", 0.048, 1.20, 1.00),
    ("90", 0.015, 1.60, 1.10),
)
# Fewer samples at weekends (Monday first); the last days lack results still arriving.
WEEKDAY_TESTING = (1.05, 1.10, 1.05, 1.00, 1.00, 0.70, 0.30)
INCOMPLETE_TAIL = (0.93, 0.80, 0.55)


# --- Hospitals ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _UnitProfile:
    """How one bed type is sized and how it fills during a wave (per bed of pre-crisis capacity)."""

    beds_per_100k: float
    min_beds: int
    surge: tuple[float, float]  # installed ÷ baseline after the crisis extensions
    other: float  # non-COVID occupancy outside waves
    deprogramming: float  # share of that activity postponed at the peak
    covid: float  # COVID patients per baseline bed at hospital pressure 1
    delay: float  # extra days behind the hospital wave (post-acute care)
    staff_closure: float  # share of installed beds closed for want of staff at the peak
    invasive: tuple[float, float]  # share of COVID / other patients under invasive ventilation
    noninvasive: tuple[float, float]
    invasive_per_bed: float  # ventilators per installed bed
    noninvasive_per_bed: float


UNIT_PROFILES: dict[str, _UnitProfile] = {
    "REA_ADULTE": _UnitProfile(7.5, 6, (1.4, 1.9), 0.72, 0.30, 0.9, 0.0, 0.08, (0.60, 0.45), (0.15, 0.05), 1.0, 0.3),
    "REA_PED": _UnitProfile(1.2, 4, (1.0, 1.1), 0.70, 0.10, 0.06, 0.0, 0.03, (0.30, 0.40), (0.10, 0.10), 1.0, 0.2),
    "SOINS_INTENSIFS": _UnitProfile(
        9.0, 4, (1.0, 1.15), 0.75, 0.25, 0.35, 0.0, 0.05, (0.08, 0.05), (0.25, 0.08), 0.2, 0.3
    ),
    "USC": _UnitProfile(8.0, 4, (1.1, 1.3), 0.70, 0.25, 0.55, 0.0, 0.05, (0.0, 0.0), (0.35, 0.08), 0.0, 0.6),
    "MEDECINE": _UnitProfile(120.0, 20, (1.0, 1.08), 0.84, 0.08, 0.22, 0.0, 0.04, (0.0, 0.0), (0.0, 0.0), 0.0, 0.0),
    "CHIRURGIE": _UnitProfile(70.0, 15, (1.0, 1.0), 0.78, 0.45, 0.04, 0.0, 0.03, (0.0, 0.0), (0.0, 0.0), 0.0, 0.0),
    "SSR": _UnitProfile(80.0, 15, (1.0, 1.0), 0.86, 0.05, 0.12, 12.0, 0.02, (0.0, 0.0), (0.0, 0.0), 0.0, 0.0),
}
BED_LABELS = {
    "REA_ADULTE": "Réanimation adulte",
    "REA_PED": "Réanimation pédiatrique",
    "SOINS_INTENSIFS": "Soins intensifs",
    "USC": "Surveillance continue",
    "MEDECINE": "Médecine",
    "CHIRURGIE": "Chirurgie",
    "SSR": "Soins de suite et de réadaptation",
}
HOSPITAL_BED_TYPES = ("REA_ADULTE", "SOINS_INTENSIFS", "USC", "MEDECINE", "CHIRURGIE", "SSR")
CHU_BED_TYPES = ("REA_ADULTE", "REA_PED", "SOINS_INTENSIFS", "USC", "MEDECINE", "CHIRURGIE", "SSR")
CRITICAL_BED_TYPES = frozenset({"REA_ADULTE", "REA_PED", "SOINS_INTENSIFS", "USC"})
# Share of a department's beds each kind of hospital holds, and how many COVID patients it takes in.
KIND_WEIGHT = {"CHU": 3.0, "CH": 1.5, "ESPIC": 0.8, "CLINIQUE": 0.7}
KIND_COVID = {"CHU": 1.25, "CH": 1.0, "ESPIC": 0.8, "CLINIQUE": 0.5}
CLINIC_NAMES = (
    "Clinique Saint-Joseph",
    "Clinique du Parc",
    "Polyclinique des Cèdres",
    "Clinique Pasteur",
    "Polyclinique Sainte-Marie",
    "Clinique de l'Union",
)
ESPIC_NAMES = (
    "Hôpital Saint-Vincent",
    "Groupe hospitalier mutualiste",
    "Hôpital privé protestant",
    "Fondation Hôpital Saint-Camille",
    "Hôpital Notre-Dame de Bon Secours",
)

# Units dispensed per day: per ventilated patient, per occupied surgical bed, per COVID inpatient.
MOLECULE_USE: dict[str, tuple[float, float, float]] = {
    "MIDAZOLAM": (6.0, 0.05, 0.0),
    "PROPOFOL": (4.0, 0.30, 0.0),
    "ATRACURIUM": (2.5, 0.10, 0.0),
    "CISATRACURIUM": (3.5, 0.05, 0.0),
    "ROCURONIUM": (1.0, 0.25, 0.0),
    "NORADRENALINE": (3.0, 0.02, 0.0),
    "SUFENTANIL": (5.0, 0.30, 0.0),
    "DEXAMETHASONE": (0.3, 0.02, 0.8),
}
DEFAULT_MOLECULE_USE = (1.0, 0.10, 0.10)

# Staff needed per critical-care bed, per bed of any kind, per surgical bed; and how short each runs at the peak.
STAFF_RATIOS: dict[str, tuple[float, float, float, float]] = {
    "MED_REA": (1 / 8, 0.0, 0.0, 0.20),
    "IDE": (1 / 2, 1 / 10, 0.0, 0.25),
    "IADE": (1 / 10, 0.0, 0.0, 0.25),
    "IBODE": (0.0, 0.0, 1 / 12, 0.10),
    "AS": (1 / 2.5, 1 / 9, 0.0, 0.20),
    "KINE": (0.0, 1 / 60, 0.0, 0.10),
}
DEFAULT_STAFF_RATIO = (0.0, 1 / 40, 0.0, 0.10)
VOLUNTEER_PROFESSIONS = {"IDE": 0.35, "AS": 0.25, "KINE": 0.15, "IADE": 0.10, "MED_REA": 0.08, "IBODE": 0.07}

# Geographic telephone prefixes by region (overseas numbers keep their 4-digit prefix).
PHONE_PREFIX = {
    "11": "01",
    "24": "02",
    "28": "02",
    "52": "02",
    "53": "02",
    "27": "03",
    "32": "03",
    "44": "03",
    "84": "04",
    "93": "04",
    "94": "04",
    "75": "05",
    "76": "05",
    "01": "0590",
    "02": "0596",
    "03": "0594",
    "04": "0262",
    "06": "0269",
}

CLUSTER_NAMES: dict[str, tuple[str, ...]] = {
    "care_home": ("EHPAD Les Tilleuls", "EHPAD Résidence du Parc", "EHPAD Les Glycines", "Foyer-logement Les Lilas"),
    "hospital": ("Service de médecine polyvalente", "Service de gériatrie", "Unité de soins de longue durée"),
    "school": ("Collège Jules-Ferry", "Lycée Victor-Hugo", "Résidence universitaire", "École élémentaire du Centre"),
    "workplace": ("Abattoir", "Plateforme logistique", "Centre d'appels", "Chantier de travaux publics"),
    "family": ("Rassemblement familial", "Fête de famille"),
    "event": ("Mariage", "Soirée étudiante", "Tournoi sportif", "Célébration religieuse"),
    "other": ("Foyer d'hébergement", "Centre pénitentiaire", "Camp de saisonniers"),
}
CLUSTER_SETTING_WEIGHTS = {
    "care_home": 0.22,
    "hospital": 0.10,
    "school": 0.20,
    "workplace": 0.22,
    "family": 0.10,
    "event": 0.10,
    "other": 0.06,
}

# A few communes per department (the prefecture first), with their coordinates; from the 2021 list of
# vaccination sites (data.gouv.fr, Licence Ouverte).
_COMMUNES_TABLE = """
01;Bourg-en-Bresse;46.205;5.226
01;Ambérieu-en-Bugey;45.961;5.348
01;Belley;45.750;5.683
01;Gex;46.322;6.058
02;Laon;49.563;3.611
02;Saint-Quentin;49.859;3.291
02;Hirson;49.925;4.077
02;Bohain-en-Vermandois;49.986;3.454
03;Moulins;46.567;3.330
03;Montluçon;46.347;2.604
03;Saint-Pourçain-sur-Sioule;46.313;3.287
03;Vichy;46.124;3.427
04;Digne-les-Bains;44.085;6.203
04;Manosque;43.828;5.801
04;Barcelonnette;44.386;6.652
04;Castellane;43.846;6.511
05;Gap;44.559;6.079
05;Briançon;44.902;6.632
05;Embrun;44.561;6.492
05;Laragne-Montéglin;44.320;5.817
06;Nice;43.700;7.262
06;Cannes;43.551;6.999
06;Antibes;43.597;7.115
06;Biot;43.629;7.100
07;Privas;44.730;4.589
07;Annonay;45.252;4.668
07;Aubenas;44.613;4.398
07;Bourg-Saint-Andéol;44.380;4.642
08;Charleville-Mézières;49.759;4.704
08;Asfeld;49.463;4.110
08;Aubrives;50.105;4.752
08;Bogny-sur-Meuse;49.851;4.766
09;Foix;42.964;1.596
09;Pamiers;43.107;1.624
09;Ax-les-Thermes;42.719;1.840
09;Castillon-en-Couserans;42.920;1.028
10;Troyes;48.296;4.086
10;Bar-sur-Aube;48.235;4.702
10;Bar-sur-Seine;48.119;4.374
10;Romilly-sur-Seine;48.516;3.726
11;Carcassonne;43.215;2.370
11;Narbonne;43.182;3.009
11;Castelnaudary;43.315;1.962
11;Cazilhac;43.185;2.364
12;Rodez;44.360;2.554
12;Decazeville;44.560;2.263
12;Espalion;44.527;2.761
12;Millau;44.102;3.063
13;Marseille;43.299;5.392
13;Aubagne;43.294;5.564
13;Arles;43.672;4.621
13;Vitrolles;43.433;5.262
14;Caen;49.190;-0.362
14;Bayeux;49.274;-0.701
14;Falaise;48.896;-0.195
14;Ifs;49.138;-0.349
15;Aurillac;44.918;2.433
15;Mauriac;45.217;2.337
15;Saint-Flour;45.034;3.086
16;Angoulême;45.656;0.179
16;Aigre;45.893;0.011
16;Barbezieux-Saint-Hilaire;45.474;-0.138
16;Châteaubernard;45.687;-0.301
17;La Rochelle;46.157;-1.149
17;Jonzac;45.439;-0.428
17;Rochefort;45.951;-0.961
17;Saintes;45.744;-0.642
18;Bourges;47.075;2.397
18;Aubigny-sur-Nère;47.484;2.448
18;Avord;47.032;2.650
18;Baugy;47.081;2.728
19;Tulle;45.274;1.777
19;Brive-la-Gaillarde;45.165;1.526
19;Argentat-sur-Dordogne;45.094;1.935
19;Beynat;45.123;1.725
21;Dijon;47.324;5.058
21;Époisses;47.505;4.174
21;Arnay-le-Duc;47.130;4.483
21;Châtillon-sur-Seine;47.850;4.576
22;Saint-Brieuc;48.498;-2.756
22;Dinan;48.449;-2.043
22;Lannion;48.727;-3.460
22;Guingamp;48.564;-3.160
23;Guéret;46.166;1.873
23;Aubusson;45.960;2.184
23;Bourganeuf;45.953;1.751
23;Boussac;46.349;2.215
24;Périgueux;45.191;0.724
24;Bergerac;44.849;0.485
24;Excideuil;45.337;1.052
24;La Force;44.869;0.380
25;Besançon;47.231;5.993
25;Audincourt;47.481;6.840
25;Baume-les-Dames;47.352;6.362
25;Maîche;47.255;6.797
26;Valence;44.912;4.906
26;Die;44.754;5.371
26;Montélimar;44.564;4.752
26;Nyons;44.356;5.136
27;Évreux;49.028;1.124
27;Gisors;49.279;1.766
27;Les Andelys;49.247;1.408
27;Vernon;49.093;1.485
28;Chartres;48.452;1.516
28;Châteaudun;48.070;1.342
28;Dreux;48.730;1.372
28;Nogent-le-Rotrou;48.317;0.830
29;Quimper;47.985;-4.086
29;Brest;48.395;-4.512
29;Douarnenez;48.080;-4.325
29;Garlan;48.585;-3.791
2A;Ajaccio;41.929;8.742
2A;Cargèse;42.140;8.598
2A;Peri;42.004;8.921
2A;Porto-Vecchio;41.600;9.278
2B;Bastia;42.681;9.437
2B;Calvi;42.550;8.760
2B;Corte;42.302;9.155
2B;L'Île-Rousse;42.628;8.929
30;Nîmes;43.823;4.342
30;Alès;44.133;4.093
30;Le Vigan;43.993;3.608
30;Uzès;44.010;4.416
31;Toulouse;43.589;1.444
31;Muret;43.450;1.322
31;Auterive;43.351;1.484
31;Bagnères-de-Luchon;42.785;0.596
32;Auch;43.641;0.583
32;Condom;43.957;0.376
32;Cazaubon;43.935;-0.073
32;Eauze;43.861;0.103
33;Bordeaux;44.833;-0.595
33;Libourne;44.911;-0.234
33;Arcachon;44.653;-1.177
33;Arès;44.756;-1.126
34;Montpellier;43.618;3.878
34;Béziers;43.334;3.211
34;Sète;43.413;3.698
34;Agde;43.299;3.484
35;Rennes;48.106;-1.686
35;Saint-Malo;48.640;-2.014
35;Bain-de-Bretagne;47.831;-1.686
35;Dol-de-Bretagne;48.550;-1.747
36;Châteauroux;46.808;1.701
36;Argenton-sur-Creuse;46.586;1.516
36;Buzançais;46.888;1.423
36;Châtillon-sur-Indre;46.987;1.172
37;Tours;47.389;0.676
37;Amboise;47.411;0.980
37;Chambray-lès-Tours;47.342;0.722
37;Joué-lès-Tours;47.355;0.657
38;Grenoble;45.186;5.734
38;Vienne;45.525;4.875
38;Beaurepaire;45.339;5.058
38;Bourgoin-Jallieu;45.590;5.277
39;Lons-le-Saunier;46.675;5.555
39;Arbois;46.904;5.771
39;Arinthod;46.394;5.565
39;Champagnole;46.748;5.910
40;Mont-de-Marsan;43.889;-0.482
40;Dax;43.704;-1.048
40;Aire-sur-l'Adour;43.700;-0.263
40;Amou;43.592;-0.745
41;Blois;47.597;1.322
41;Lamotte-Beuvron;47.590;2.026
41;Le Controis-en-Sologne;47.418;1.426
41;Mondoubleau;47.985;0.894
42;Saint-Étienne;45.423;4.409
42;Saint-Priest-en-Jarez;45.481;4.362
42;Andrézieux-Bouthéon;45.526;4.254
42;Feurs;45.745;4.223
43;Le Puy-en-Velay;45.049;3.877
43;Brioude;45.297;3.382
43;Craponne-sur-Arzon;45.329;3.848
43;Langeac;45.095;3.494
44;Nantes;47.221;-1.543
44;Ancenis-Saint-Géréon;47.364;-1.185
44;Blain;47.474;-1.765
44;Châteaubriant;47.720;-1.389
45;Orléans;47.870;1.916
45;Beaugency;47.782;1.620
45;Gien;47.699;2.629
45;Amilly;47.998;2.770
46;Cahors;44.447;1.437
46;Cœur de Causse;44.649;1.569
46;Figeac;44.610;2.030
46;Gourdon;44.736;1.378
47;Agen;44.201;0.633
47;Marmande;44.505;0.154
47;Nérac;44.136;0.337
47;Villeneuve-sur-Lot;44.407;0.746
48;Mende;44.523;3.490
48;Florac Trois Rivières;44.327;3.596
48;La Canourgue;44.431;3.214
48;Langogne;44.725;3.841
49;Angers;47.480;-0.557
49;Baugé-en-Anjou;47.541;-0.101
49;Beaupréau-en-Mauges;47.253;-0.898
49;Cholet;47.051;-0.878
50;Saint-Lô;49.106;-1.107
50;Cherbourg-en-Cotentin;49.630;-1.613
50;Avranches;48.693;-1.351
50;Coutances;49.049;-1.446
51;Châlons-en-Champagne;48.971;4.372
51;Reims;49.247;4.028
51;Vitry-le-François;48.724;4.587
51;Épernay;49.041;3.952
52;Chaumont;48.122;5.139
52;Bourbonne-les-Bains;47.954;5.745
52;Langres;47.867;5.337
52;Saint-Dizier;48.657;4.967
53;Laval;48.066;-0.777
53;Château-Gontier-sur-Mayenne;47.825;-0.698
53;Craon;47.849;-0.957
53;Ernée;48.299;-0.920
54;Nancy;48.683;6.190
54;Toul;48.674;5.890
54;Cosnes-et-Romain;49.528;5.754
54;Essey-lès-Nancy;48.702;6.217
55;Bar-le-Duc;48.783;5.165
55;Clermont-en-Argonne;49.105;5.077
55;Commercy;48.756;5.583
55;Damvillers;49.342;5.398
56;Vannes;47.665;-2.748
56;Lorient;47.749;-3.360
56;Auray;47.669;-2.979
56;Grand-Champ;47.759;-2.859
57;Metz;49.116;6.188
57;Thionville;49.365;6.154
57;Ars-Laquenexy;49.083;6.241
57;Bitche;49.047;7.423
58;Nevers;46.990;3.144
58;La Charité-sur-Loire;47.175;3.020
58;Château-Chinon (Ville);47.060;3.936
58;Clamecy;47.457;3.517
59;Lille;50.627;3.045
59;Cambrai;50.171;3.236
59;Maubeuge;50.279;3.956
59;Valenciennes;50.362;3.500
60;Beauvais;49.451;2.071
60;Compiègne;49.397;2.803
60;Creil;49.249;2.468
60;Breteuil;49.631;2.299
61;Alençon;48.429;0.087
61;Argentan;48.747;-0.011
61;Bagnoles de l'Orne Normandie;48.553;-0.424
61;Domfront en Poiraie;48.591;-0.658
62;Arras;50.297;2.755
62;Calais;50.942;1.877
62;Lens;50.438;2.828
62;Avesnes-le-Comte;50.276;2.529
63;Clermont-Ferrand;45.777;3.095
63;Ambert;45.541;3.751
63;Billom;45.721;3.344
63;Giat;45.800;2.469
64;Pau;43.317;-0.359
64;Bayonne;43.483;-1.477
64;Anglet;43.499;-1.543
64;Arzacq-Arraziguet;43.538;-0.410
65;Tarbes;43.226;0.076
65;Bagnères-de-Bigorre;43.067;0.155
65;Lannemezan;43.124;0.385
65;Lourdes;43.104;-0.042
66;Perpignan;42.711;2.889
66;Argelès-sur-Mer;42.550;3.024
66;Céret;42.484;2.749
66;Err;42.444;2.026
67;Strasbourg;48.579;7.745
67;Drulingen;48.867;7.193
67;Haguenau;48.799;7.779
67;Illkirch-Graffenstaden;48.538;7.725
68;Colmar;48.099;7.360
68;Altkirch;47.610;7.232
68;Cernay;47.806;7.174
68;Jungholtz;47.883;7.195
69;Lyon;45.750;4.847
69;Bron;45.741;4.904
69;Villeurbanne;45.763;4.900
69;Beaujeu;46.153;4.589
70;Vesoul;47.628;6.150
70;Gray;47.450;5.594
70;Héricourt;47.568;6.762
70;Lure;47.685;6.489
71;Mâcon;46.316;4.828
71;Chalon-sur-Saône;46.782;4.850
71;Autun;46.952;4.304
71;Branges;46.646;5.169
72;Le Mans;48.003;0.198
72;La Flèche;47.697;-0.090
72;Mamers;48.361;0.359
72;Sablé-sur-Sarthe;47.838;-0.330
73;Chambéry;45.564;5.915
73;Aix-les-Bains;45.697;5.907
73;Albertville;45.668;6.370
73;Bourg-Saint-Maurice;45.617;6.765
74;Annecy;45.874;6.086
74;Sallanches;45.934;6.641
74;Thonon-les-Bains;46.360;6.474
74;Annemasse;46.199;6.238
75;Paris;48.860;2.349
76;Rouen;49.440;1.104
76;Le Havre;49.508;0.105
76;Lillebonne;49.520;0.540
76;Saint-Aubin-lès-Elbeuf;49.302;1.031
77;Melun;48.540;2.667
77;Coulommiers;48.819;3.087
77;Fontainebleau;48.414;2.701
77;Lagny-sur-Marne;48.867;2.710
78;Versailles;48.809;2.139
78;Rambouillet;48.646;1.823
78;Crespières;48.882;1.923
78;Houdan;48.791;1.602
79;NIORT;46.300;-0.492
79;Niort;46.325;-0.464
79;Melle;46.226;-0.149
79;Saint-Maixent-l'École;46.413;-0.214
80;Amiens;49.898;2.296
80;Abbeville;50.106;1.835
80;Albert;49.995;2.652
80;Corbie;49.907;2.507
81;Albi;43.927;2.161
81;Castres;43.581;2.268
81;Carmaux;44.050;2.151
81;Gaillac;43.902;1.897
82;Montauban;44.022;1.352
82;Beaumont-de-Lomagne;43.880;0.987
82;Caussade;44.162;1.534
82;Moissac;44.108;1.100
83;Toulon;43.120;5.935
83;Brignoles;43.409;6.065
83;Draguignan;43.542;6.458
83;Fréjus;43.428;6.748
84;Avignon;43.924;4.814
84;Cavaillon;43.835;5.039
84;Apt;43.877;5.383
84;Bollène;44.292;4.753
85;La Roche-sur-Yon;46.661;-1.406
85;Challans;46.850;-1.872
85;Fontenay-le-Comte;46.462;-0.794
85;L'Île-d'Yeu;46.722;-2.352
86;Poitiers;46.568;0.374
86;Châtellerault;46.827;0.551
86;Civray;46.149;0.295
86;Gençay;46.375;0.407
87;Limoges;45.820;1.251
87;Aixe-sur-Vienne;45.798;1.138
87;Bellac;46.124;1.062
87;Eymoutiers;45.736;1.748
88;Épinal;48.182;6.460
88;Gérardmer;48.068;6.873
88;Mirecourt;48.297;6.111
88;Neufchâteau;48.370;5.708
89;Auxerre;47.804;3.556
89;Avallon;47.490;3.905
89;Cerisiers;48.132;3.488
89;Chablis;47.818;3.783
90;Belfort;47.638;6.850
90;Giromagny;47.732;6.831
90;Grandvillars;47.539;6.975
90;Trévenans;47.576;6.873
91;Évry-Courcouronnes;48.631;2.434
91;Longjumeau;48.690;2.301
91;Massy;48.731;2.272
91;Étampes;48.426;2.155
92;Nanterre;48.907;2.217
92;Boulogne-Billancourt;48.846;2.243
92;Clamart;48.797;2.258
92;Clichy;48.904;2.305
93;Bobigny;48.916;2.424
93;Saint-Denis;48.941;2.363
93;Aubervilliers;48.912;2.383
93;Drancy;48.927;2.439
94;Créteil;48.796;2.453
94;Limeil-Brévannes;48.745;2.498
94;Alfortville;48.805;2.418
94;Arcueil;48.803;2.330
95;Cergy;49.045;2.069
95;Argenteuil;48.945;2.240
95;Enghien-les-Bains;48.969;2.304
95;L'Isle-Adam;49.114;2.222
971;Basse-Terre;16.000;-61.728
971;Les Abymes;16.236;-61.526
971;Capesterre-Belle-Eau;16.004;-61.599
971;Deshaies;16.313;-61.791
972;Fort-de-France;14.623;-61.046
972;La Trinité;14.737;-60.965
972;Le Marin;14.471;-60.869
973;Cayenne;4.925;-52.321
973;Kourou;5.164;-52.645
973;Saint-Laurent-du-Maroni;5.488;-54.020
974;Saint-Denis;-20.889;55.445
974;Saint-Paul;-20.982;55.295
974;Le Tampon;-21.256;55.522
974;Saint-André;-20.962;55.652
976;Mamoudzou;-12.772;45.227
"""


def _communes() -> dict[str, tuple[tuple[str, float, float], ...]]:
    table: dict[str, list[tuple[str, float, float]]] = {}
    for line in _COMMUNES_TABLE.strip().splitlines():
        code, name, latitude, longitude = line.split(";")
        table.setdefault(code, []).append((name, float(latitude), float(longitude)))
    return {code: tuple(rows) for code, rows in table.items()}


COMMUNES = _communes()


# --- Randomness: every stream is keyed by names, never by database ids, so reruns give the same data ---------------


def _rng(seed: int, *keys: object) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(str(key).encode()) for key in keys)])


def _pyrng(seed: int, *keys: object) -> random.Random:
    return random.Random("|".join([str(seed), *(str(key) for key in keys)]))


# --- Time and the wave ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Timeline:
    start: date
    end: date
    days: int
    now: datetime
    origin: datetime  # midnight UTC starting the first day

    @property
    def now_t(self) -> float:
        """``now`` in days since the origin: the time axis of the wave."""
        return (self.now - self.origin).total_seconds() / 86400

    def day(self, index: int) -> date:
        return self.start + timedelta(days=index)

    def at(self, day: date, hour: float) -> datetime:
        return datetime.combine(day, time(), UTC) + timedelta(hours=hour)

    def not_after_now(self, moment: datetime, margin_minutes: float) -> datetime:
        return min(moment, self.now - timedelta(minutes=margin_minutes))


@dataclass(frozen=True)
class _Wave:
    """Sum of Gaussian bumps: daily infections, and hospital load following them ``HOSPITAL_LAG`` days later."""

    centers: tuple[float, ...]
    amplitudes: tuple[float, ...]
    width: float

    def cases(self, t: np.ndarray) -> np.ndarray:
        shape = np.zeros_like(t, dtype=float)
        for center, amplitude in zip(self.centers, self.amplitudes, strict=True):
            shape += amplitude * np.exp(-0.5 * ((t - center) / self.width) ** 2)
        return shape

    def hospital(self, t: np.ndarray) -> np.ndarray:
        shape = np.full_like(t, BASE_PRESSURE, dtype=float)
        width = self.width * 1.25
        for center, amplitude in zip(self.centers, self.amplitudes, strict=True):
            shape += amplitude * np.exp(-0.5 * ((t - HOSPITAL_LAG - center) / width) ** 2)
        return shape


def _wave(seed: int, days: int, region_code: str, department_code: str) -> _Wave:
    # One wave per ~150 days; the last one is the strongest, so "now" is tense somewhere.
    count = max(1, round(days / 150))
    segment = days / count
    global_rng = _rng(seed, "waves")
    strengths = [float(global_rng.uniform(0.5, 0.9)) for _ in range(count - 1)] + [1.0]
    lag_weeks, region_strength = REGION_WAVES.get(region_code, DEFAULT_REGION_WAVE)
    scale = min(1.0, segment / 90)
    rng = _rng(seed, "wave", department_code)
    strength = region_strength * float(rng.uniform(0.75, 1.25))
    jitter = float(rng.uniform(-3.0, 3.0)) * scale
    centers = tuple(segment * (k + 0.6) + lag_weeks * 7 * scale + jitter for k in range(count))
    return _Wave(centers, tuple(strength * s for s in strengths), float(np.clip(0.13 * segment, 5.0, 18.0)))


# --- Plans of what is created ---------------------------------------------------------------------------------------


@dataclass
class _UnitPlan:
    unit: Unit
    bed_type: str
    profile: _UnitProfile
    baseline: int
    installed: int
    invasive_total: int
    noninvasive_total: int
    ecmo_total: int
    covid_factor: float
    key: str
    full_at_end: bool = False


@dataclass
class _Hospital:
    establishment: Establishment
    kind: str
    department: _Department
    units: list[_UnitPlan] = field(default_factory=list)
    pui: Establishment | None = None
    last_report_hours: float = 1.0


@dataclass
class _Department:
    code: str
    name: str
    region_code: str
    region_name: str
    population: int
    latitude: float
    longitude: float
    wave: _Wave
    has_chu: bool = False  # the most populous department of its region gets the CHU
    hospitals: list[_Hospital] = field(default_factory=list)
    centres: list[Establishment] = field(default_factory=list)

    @property
    def communes(self) -> tuple[tuple[str, float, float], ...]:
        known = COMMUNES.get(self.code)
        if known:
            return known
        # A territory missing from the table: name places after the department, around its centroid.
        return ((self.name, self.latitude, self.longitude),)


@dataclass
class _DailyLoad:
    """A hospital's load at noon each day: what drives drug use and the open-data totals."""

    ventilated: np.ndarray
    surgical: np.ndarray
    covid: np.ndarray
    covid_critical: np.ndarray


# --- Entry point ----------------------------------------------------------------------------------------------------


def seed_demo(
    session: Session,
    *,
    end: date,
    days: int = 90,
    seed: int = 2020,
    departments: Sequence[str] | None = None,
    password: str = DEMO_PASSWORD,
    now: datetime | None = None,
) -> DemoSummary:
    """Fill an empty database with ``days`` days of demo data ending at ``end``; same inputs, same rows.

    ``now`` anchors report times (the latest ones fall in the hours before it); by default the current time
    when ``end`` is today, else 18:00 UTC on ``end``. Nothing is committed: the caller owns the transaction.
    """
    timeline = _check_arguments(end, days, seed, password, now)
    load_reference(session)
    _refuse_populated(session)
    chosen = _departments(session, departments, seed, timeline)
    password_hash = hash_password(password)

    _create_establishments(session, chosen, seed)
    regional_region, reporter_hospital = _scopes(chosen)
    _assign_freshness(chosen, reporter_hospital, seed)
    molecules = list(session.execute(select(Molecule.code, Molecule.critical).order_by(Molecule.code)))
    professions = list(session.scalars(select(Profession.code).order_by(Profession.code)))
    stock_flags = _assign_stock_flags(chosen, molecules, seed)

    counts: dict[str, int] = {
        "establishments": sum(len(d.hospitals) + len(d.centres) for d in chosen)
        + sum(1 for d in chosen for h in d.hospitals if h.pui is not None),
        "units": sum(len(h.units) for d in chosen for h in d.hospitals),
    }
    volunteer_number = 0
    for department in chosen:
        loads: dict[str | None, _DailyLoad] = {}
        bed_rows: list[dict[str, Any]] = []
        stock_rows: list[dict[str, Any]] = []
        staffing_rows: list[dict[str, Any]] = []
        for hospital in department.hospitals:
            bed_rows.extend(_bed_rows(hospital, timeline, seed))
            loads[hospital.establishment.finess] = _daily_load(hospital, timeline, seed)
            if hospital.pui is not None:
                stock_rows.extend(
                    _stock_rows(hospital, loads[hospital.establishment.finess], molecules, stock_flags, timeline, seed)
                )
            staffing_rows.extend(_staffing_rows(hospital, professions, timeline, seed))
        _insert(session, BedReport, bed_rows, counts, "bed_reports")
        _insert(session, StockReport, stock_rows, counts, "stock_reports")
        _insert(session, StaffingNeed, staffing_rows, counts, "staffing_needs")
        _insert(session, HospitalOpenData, _open_data_rows(department, loads, timeline, seed), counts,
                "hospital_open_data")

        volunteers = _volunteers(session, department, professions, timeline, seed, volunteer_number)
        volunteer_number += len(volunteers)
        counts["volunteers"] = counts.get("volunteers", 0) + len(volunteers)
        _insert(session, Mission, _mission_rows(department, staffing_rows, volunteers, timeline, seed), counts,
                "missions")

        tests, positives = _testing(department, timeline, seed)
        _insert(session, TestCount, _test_rows(department, tests, positives, timeline), counts, "test_counts")
        new_cases = positives.sum(axis=1)
        _insert(session, TracingDaily, _tracing_rows(department, new_cases, timeline, seed), counts, "tracing_daily")
        _insert(session, Cluster, _cluster_rows(department, new_cases, timeline, seed), counts, "clusters")
        _insert(session, SlotReport, _slot_rows(department, timeline, seed), counts, "slot_reports")
        _insert(session, WaitingListEntry, _waiting_rows(department, timeline, seed), counts, "waiting_list")

    accounts = _create_users(session, chosen, regional_region, reporter_hospital, password_hash, timeline)
    counts["users"] = len(accounts)
    summary = DemoSummary(
        departments=tuple(d.code for d in chosen),
        start=timeline.start,
        end=timeline.end,
        now=timeline.now,
        accounts=accounts,
        **counts,
    )
    audit.record(
        session,
        None,
        "demo.seed",
        "database",
        channel="cli",
        detail={"seed": seed, "days": days, "end": end.isoformat(), "departments": len(chosen), **summary.counts()},
    )
    session.flush()
    return summary


def _insert(session: Session, model: type, rows: list[dict[str, Any]], counts: dict[str, int], name: str) -> None:
    counts[name] = counts.get(name, 0) + len(rows)
    if rows:
        session.execute(insert(model), rows)


# --- Arguments and refusals -----------------------------------------------------------------------------------------


def _check_arguments(end: date, days: int, seed: int, password: str, now: datetime | None) -> _Timeline:
    if isinstance(end, datetime) or not isinstance(end, date):
        raise DemoError(f"end : une date (sans heure) est attendue, reçu {end!r}.")
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise DemoError(
            f"days : le nombre de jours doit être un entier entre {MIN_DAYS} et {MAX_DAYS} (reçu : {days!r})."
        )
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise DemoError(f"seed : la graine doit être un entier (reçu : {seed!r}).")
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise DemoError(f"password : le mot de passe des comptes de démonstration doit compter au moins "
                        f"{MIN_PASSWORD_LENGTH} caractères.")
    end_midnight = datetime.combine(end, time(), UTC)
    if now is None:
        current = utcnow()
        if end_midnight - timedelta(days=1) <= current < end_midnight + timedelta(days=2):
            now = current
        elif current >= end_midnight + timedelta(days=2):
            now = end_midnight + timedelta(hours=18)
        else:
            raise DemoError(f"end : le dernier jour ({end:%d/%m/%Y}) est dans le futur.")
    elif now.tzinfo is None:
        raise DemoError("now : l'heure de référence doit porter un fuseau horaire (UTC).")
    now = now.astimezone(UTC)
    if not end_midnight - timedelta(days=1) <= now < end_midnight + timedelta(days=2):
        raise DemoError(f"now : l'heure de référence ({now:%d/%m/%Y %H:%M} UTC) doit tomber le dernier jour "
                        f"({end:%d/%m/%Y}), à un jour près.")
    start = end - timedelta(days=days - 1)
    return _Timeline(start, end, days, now, datetime.combine(start, time(), UTC))


def _refuse_populated(session: Session) -> None:
    existing = session.scalar(select(func.count(Establishment.id))) or 0
    if existing:
        names = list(session.scalars(select(Establishment.name).order_by(Establishment.id).limit(3)))
        examples = ", ".join(f"« {name} »" for name in names)
        raise DemoError(
            f"La base contient déjà des établissements : {existing} (par exemple {examples}). "
            "Les données de démonstration ne s'installent que dans une base sans établissement."
        )
    taken = list(session.scalars(select(User.email).where(User.email.in_([a.email for a in DEMO_ACCOUNTS]))))
    if taken:
        raise DemoError(f"Les comptes de démonstration existent déjà : {', '.join(sorted(taken))}.")


def _departments(
    session: Session, codes: Sequence[str] | None, seed: int, timeline: _Timeline
) -> list[_Department]:
    query = select(Department, Region.name).join(Region, Region.code == Department.region_code)
    rows = list(session.execute(query.order_by(Department.code)))
    by_code = {department.code: (department, region_name) for department, region_name in rows}
    if codes is None:
        wanted = sorted(by_code)
    else:
        if isinstance(codes, str):
            codes = [codes]
        wanted = sorted({str(code).strip().upper() for code in codes})
        if not wanted:
            raise DemoError("departments : aucun département demandé.")
        unknown = [code for code in wanted if code not in by_code]
        if unknown:
            raise DemoError(
                f"departments : départements inconnus : {', '.join(unknown)}. Les codes sont ceux de l'INSEE, "
                "en texte (« 01 », « 2A », « 971 »)."
            )
    if not wanted:
        raise DemoError("Aucun département dans la base : chargez d'abord le référentiel des territoires.")
    result = []
    for code in wanted:
        department, region_name = by_code[code]
        result.append(
            _Department(
                code=code,
                name=department.name,
                region_code=department.region_code,
                region_name=region_name,
                population=department.population,
                latitude=department.latitude,
                longitude=department.longitude,
                wave=_wave(seed, timeline.days, department.region_code, code),
            )
        )
    # The CHU goes to the most populous department of each region, seeded or not.
    biggest: dict[str, tuple[int, str]] = {}
    for department, _ in rows:
        best = biggest.get(department.region_code)
        if best is None or department.population > best[0]:
            biggest[department.region_code] = (department.population, department.code)
    for item in result:
        item.has_chu = biggest[item.region_code][1] == item.code
    return result


# --- Establishments and units ---------------------------------------------------------------------------------------


def _finess(code: str, serial: int) -> str:
    body = f"{code}{serial:0{8 - len(code)}d}"
    digits = [int(c) if c.isdigit() else 0 for c in body]
    # Luhn key, as FINESS numbers carry one.
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return f"{body}{(10 - total % 10) % 10}"


def _phone(region_code: str, rng: random.Random) -> str:
    prefix = PHONE_PREFIX.get(region_code, "09")
    digits = prefix + "".join(str(rng.randint(0, 9)) for _ in range(10 - len(prefix)))
    if digits[2] == "0":
        digits = digits[:2] + "1" + digits[3:]
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


def _scatter(latitude: float, longitude: float, km: float, rng: random.Random) -> tuple[float, float]:
    distance = km * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    d_lat = distance * math.cos(angle) / 111.0
    d_lon = distance * math.sin(angle) / (111.0 * max(0.2, math.cos(math.radians(latitude))))
    return round(latitude + d_lat, 5), round(longitude + d_lon, 5)


class _Registry:
    """Hands out a department's FINESS numbers, telephone numbers and places, from one random stream."""

    def __init__(self, department: _Department, seed: int) -> None:
        self.department = department
        self.rng = _pyrng(seed, "establishments", department.code)
        self.serial = self.rng.randint(100, 900) * 10

    def finess(self) -> str:
        self.serial += self.rng.randint(3, 40)
        return _finess(self.department.code, self.serial)

    def phone(self) -> str:
        return _phone(self.department.region_code, self.rng)

    def place(self, commune: tuple[str, float, float]) -> tuple[float, float]:
        # Without known communes, scatter around the department's centroid rather than stack on it.
        radius = 25.0 if self.department.code not in COMMUNES else 2.5
        return _scatter(commune[1], commune[2], radius, self.rng)


def _create_establishments(session: Session, chosen: list[_Department], seed: int) -> None:
    for department in chosen:
        registry = _Registry(department, seed)
        _create_hospitals(session, department, registry)
        session.flush()
        for hospital in department.hospitals:
            if hospital.kind in {"CHU", "CH"}:
                hospital.pui = _establishment(
                    department,
                    registry,
                    name=f"PUI – {hospital.establishment.name}",
                    kind="PUI",
                    commune=hospital.establishment.commune,
                    place=(hospital.establishment.latitude, hospital.establishment.longitude),
                    parent_id=hospital.establishment.id,
                )
                session.add(hospital.pui)
        for index in range(1 if department.population < 500_000 else 2):
            commune = department.communes[index % len(department.communes)]
            parent = department.hospitals[0] if index == 0 and registry.rng.random() < 0.5 else None
            if parent is not None:
                name = f"Centre de vaccination – {parent.establishment.name}"
            else:
                name = f"Centre de vaccination {_of(commune[0])}"
            if name in {c.name for c in department.centres}:
                name = f"{name} – 2"
            centre = _establishment(
                department,
                registry,
                name=name,
                kind="VACCINATION",
                commune=commune[0],
                place=registry.place(commune),
                parent_id=parent.establishment.id if parent is not None else None,
            )
            session.add(centre)
            department.centres.append(centre)
        session.flush()


def _establishment(
    department: _Department,
    registry: _Registry,
    *,
    name: str,
    kind: str,
    commune: str,
    place: tuple[float, float],
    parent_id: int | None = None,
) -> Establishment:
    return Establishment(
        finess=registry.finess(),
        name=name,
        kind=kind,
        department_code=department.code,
        commune=commune,
        latitude=place[0],
        longitude=place[1],
        phone=registry.phone(),
        parent_id=parent_id,
    )


def _create_hospitals(session: Session, department: _Department, registry: _Registry) -> None:
    """2–4 hospitals sized by population; the first is the CHU in its region's most populous department."""
    rng = registry.rng
    population = department.population
    count = 2 if population < 350_000 else 3 if population < 900_000 else 4
    kinds = ["CHU" if department.has_chu else "CH"]
    kinds += rng.choices(["CH", "CLINIQUE", "ESPIC"], weights=[0.45, 0.35, 0.20], k=count - 1)
    weights = [KIND_WEIGHT[kind] * rng.uniform(0.8, 1.2) for kind in kinds]
    used_names: set[str] = set()
    for index, kind in enumerate(kinds):
        commune = department.communes[index % len(department.communes)]
        base_name = name = _hospital_name(kind, commune[0], rng)
        suffix = 2
        while name in used_names:
            name = f"{base_name} – site {suffix}"
            suffix += 1
        used_names.add(name)
        establishment = _establishment(
            department, registry, name=name, kind=kind, commune=commune[0], place=registry.place(commune)
        )
        session.add(establishment)
        hospital = _Hospital(establishment, kind, department)
        share = weights[index] / sum(weights)
        for bed_type in CHU_BED_TYPES if kind == "CHU" else HOSPITAL_BED_TYPES:
            plan = _unit_plan(establishment, kind, bed_type, population, share, rng)
            hospital.units.append(plan)
            session.add(plan.unit)
        department.hospitals.append(hospital)


def _of(commune: str) -> str:
    """French "de" before a place name: du Mans, des Abymes, d'Ajaccio, de Nancy."""
    if commune.startswith("Le "):
        return f"du {commune[3:]}"
    if commune.startswith("Les "):
        return f"des {commune[4:]}"
    if commune[:1] in "AEIOUYÉÈÊÎÔ":
        return f"d'{commune}"
    return f"de {commune}"


def _hospital_name(kind: str, commune: str, rng: random.Random) -> str:
    if kind == "CHU":
        return f"CHU {_of(commune)}"
    if kind == "CH":
        return f"CH {_of(commune)}"
    names = CLINIC_NAMES if kind == "CLINIQUE" else ESPIC_NAMES
    return f"{rng.choice(names)} – {commune}"


def _unit_plan(
    establishment: Establishment, kind: str, bed_type: str, population: int, share: float, rng: random.Random
) -> _UnitPlan:
    profile = UNIT_PROFILES[bed_type]
    if bed_type == "REA_PED":
        baseline = max(profile.min_beds, round(population / 100_000 * profile.beds_per_100k))
    else:
        baseline = max(profile.min_beds, round(population / 100_000 * profile.beds_per_100k * share))
    installed = max(baseline, round(baseline * rng.uniform(*profile.surge)))
    ventilators = bed_type in CRITICAL_BED_TYPES
    ecmo = bed_type == "REA_ADULTE" and kind == "CHU"
    unit = Unit(
        name=BED_LABELS[bed_type],
        bed_type_code=bed_type,
        baseline_beds=baseline,
        has_ventilators=ventilators,
        has_ecmo=ecmo,
        establishment=establishment,
    )
    return _UnitPlan(
        unit=unit,
        bed_type=bed_type,
        profile=profile,
        baseline=baseline,
        installed=installed,
        invasive_total=round(installed * profile.invasive_per_bed) + (2 if bed_type == "REA_ADULTE" else 0),
        noninvasive_total=round(baseline * profile.noninvasive_per_bed),
        ecmo_total=max(2, round(baseline / 8)) if ecmo else 0,
        covid_factor=KIND_COVID[kind],
        key=f"{establishment.finess}:{bed_type}",
    )


def _scopes(chosen: list[_Department]) -> tuple[str, _Hospital]:
    """The region of the regional account (Grand Est when seeded) and the reporter's hospital in it."""
    regions = [d.region_code for d in chosen]
    region = "44" if "44" in regions else regions[0]
    first = next(d for d in chosen if d.region_code == region)
    return region, first.hospitals[0]


def _assign_freshness(chosen: list[_Department], reporter_hospital: _Hospital, seed: int) -> None:
    """Most hospitals reported in the last hours; a few are stale (13–20 h) or overdue (2–4 days)."""
    rng = _pyrng(seed, "freshness")
    hospitals = [h for d in chosen for h in d.hospitals]
    for hospital in hospitals:
        hospital.last_report_hours = rng.uniform(0.3, 3.0)
    candidates = [h for h in hospitals if h is not reporter_hospital]
    stale_count = max(1, round(0.045 * len(hospitals)))
    overdue_count = max(1, round(0.03 * len(hospitals)))
    late = rng.sample(candidates, min(len(candidates), stale_count + overdue_count))
    for position, hospital in enumerate(late):
        hospital.last_report_hours = rng.uniform(13.0, 20.0) if position < stale_count else rng.uniform(50.0, 96.0)
    # A few fresh intensive-care units at or above 95 % occupancy, so alerts show wherever the wave is.
    icus = [u for h in hospitals if h.last_report_hours < 12 for u in h.units if u.bed_type == "REA_ADULTE"]
    for plan in rng.sample(icus, min(len(icus), max(1, round(0.04 * len(icus))))):
        plan.full_at_end = True


# --- Beds -----------------------------------------------------------------------------------------------------------


def _unit_series(plan: _UnitPlan, wave: _Wave, t: np.ndarray, rng: np.random.Generator, full_tail: int = 0
                 ) -> dict[str, np.ndarray]:
    """Bed figures of one unit at times ``t``; the hard rules hold by construction."""
    profile = plan.profile
    size = t.size
    pressure = wave.hospital(t - profile.delay)
    capped = np.minimum(pressure, 1.0)
    baseline = plan.baseline
    other = baseline * (profile.other - profile.deprogramming * capped) * rng.normal(1.0, 0.04, size)
    covid = baseline * profile.covid * plan.covid_factor * pressure * rng.normal(1.0, 0.08, size)
    other_patients = np.maximum(np.rint(other), 0).astype(np.int64)
    covid_patients = np.maximum(np.rint(covid), 0).astype(np.int64)
    strain = np.clip((pressure - 0.6) / 0.6, 0.0, 1.0)
    closed_staff = np.floor(plan.installed * profile.staff_closure * strain * rng.uniform(0.5, 1.5, size))
    closed_staff = np.minimum(closed_staff.astype(np.int64), plan.installed // 4)
    closed_equipment = (rng.random(size) < 0.02).astype(np.int64)
    closed_supplies = (rng.random(size) < 0.005 + 0.02 * strain).astype(np.int64)
    capacity = np.maximum(plan.installed - closed_staff - closed_equipment - closed_supplies, 0)
    demand = other_patients + covid_patients
    if plan.installed > baseline:
        # Extension beds are opened only when patients need them.
        wanted = np.maximum(np.ceil(demand * 1.05).astype(np.int64) + 1, baseline)
        open_beds = np.minimum(capacity, wanted)
    else:
        open_beds = capacity
    occupied = np.minimum(open_beds, demand)
    if full_tail:
        tail = slice(max(0, size - full_tail), size)
        occupied[tail] = np.maximum(occupied[tail], np.ceil(open_beds[tail] * 0.96).astype(np.int64))
    occupied_covid = np.minimum(covid_patients, occupied)
    occupied_other = occupied - occupied_covid
    invasive = np.rint(occupied_covid * profile.invasive[0] + occupied_other * profile.invasive[1]).astype(np.int64)
    invasive = np.minimum(np.minimum(invasive, plan.invasive_total), occupied)
    noninvasive = np.rint(occupied_covid * profile.noninvasive[0] + occupied_other * profile.noninvasive[1])
    noninvasive = np.minimum(np.minimum(noninvasive.astype(np.int64), plan.noninvasive_total), occupied - invasive)
    ecmo = np.rint(occupied_covid * 0.04 * rng.uniform(0.5, 1.5, size)).astype(np.int64)
    ecmo = np.minimum(np.minimum(ecmo, plan.ecmo_total), invasive)
    return {
        "open_beds": open_beds,
        "occupied": occupied,
        "occupied_covid": occupied_covid,
        "vent_invasive_used": invasive,
        "vent_invasive_available": plan.invasive_total - invasive,
        "vent_noninvasive_used": noninvasive,
        "vent_noninvasive_available": plan.noninvasive_total - noninvasive,
        "ecmo_used": ecmo,
        "ecmo_available": plan.ecmo_total - ecmo,
        "closed_staff": closed_staff,
        "closed_equipment": closed_equipment,
        "closed_supplies": closed_supplies,
    }


def _bed_rows(hospital: _Hospital, timeline: _Timeline, seed: int) -> list[dict[str, Any]]:
    """One report a day per ward, two per critical-care unit, the latest ``last_report_hours`` before now."""
    rng = _rng(seed, "bed-times", hospital.establishment.finess)
    window_minutes = timeline.now_t * 1440
    latest = hospital.last_report_hours * 60
    evening = rng.uniform(7.5, 9.5) * 60  # the earlier round of the day, hours before the latest
    day_offsets = np.arange(timeline.days + 5) * 1440.0
    jitter = rng.uniform(-25, 25, day_offsets.size)
    jitter[0] = 0.0
    morning = latest + day_offsets + jitter
    rounds = {1: morning, 2: np.sort(np.concatenate([morning, latest + evening + day_offsets + jitter[::-1] * 0.5]))}
    rows: list[dict[str, Any]] = []
    for position, plan in enumerate(hospital.units):
        per_day = 2 if plan.bed_type in CRITICAL_BED_TYPES else 1
        ages = rounds[per_day] + position * 1.5  # minutes before now, newest first
        ages = np.rint(ages[ages < window_minutes])[::-1]
        t = timeline.now_t - ages / 1440
        unit_rng = _rng(seed, "beds", plan.key)
        series = _unit_series(plan, hospital.department.wave, t, unit_rng, 2 if plan.full_at_end else 0)
        columns = {name: values.tolist() for name, values in series.items()}
        unit_id = plan.unit.id
        for index, age in enumerate(ages.tolist()):
            moment = timeline.now - timedelta(minutes=age)
            row: dict[str, Any] = {
                "unit_id": unit_id,
                "reported_at": moment,
                "recorded_at": moment,
                "channel": CHANNEL,
                "installed": plan.installed,
            }
            for name, values in columns.items():
                row[name] = values[index]
            rows.append(row)
    return rows


def _daily_load(hospital: _Hospital, timeline: _Timeline, seed: int) -> _DailyLoad:
    t = np.arange(timeline.days) + 0.5
    zeros = np.zeros(timeline.days, dtype=np.int64)
    load = _DailyLoad(zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy())
    for plan in hospital.units:
        series = _unit_series(plan, hospital.department.wave, t, _rng(seed, "noon", plan.key))
        load.ventilated += series["vent_invasive_used"]
        if plan.bed_type == "CHIRURGIE":
            load.surgical += series["occupied"]
        if plan.bed_type != "SSR":
            load.covid += series["occupied_covid"]
        if plan.bed_type in CRITICAL_BED_TYPES:
            load.covid_critical += series["occupied_covid"]
    return load


def _open_data_rows(
    department: _Department, loads: dict[str | None, _DailyLoad], timeline: _Timeline, seed: int
) -> list[dict[str, Any]]:
    """Santé publique France-like daily totals, consistent with the demo hospitals."""
    if not loads:
        return []
    hospitalised = sum(load.covid for load in loads.values())
    critical = sum(load.covid_critical for load in loads.values())
    rng = _rng(seed, "open-data", department.code)
    discharges = rng.poisson(hospitalised / 9.0)
    deaths = rng.poisson(hospitalised * 0.018)
    returned_home = np.cumsum(discharges) + round(department.population * 2e-4)
    dead = np.cumsum(deaths) + round(department.population * 4e-5)
    return [
        {
            "department_code": department.code,
            "day": timeline.day(index),
            "hospitalised": int(hospitalised[index]),
            "intensive_care": int(critical[index]),
            "returned_home": int(returned_home[index]),
            "deaths": int(dead[index]),
            "source_file": SOURCE,
        }
        for index in range(timeline.days)
    ]


# --- Drug stocks ----------------------------------------------------------------------------------------------------


@dataclass
class _StockFlags:
    stale: set[str] = field(default_factory=set)  # PUI FINESS without a report for 4 days
    shortages: set[tuple[str, str]] = field(default_factory=set)  # (PUI FINESS, molecule) under 3 days of cover


def _assign_stock_flags(chosen: list[_Department], molecules: list[Any], seed: int) -> _StockFlags:
    rng = _pyrng(seed, "stock-flags")
    puis = [h.pui.finess for d in chosen for h in d.hospitals if h.pui is not None and h.pui.finess]
    critical = [code for code, is_critical in molecules if is_critical] or [code for code, _ in molecules]
    flags = _StockFlags()
    if not puis or not critical:
        return flags
    short = rng.sample(puis, min(len(puis), max(1, round(0.04 * len(puis)))))
    for finess in short:
        for code in rng.sample(critical, min(len(critical), rng.randint(1, 2))):
            flags.shortages.add((finess, code))
    others = [p for p in puis if p not in short]
    flags.stale.update(rng.sample(others, min(len(others), max(1, round(0.01 * len(puis))))))
    return flags


def _stock_rows(
    hospital: _Hospital,
    load: _DailyLoad,
    molecules: list[Any],
    flags: _StockFlags,
    timeline: _Timeline,
    seed: int,
) -> list[dict[str, Any]]:
    """Daily stock per molecule: drawn down by ICU load, refilled by deliveries rationed at the peak."""
    pui = hospital.pui
    assert pui is not None and pui.finess is not None
    days = timeline.days
    rng = _rng(seed, "stock", pui.finess)
    age_hours = float(rng.uniform(1.0, 7.0))
    declares = bool(rng.random() < 0.1)
    strain = np.clip((hospital.department.wave.hospital(np.arange(days) + 0.5) - 0.6) / 0.6, 0.0, 1.0)
    last_reported = days - 1 - (4 if pui.finess in flags.stale else 0)
    rows: list[dict[str, Any]] = []
    for code, critical in molecules:
        per_ventilated, per_surgical, per_covid = MOLECULE_USE.get(code, DEFAULT_MOLECULE_USE)
        expected = per_ventilated * load.ventilated + per_surgical * load.surgical + per_covid * load.covid + 0.5
        consumed = rng.poisson(expected).astype(np.int64)
        usual = max(1.0, float(expected[:7].mean()))
        # Each pharmacy has its own ordering habits: when it reorders and how much cover it aims for.
        reorder_days, target_days = float(rng.uniform(8, 18)), float(rng.uniform(25, 60))
        stock = int(usual * rng.uniform(15, 50))
        stocks = np.zeros(days, dtype=np.int64)
        pending_units = np.zeros(days, dtype=np.int64)
        pending_days: list[int | None] = [None] * days
        order_units, order_day = 0, None
        for day in range(days):
            if order_day is not None and order_day <= day:
                stock += order_units
                order_units, order_day = 0, None
            used = min(stock, int(consumed[day]))
            consumed[day] = used
            stock -= used
            recent = max(1.0, float(consumed[max(0, day - 6) : day + 1].mean()))
            if order_day is None and stock < reorder_days * recent:
                ration = 1.0 - 0.45 * float(strain[day]) if critical else 1.0
                order_units = max(1, round((target_days * recent - stock) * ration))
                order_day = day + int(rng.integers(2, 6))
            stocks[day] = stock
            pending_units[day] = order_units
            pending_days[day] = order_day
        if (pui.finess, code) in flags.shortages:
            _run_short(consumed, stocks, pending_units, pending_days, usual, rng)
        declared = round(usual) if declares and not any(p == pui.finess for p, _ in flags.shortages) else None
        for day in range(min(days, last_reported + 1)):
            moment = timeline.now - timedelta(days=days - 1 - day, hours=age_hours)
            if moment < timeline.origin:
                continue
            arrival = pending_days[day]
            rows.append(
                {
                    "establishment_id": pui.id,
                    "molecule_code": code,
                    "reported_at": moment,
                    "recorded_at": moment,
                    "channel": CHANNEL,
                    "stock_on_hand": int(stocks[day]),
                    "consumed_last_24h": int(consumed[day]),
                    "declared_daily_consumption": declared,
                    "expected_delivery_units": int(pending_units[day]),
                    "expected_delivery_on": timeline.day(arrival) if arrival is not None else None,
                }
            )
    return rows


def _run_short(
    consumed: np.ndarray,
    stocks: np.ndarray,
    pending_units: np.ndarray,
    pending_days: list[int | None],
    usual: float,
    rng: np.random.Generator,
) -> None:
    """Rewrite the end of a series so the stock runs down to under 3 days of cover, deliveries held back."""
    days = consumed.size
    consumed[-7:] = np.maximum(consumed[-7:], 1)
    mean_last_week = float(consumed[-7:].mean())
    final = int(mean_last_week * rng.uniform(0.6, 2.4))
    # Stock after each day's use if nothing arrives until the end: final + what is used afterwards.
    after = np.concatenate([np.cumsum(consumed[::-1])[::-1][1:], [0]])
    backfilled = final + after
    switch = -1
    for day in range(days - 1, -1, -1):
        if stocks[day] <= backfilled[day]:
            switch = day
            break
    backorder = max(1, round(20 * max(usual, mean_last_week)))
    arrival = days - 1 + int(rng.integers(2, 6))
    for day in range(switch + 1, days):
        stocks[day] = backfilled[day]
        pending_units[day] = backorder
        pending_days[day] = arrival


# --- Staffing -------------------------------------------------------------------------------------------------------


def _staffing_rows(hospital: _Hospital, professions: list[str], timeline: _Timeline, seed: int) -> list[dict[str, Any]]:
    """Weekly needs per profession; the gap opens at the peak."""
    rng = _rng(seed, "staffing", hospital.establishment.finess)
    critical = sum(u.baseline for u in hospital.units if u.bed_type in CRITICAL_BED_TYPES)
    beds = sum(u.baseline for u in hospital.units)
    surgical = sum(u.baseline for u in hospital.units if u.bed_type == "CHIRURGIE")
    first_monday = timeline.start - timedelta(days=timeline.start.weekday())
    rows: list[dict[str, Any]] = []
    monday = first_monday
    while monday <= timeline.end:
        t_mid = np.array([(monday - timeline.start).days + 3.5])
        pressure = float(hospital.department.wave.hospital(t_mid)[0])
        strain = min(max(pressure - 0.3, 0.0), 1.0)
        reported = timeline.not_after_now(timeline.at(monday, 7.0 + float(rng.uniform(0, 3))), 60)
        for code in professions:
            per_critical, per_bed, per_surgical, tightness = STAFF_RATIOS.get(code, DEFAULT_STAFF_RATIO)
            base = 1 + critical * per_critical + beds * per_bed + surgical * per_surgical
            surge = 1 + 0.3 * min(pressure, 1.2) if per_critical > 0 else 1.0
            required = max(1, round(base * surge * float(rng.uniform(0.97, 1.03))))
            short = tightness * strain * float(rng.uniform(0.5, 1.5)) + float(rng.uniform(0.0, 0.04))
            rows.append(
                {
                    "establishment_id": hospital.establishment.id,
                    "profession_code": code,
                    "period_start": monday,
                    "period_end": monday + timedelta(days=6),
                    "required": required,
                    "available": max(0, round(required * (1 - short))),
                    "reported_at": reported,
                    "recorded_at": reported,
                    "channel": CHANNEL,
                }
            )
        monday += timedelta(days=7)
    return rows


def _volunteers(
    session: Session,
    department: _Department,
    professions: list[str],
    timeline: _Timeline,
    seed: int,
    numbered_from: int,
) -> list[Volunteer]:
    rng = _pyrng(seed, "volunteers", department.code)
    codes = [code for code in VOLUNTEER_PROFESSIONS if code in professions] or professions
    weights = [VOLUNTEER_PROFESSIONS.get(code, 0.05) for code in codes]
    count = max(4, round(department.population / 40_000))
    volunteers = []
    for number in range(numbered_from + 1, numbered_from + count + 1):
        available_from = timeline.start + timedelta(days=rng.randint(0, max(0, timeline.days - 7)))
        volunteers.append(
            Volunteer(
                display_name=f"Réserviste {number:04d}",
                profession_code=rng.choices(codes, weights=weights)[0],
                region_code=department.region_code,
                available_from=available_from,
                available_to=available_from + timedelta(days=rng.randint(14, 90)),
                phone=None,
                created_at=timeline.at(available_from - timedelta(days=rng.randint(1, 20)), 10.0),
            )
        )
    session.add_all(volunteers)
    session.flush()
    return volunteers


def _mission_rows(
    department: _Department,
    needs: list[dict[str, Any]],
    volunteers: list[Volunteer],
    timeline: _Timeline,
    seed: int,
) -> list[dict[str, Any]]:
    """Missions posted where the gap is wide; filled by an available volunteer of the profession, or not."""
    rng = _pyrng(seed, "missions", department.code)
    busy_until: dict[int, date] = {}
    rows: list[dict[str, Any]] = []
    for need in needs:
        gap = need["required"] - need["available"]
        if gap < 2 or rng.random() >= 0.5:
            continue
        for _ in range(min(3, gap // 2)):
            starts_on = need["period_start"] + timedelta(days=rng.randint(0, 3))
            ends_on = starts_on + timedelta(days=rng.randint(6, 20))
            status, volunteer_id = "posted", None
            match = next(
                (
                    v
                    for v in volunteers
                    if v.profession_code == need["profession_code"]
                    and v.available_from <= starts_on
                    and v.available_to >= starts_on + timedelta(days=6)
                    and busy_until.get(v.id, date.min) < starts_on
                ),
                None,
            )
            draw = rng.random()
            past = starts_on <= timeline.end - timedelta(days=5)
            if match is not None and draw < (0.8 if past else 0.4):
                status, volunteer_id = "filled", match.id
                busy_until[match.id] = ends_on
            elif draw > (0.4 if past else 0.85):
                # Missions nobody took before they started were withdrawn.
                status = "cancelled"
            posted = timeline.at(need["period_start"] - timedelta(days=rng.randint(1, 3)), 9.0)
            rows.append(
                {
                    "establishment_id": need["establishment_id"],
                    "profession_code": need["profession_code"],
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                    "status": status,
                    "volunteer_id": volunteer_id,
                    "posted_at": timeline.not_after_now(posted, 60),
                }
            )
    return rows


# --- Testing and tracing --------------------------------------------------------------------------------------------


def _testing(department: _Department, timeline: _Timeline, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Tests and positives per day (rows) and age class (columns), by sampling date."""
    rng = _rng(seed, "tests", department.code)
    days = timeline.days
    t = np.arange(days) + 0.5
    shape = department.wave.cases(t)
    incidence = BASE_INCIDENCE + PEAK_INCIDENCE * shape
    positivity = 0.014 + 0.11 * np.minimum(shape, 1.4)
    weekday = np.array([WEEKDAY_TESTING[timeline.day(i).weekday()] for i in range(days)])
    completeness = np.ones(days)
    for offset, share in enumerate(reversed(INCOMPLETE_TAIL)):
        if offset < days:
            completeness[days - 1 - offset] = share
    expected_tests = department.population / 100_000 * incidence / positivity * weekday * completeness
    expected_tests *= rng.normal(1.0, 0.05, days).clip(0.8, 1.2)
    total_tests = rng.poisson(expected_tests)
    shares = np.array([a[1] for a in AGE_CLASSES])
    test_weights = shares * np.array([a[2] for a in AGE_CLASSES])
    test_weights /= test_weights.sum()
    factors = np.array([a[3] for a in AGE_CLASSES])
    factors /= float((test_weights * factors).sum())
    tests = rng.multinomial(total_tests, test_weights)
    rates = np.clip(positivity[:, None] * factors[None, :], 0.0, 0.9)
    positives = rng.binomial(tests, rates)
    return tests, positives


def _test_rows(
    department: _Department, tests: np.ndarray, positives: np.ndarray, timeline: _Timeline
) -> list[dict[str, Any]]:
    population = float(department.population)
    age_population = [population * a[1] for a in AGE_CLASSES]
    test_lists, positive_lists = tests.tolist(), positives.tolist()
    rows: list[dict[str, Any]] = []
    for index in range(timeline.days):
        day = timeline.day(index)
        base = {"level": "department", "territory_code": department.code, "day": day, "source": SOURCE,
                "imported_at": timeline.now}
        rows.append({**base, "age_class": ALL_AGES, "tests": sum(test_lists[index]),
                     "positives": sum(positive_lists[index]), "population": population})
        for column, (age_class, *_rest) in enumerate(AGE_CLASSES):
            rows.append({**base, "age_class": age_class, "tests": test_lists[index][column],
                         "positives": positive_lists[index][column], "population": age_population[column]})
    return rows


def _tracing_rows(department: _Department, new_cases: np.ndarray, timeline: _Timeline, seed: int
                  ) -> list[dict[str, Any]]:
    """Reach falls when cases surge; only a fifth of new cases were known contacts at the peak."""
    rng = _rng(seed, "tracing", department.code)
    days = timeline.days
    surge = np.clip(department.wave.cases(np.arange(days) + 0.5), 0.0, 1.0)
    index_reached = rng.binomial(new_cases, np.clip(0.88 - 0.38 * surge + rng.normal(0, 0.02, days), 0.05, 0.98))
    contacts_per_case = 3.2 - 1.0 * surge
    contacts = rng.poisson(new_cases * contacts_per_case)
    contacts_reached = rng.binomial(contacts, np.clip(0.93 - 0.35 * surge + rng.normal(0, 0.02, days), 0.05, 0.99))
    known = rng.binomial(new_cases, np.clip(0.44 - 0.26 * surge + rng.normal(0, 0.02, days), 0.02, 0.9))
    medians = np.round(np.maximum(0.0, contacts_per_case - 0.7 + rng.normal(0, 0.15, days)), 1)
    rows = []
    for index in range(days):
        day = timeline.day(index)
        moment = timeline.at(day, 20.0)
        if index == days - 1:
            moment = timeline.not_after_now(moment, 30)
        cases = int(new_cases[index])
        rows.append(
            {
                "department_code": department.code,
                "day": day,
                "new_cases": cases,
                "index_reached_4h": int(index_reached[index]),
                "contacts_identified": int(contacts[index]),
                "contacts_reached_24h": int(contacts_reached[index]),
                "cases_known_as_contacts": int(known[index]),
                "contacts_per_case_median": float(medians[index]) if cases else None,
                "reported_at": moment,
                "recorded_at": moment,
                "channel": CHANNEL,
            }
        )
    return rows


def _cluster_rows(department: _Department, new_cases: np.ndarray, timeline: _Timeline, seed: int
                  ) -> list[dict[str, Any]]:
    rng = _pyrng(seed, "clusters", department.code)
    count = int(np.clip(round(float(new_cases.sum()) / 1000), 2, 40))
    weights = (new_cases + 1.0).tolist()
    settings_ = [s for s in CLUSTER_SETTING_WEIGHTS if s in CLUSTER_SETTINGS]
    setting_weights = [CLUSTER_SETTING_WEIGHTS[s] for s in settings_]
    rows = []
    for _ in range(count):
        opened_index = rng.choices(range(timeline.days), weights=weights)[0]
        opened = timeline.day(opened_index)
        age = (timeline.end - opened).days
        setting = rng.choices(settings_, weights=setting_weights)[0]
        closed_on = None
        draw = rng.random()
        if age > 28:
            status = "active" if draw < 0.1 else "closed"
        elif age > 14:
            status = "active" if draw < 0.5 else "closed"
        elif age > 7:
            status = "investigating" if draw < 0.3 else "active"
        else:
            status = "signal" if draw < 0.4 else "investigating" if draw < 0.8 else "active"
        if status == "closed":
            closed_on = min(timeline.end, opened + timedelta(days=rng.randint(14, min(35, max(14, age)))))
        commune = rng.choice(department.communes)[0]
        last_change = closed_on or opened + timedelta(days=rng.randint(0, max(0, age)))
        cases = 3 + int(rng.expovariate(1 / (12 if setting == "care_home" else 6)))
        rows.append(
            {
                "department_code": department.code,
                "commune": commune,
                "label": f"{rng.choice(CLUSTER_NAMES.get(setting, ('Cluster',)))} – {commune}",
                "setting": setting,
                "status": status,
                "opened_on": opened,
                "closed_on": closed_on,
                "cases": cases,
                "updated_at": timeline.not_after_now(timeline.at(last_change, 10.0), 60),
                "updated_by_id": None,
            }
        )
    return rows


# --- Vaccination ----------------------------------------------------------------------------------------------------

FUTURE_SLOT_DAYS = 28


def _slot_rows(department: _Department, timeline: _Timeline, seed: int) -> list[dict[str, Any]]:
    """Slots per centre, day and vaccine, ramping up; the next four weeks are open for booking."""
    rows: list[dict[str, Any]] = []
    for centre in department.centres:
        rng = _rng(seed, "slots", centre.finess)
        vaccines = ["PFIZER", "MODERNA" if rng.random() < 0.5 else "ASTRAZENECA"]
        shares = [0.65, 0.35]
        if rng.random() < 0.2:
            vaccines.append("JANSSEN")
            shares = [0.6, 0.3, 0.1]
        capacity = max(60.0, department.population / 100_000 * 40 / len(department.centres) * rng.uniform(0.8, 1.2))
        snapshot = timeline.now - timedelta(minutes=float(rng.uniform(20, 90)))
        for index in range(timeline.days + FUTURE_SLOT_DAYS):
            day = timeline.day(index)
            ahead = (day - timeline.end).days
            progress = min(1.15, (index + 1) / timeline.days)
            ramp = 0.1 + 0.9 * progress**1.5
            weekday = 0.25 if day.weekday() == 6 else 0.7 if day.weekday() == 5 else 1.0
            booking = min(0.99, 0.78 + 0.18 * progress)
            for vaccine, share in zip(vaccines, shares, strict=True):
                offered = int(rng.poisson(capacity * ramp * weekday * share))
                if offered == 0:
                    continue
                if ahead > 0:
                    booked = int(rng.binomial(offered, booking * max(0.05, 1 - ahead / 21)))
                    administered = no_shows = leftover = 0
                    moment = snapshot
                else:
                    booked = int(rng.binomial(offered, booking))
                    no_shows = int(rng.binomial(booked, 0.10 if vaccine == "ASTRAZENECA" else 0.05))
                    administered = booked - no_shows
                    leftover = int(rng.binomial(no_shows, 0.3))
                    moment = timeline.at(day, 18.0) if ahead < 0 else timeline.not_after_now(timeline.at(day, 18.0), 30)
                rows.append(
                    {
                        "establishment_id": centre.id,
                        "day": day,
                        "vaccine_code": vaccine,
                        "slots_offered": offered,
                        "slots_booked": booked,
                        "doses_administered": administered,
                        "no_shows": no_shows,
                        "leftover_doses": leftover,
                        "reported_at": moment,
                        "recorded_at": moment,
                        "channel": CHANNEL,
                    }
                )
    return rows


def _waiting_rows(department: _Department, timeline: _Timeline, seed: int) -> list[dict[str, Any]]:
    """A few volunteers for leftover doses (no names): age, priority for 75+, where they live."""
    rng = _pyrng(seed, "waiting", department.code)
    rows = []
    for position in range(rng.randint(3, 8)):
        age = rng.randint(75, 95) if rng.random() < 0.4 else rng.randint(18, 74)
        commune = rng.choice(department.communes)
        latitude, longitude = _scatter(commune[1], commune[2], 6.0, rng)
        status, centre_id, expires = "waiting", None, None
        if position == 0 and department.centres:
            status, centre_id = "offered", department.centres[0].id
            expires = timeline.now + timedelta(minutes=rng.randint(15, 90))
        elif position == 1 and department.centres and rng.random() < 0.5:
            status, centre_id = "expired", department.centres[-1].id
            expires = timeline.now - timedelta(hours=rng.randint(2, 30))
        rows.append(
            {
                "department_code": department.code,
                "commune": commune[0],
                "latitude": latitude,
                "longitude": longitude,
                "age": age,
                "priority": 1 if age >= 75 else 0,
                "phone": None,
                "status": status,
                "offered_establishment_id": centre_id,
                "offer_expires_at": expires,
                "created_at": timeline.now - timedelta(hours=rng.randint(2, 14 * 24)),
            }
        )
    return rows


# --- Accounts -------------------------------------------------------------------------------------------------------


def _create_users(
    session: Session,
    chosen: list[_Department],
    region_code: str,
    reporter_hospital: _Hospital,
    password_hash: str,
    timeline: _Timeline,
) -> tuple[DemoAccount, ...]:
    region_name = next(d.region_name for d in chosen if d.region_code == region_code)
    by_code = {d.code: d for d in chosen}
    if region_code == "44":
        tracing_codes = [d.code for d in chosen if d.region_code == "44"]
    else:
        tracing_codes = [d.code for d in chosen[:2]]
    hospital = reporter_hospital.establishment
    reporter_scope = [hospital] + ([reporter_hospital.pui] if reporter_hospital.pui is not None else [])
    departments = {d.code: d for d in session.scalars(select(Department).where(Department.code.in_(tracing_codes)))}
    plans = [
        ("admin@demo.fr", "admin", "Administrateur (démo)", {}, "Administrateur : comptes, établissements, imports."),
        ("national@demo.fr", "national", "Cellule nationale (démo)", {}, "Cellule nationale : toute la France."),
        (
            "ars.grandest@demo.fr",
            "regional",
            f"ARS {region_name} (démo)",
            {"region_code": region_code},
            f"Cellule régionale de l'ARS {region_name} (région {region_code}).",
        ),
        (
            "tracing@demo.fr",
            "tracing",
            "Plateforme de contact-tracing (démo)",
            {"departments": [departments[code] for code in tracing_codes]},
            "Contact-tracing des départements "
            + ", ".join(f"{by_code[code].name} ({code})" for code in tracing_codes)
            + ".",
        ),
        (
            "declarant@demo.fr",
            "reporter",
            f"Déclarant – {hospital.name}",
            {"establishments": reporter_scope},
            f"Déclarant de « {hospital.name} » ({hospital.finess}) et de sa pharmacie.",
        ),
    ]
    accounts = []
    for email, role, display_name, scope, description in plans:
        session.add(
            User(
                email=email,
                display_name=display_name,
                password_hash=password_hash,
                role=role,
                active=True,
                created_at=timeline.now,
                **scope,
            )
        )
        accounts.append(DemoAccount(email, role, description))
    session.flush()
    return tuple(accounts)
