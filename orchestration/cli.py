"""`quartiers` command: headless runs through the same Dagster definitions as the UI.

    quartiers demo [--national]      generate the demo inbox, run everything, print a summary
    quartiers ingest FOLDER [--json] [--build]   read a folder of returns
    quartiers retract FILE --reason "…"   withdraw a file (trace kept), rebuild
    quartiers template OUT.xlsx --campaign 2025 [--departement 54]   the return template
    quartiers run                    reference + new inbox files + build, then the summary
    quartiers summary                what the published snapshot holds
"""

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb

from dashboards.site import CONFIDENTIALITY_FILE
from orchestration.sensors import RANGE_END, RANGE_START
from orchestration.settings import PROJECT_ROOT, Settings, load_settings
from returns.inbox import index_by_hash


def instance_for(settings: Settings) -> dg.DagsterInstance:
    """The project's own Dagster instance (never the user's global one)."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(settings.data_dir / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    return dg.DagsterInstance.get()


def _defs() -> dg.Definitions:
    from orchestration.definitions import defs  # imported late: needs the dbt manifest

    return defs


def _run(job_name: str, instance: dg.DagsterInstance, tags: dict[str, str] | None = None,
         run_config: dict | None = None) -> None:
    result = _defs().resolve_job_def(job_name).execute_in_process(
        instance=instance, tags=tags or {}, run_config=run_config, raise_on_error=False)
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        raise SystemExit(f"Échec du job {job_name} (étapes : {', '.join(failed)}). "
                         "Voir les journaux ci-dessus ou l'interface Dagster.")


def ingest(settings: Settings, instance: dg.DagsterInstance) -> list[str]:
    """Register every inbox file as a partition and read those not yet read, in one run."""
    _run("reference_job", instance)
    keys = list(index_by_hash(settings.inbox))
    if not keys:
        return []
    known = set(instance.get_dynamic_partitions("inbox_files"))
    instance.add_dynamic_partitions("inbox_files", [k for k in keys if k not in known])
    # A range over the partitions in their stored order covers the files of this inbox.
    order = {k: i for i, k in enumerate(instance.get_dynamic_partitions("inbox_files"))}
    ordered = sorted(keys, key=order.__getitem__)
    if len(ordered) == order[ordered[-1]] - order[ordered[0]] + 1:
        _run("ingest_job", instance, {RANGE_START: ordered[0], RANGE_END: ordered[-1]})
    else:  # files of another inbox sit between: one run per contiguous block
        block = [ordered[0]]
        for key in ordered[1:] + [None]:
            if key is not None and order[key] == order[block[-1]] + 1:
                block.append(key)
                continue
            _run("ingest_job", instance, {RANGE_START: block[0], RANGE_END: block[-1]})
            block = [key] if key else []
    return keys


def file_records(settings: Settings, keys: list[str]) -> list[dict]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        files = con.sql(
            "SELECT file_hash, file_name, kinds, status, rows_read, rows_accepted, "
            "rows_quarantined, dropped_columns, extra_columns FROM raw.files "
            "WHERE file_hash IN (SELECT unnest($1)) ORDER BY file_name", params=[keys]).pl()
        reasons = con.sql(
            "SELECT file_hash, rule, count(DISTINCT (coalesce(sheet, ''), coalesce(line, -1))) AS n "
            "FROM raw.quarantine WHERE file_hash IN (SELECT unnest($1)) GROUP BY ALL",
            params=[keys]).pl()
    finally:
        con.close()
    by_file: dict[str, dict[str, int]] = {}
    for h, rule, n in reasons.iter_rows():
        by_file.setdefault(h, {})[rule] = n
    return [{
        "file": r["file_name"], "file_hash": r["file_hash"], "kind": r["kinds"] or None,
        "status": r["status"], "rows_read": r["rows_read"], "accepted": r["rows_accepted"],
        "quarantined": r["rows_quarantined"], "reasons_by_rule": by_file.get(r["file_hash"], {}),
        "dropped_columns": [c for c in (r["dropped_columns"] or "").split(";") if c],
        "extra_columns": [c for c in (r["extra_columns"] or "").split(";") if c],
    } for r in files.iter_rows(named=True)]


def _fr(n: float, digits: int = 0) -> str:
    return f"{n:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def _secret_lines(settings: Settings) -> list[str]:
    """What statistical confidentiality hides on the site (from the site build's report)."""
    try:
        report = json.loads((settings.site / CONFIDENTIALITY_FILE).read_text(encoding="utf-8"))
        site, levels = report["site"], report["levels"]
    except (OSError, ValueError, KeyError):
        return []
    words = {"france": "page France", "region": "pages régions", "departement": "pages départements"}
    per_level = ", ".join(f"{words.get(lv, lv)} {_fr(100 * r['share_hidden'], 2)} %" for lv, r in levels.items())
    return [
        f"  Secret statistique      : {_fr(100 * site['share_hidden'], 2)} % des participations "
        f"publiées masquées ({per_level}) ;",
        f"                            {site['hidden_primary']} cases « < 11 », "
        f"{site['hidden_secondary']} cases « s », {site['headline_hidden']} chiffre(s) clé(s) masqué(s)",
    ]


def summary(settings: Settings) -> str:
    con = duckdb.connect(str(settings.snapshot), read_only=True)
    try:
        f = con.sql("SELECT count(*), sum(rows_read), sum(rows_accepted), sum(rows_quarantined), "
                    "count(*) FILTER (WHERE status = 'rejected') FROM raw.files").fetchall()[0]
        a = con.sql("SELECT count(*), sum(young_participations), sum(participants) "
                    "FROM marts.fct_actions").fetchall()[0]
        state = con.sql("SELECT sum(amount_granted) FROM marts.fct_funding_lines "
                        "WHERE funder = 'etat_politique_ville'").fetchall()[0][0] or 0
        years = con.sql("SELECT min(campaign_year), max(campaign_year) "
                        "FROM marts.fct_actions").fetchall()[0]
    finally:
        con.close()
    index = settings.site / "index.html"
    return "\n".join([
        "",
        "quartiers — résumé",
        f"  Fichiers lus            : {f[0]} (dont {f[4]} refusés entièrement)",
        f"  Lignes lues             : {_fr(f[1] or 0)} — acceptées {_fr(f[2] or 0)}, "
        f"en quarantaine {_fr(f[3] or 0)}",
        f"  Campagnes               : {years[0]}–{years[1]}",
        f"  Actions                 : {_fr(a[0])}",
        f"  Participations          : {_fr(a[2] or 0)} dont {_fr(a[1] or 0)} de jeunes (6–25 ans)"
        " — des participations, pas des personnes distinctes",
        f"  Crédits État accordés   : {_fr(state)} € (politique de la ville, programme 147)",
        f"  Référentiel QPV         : {settings.referential_label}",
        f"  Tableaux de bord        : {index}",
        *_secret_lines(settings),
        f"  Entrepôt des analystes  : {settings.snapshot}",
        f"      python -c \"import duckdb; duckdb.connect('{settings.snapshot}', "
        "read_only=True)\"",
        "",
    ])


def run_all(settings: Settings) -> None:
    instance = instance_for(settings)
    t0 = time.perf_counter()
    ingest(settings, instance)
    t1 = time.perf_counter()
    _run("build_job", instance)
    t2 = time.perf_counter()
    print(summary(settings))
    print(f"  Durées : lecture {t1 - t0:.1f} s, construction et publication {t2 - t1:.1f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="quartiers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="generate the demo inbox and run the whole pipeline")
    demo.add_argument("--national", action="store_true", help="every metropolitan région")
    demo.add_argument("--seed", type=int, default=2020)
    ing = sub.add_parser("ingest", help="read a folder of returns through the ingestion job")
    ing.add_argument("folder", type=Path)
    ing.add_argument("--json", action="store_true", help="one JSON record per file")
    ing.add_argument("--build", action="store_true", help="then build and publish")
    ret = sub.add_parser("retract", help="withdraw a received file (its trace stays), rebuild")
    ret.add_argument("file", help="content hash (or its beginning) or file name")
    ret.add_argument("--reason", required=True, help="why, in French")
    tpl = sub.add_parser("template", help="write the porteurs' return template (XLSX)")
    tpl.add_argument("output", type=Path)
    tpl.add_argument("--campaign", type=int, required=True)
    tpl.add_argument("--departement", help="code of the département whose QPV are listed")
    sub.add_parser("run", help="read the inbox, build and publish")
    sub.add_parser("summary", help="print what the published snapshot holds")
    args = parser.parse_args(argv)

    if args.command == "demo":
        from demodata.generator import generate_demo
        from demodata.territories import ALL_REGIONS

        settings = load_settings()
        t = time.perf_counter()
        regions = tuple(ALL_REGIONS) if args.national else ("44",)
        official = settings.qpv_2024_file if settings.referential_is_official else None
        generate_demo(settings.data_dir, seed=args.seed, regions=regions, qpv_2024_file=official)
        print(f"Données de démonstration générées dans {settings.data_dir} "
              f"({time.perf_counter() - t:.1f} s)")
        run_all(load_settings())
    elif args.command == "ingest":
        os.environ["QUARTIERS_INBOX"] = str(args.folder.resolve())
        settings = load_settings()
        instance = instance_for(settings)
        keys = ingest(settings, instance)
        if args.build:
            _run("build_job", instance)
        records = file_records(settings, keys) if keys else []
        if args.json:
            for record in records:
                print(json.dumps(record, ensure_ascii=False))
        else:
            for r in records:
                print(f"{r['file']}: {r['status']} — {r['accepted']} acceptées, "
                      f"{r['quarantined']} refusées sur {r['rows_read']}")
    elif args.command == "retract":
        settings = load_settings()
        instance = instance_for(settings)
        _run("retract_job", instance, run_config={"ops": {"retract_file": {"config": {
            "file": args.file, "reason": args.reason}}}})
        _run("build_job", instance)
        print(f"Fichier {args.file} retiré ; indicateurs et publications reconstruits.")
    elif args.command == "template":
        from returns.template import qpv_for, write_template

        settings = load_settings()
        qpv = (qpv_for(settings.qpv_2024_file, args.departement, args.campaign)
               if args.departement else None)
        path = write_template(args.output, campaign=args.campaign, department=args.departement,
                              qpv=qpv)
        print(f"Modèle de bilan écrit : {path} ({len(qpv or [])} QPV listés)")
    elif args.command == "run":
        run_all(load_settings())
    elif args.command == "summary":
        print(summary(load_settings()))


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
