"""Metropolitan régions and départements (INSEE COG 2026), built in so the demo needs no file.

Only what the generator needs: codes, French names and the région of each département.
Overseas départements are left out on purpose: the demo covers metropolitan France.
"""

from __future__ import annotations

from typing import NamedTuple


class Department(NamedTuple):
    code: str
    name: str
    region_code: str

    @property
    def code3(self) -> str:
        """Three-character form used inside QPV codes (54 -> 054, 2A -> 02A)."""
        return self.code.rjust(3, "0")


REGIONS: dict[str, str] = {
    "11": "Île-de-France",
    "24": "Centre-Val de Loire",
    "27": "Bourgogne-Franche-Comté",
    "28": "Normandie",
    "32": "Hauts-de-France",
    "44": "Grand Est",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}
DEPARTMENTS: tuple[Department, ...] = (
    Department("01", "Ain", "84"),
    Department("02", "Aisne", "32"),
    Department("03", "Allier", "84"),
    Department("04", "Alpes-de-Haute-Provence", "93"),
    Department("05", "Hautes-Alpes", "93"),
    Department("06", "Alpes-Maritimes", "93"),
    Department("07", "Ardèche", "84"),
    Department("08", "Ardennes", "44"),
    Department("09", "Ariège", "76"),
    Department("10", "Aube", "44"),
    Department("11", "Aude", "76"),
    Department("12", "Aveyron", "76"),
    Department("13", "Bouches-du-Rhône", "93"),
    Department("14", "Calvados", "28"),
    Department("15", "Cantal", "84"),
    Department("16", "Charente", "75"),
    Department("17", "Charente-Maritime", "75"),
    Department("18", "Cher", "24"),
    Department("19", "Corrèze", "75"),
    Department("21", "Côte-d'Or", "27"),
    Department("22", "Côtes-d'Armor", "53"),
    Department("23", "Creuse", "75"),
    Department("24", "Dordogne", "75"),
    Department("25", "Doubs", "27"),
    Department("26", "Drôme", "84"),
    Department("27", "Eure", "28"),
    Department("28", "Eure-et-Loir", "24"),
    Department("29", "Finistère", "53"),
    Department("2A", "Corse-du-Sud", "94"),
    Department("2B", "Haute-Corse", "94"),
    Department("30", "Gard", "76"),
    Department("31", "Haute-Garonne", "76"),
    Department("32", "Gers", "76"),
    Department("33", "Gironde", "75"),
    Department("34", "Hérault", "76"),
    Department("35", "Ille-et-Vilaine", "53"),
    Department("36", "Indre", "24"),
    Department("37", "Indre-et-Loire", "24"),
    Department("38", "Isère", "84"),
    Department("39", "Jura", "27"),
    Department("40", "Landes", "75"),
    Department("41", "Loir-et-Cher", "24"),
    Department("42", "Loire", "84"),
    Department("43", "Haute-Loire", "84"),
    Department("44", "Loire-Atlantique", "52"),
    Department("45", "Loiret", "24"),
    Department("46", "Lot", "76"),
    Department("47", "Lot-et-Garonne", "75"),
    Department("48", "Lozère", "76"),
    Department("49", "Maine-et-Loire", "52"),
    Department("50", "Manche", "28"),
    Department("51", "Marne", "44"),
    Department("52", "Haute-Marne", "44"),
    Department("53", "Mayenne", "52"),
    Department("54", "Meurthe-et-Moselle", "44"),
    Department("55", "Meuse", "44"),
    Department("56", "Morbihan", "53"),
    Department("57", "Moselle", "44"),
    Department("58", "Nièvre", "27"),
    Department("59", "Nord", "32"),
    Department("60", "Oise", "32"),
    Department("61", "Orne", "28"),
    Department("62", "Pas-de-Calais", "32"),
    Department("63", "Puy-de-Dôme", "84"),
    Department("64", "Pyrénées-Atlantiques", "75"),
    Department("65", "Hautes-Pyrénées", "76"),
    Department("66", "Pyrénées-Orientales", "76"),
    Department("67", "Bas-Rhin", "44"),
    Department("68", "Haut-Rhin", "44"),
    Department("69", "Rhône", "84"),
    Department("70", "Haute-Saône", "27"),
    Department("71", "Saône-et-Loire", "27"),
    Department("72", "Sarthe", "52"),
    Department("73", "Savoie", "84"),
    Department("74", "Haute-Savoie", "84"),
    Department("75", "Paris", "11"),
    Department("76", "Seine-Maritime", "28"),
    Department("77", "Seine-et-Marne", "11"),
    Department("78", "Yvelines", "11"),
    Department("79", "Deux-Sèvres", "75"),
    Department("80", "Somme", "32"),
    Department("81", "Tarn", "76"),
    Department("82", "Tarn-et-Garonne", "76"),
    Department("83", "Var", "93"),
    Department("84", "Vaucluse", "93"),
    Department("85", "Vendée", "52"),
    Department("86", "Vienne", "75"),
    Department("87", "Haute-Vienne", "75"),
    Department("88", "Vosges", "44"),
    Department("89", "Yonne", "27"),
    Department("90", "Territoire de Belfort", "27"),
    Department("91", "Essonne", "11"),
    Department("92", "Hauts-de-Seine", "11"),
    Department("93", "Seine-Saint-Denis", "11"),
    Department("94", "Val-de-Marne", "11"),
    Department("95", "Val-d'Oise", "11"),
)

ALL_REGIONS: tuple[str, ...] = tuple(REGIONS)


def departments_of(regions: tuple[str, ...] | list[str]) -> list[Department]:
    """Départements of the given régions, in COG order; unknown région codes are an error."""
    unknown = sorted(set(regions) - set(REGIONS))
    if unknown:
        raise ValueError(f"unknown or non-metropolitan région code(s): {', '.join(unknown)}")
    wanted = set(regions)
    return [d for d in DEPARTMENTS if d.region_code in wanted]


def department(code: str) -> Department:
    for d in DEPARTMENTS:
        if d.code == code:
            return d
    raise KeyError(code)
