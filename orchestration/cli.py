"""`quartiers` command: headless runs through the same Dagster definitions as the UI.

quartiers demo [--national]      generate the demo inbox, run everything, print a summary
quartiers ingest FOLDER [--json] [--build]   read a folder of returns
quartiers retract FILE --reason "…"   withdraw a file (trace kept), rebuild
quartiers template OUT.xlsx --campaign 2025 [--departement 54]   the return template
quartiers run                    reference + new inbox files + build, then the summary
quartiers summary                what the published snapshot holds
"""

import argparse
import contextlib
import functools
import gc
import json
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from dashboards import formatting as fmt
from dashboards.site import CONFIDENTIALITY_FILE
from orchestration.early_dbt import dbt_ahead, inbox_listing, record_listing
from orchestration.instance import write_instance_yaml
from orchestration.progress import RunProgress
from orchestration.runs import BlockedRunGuard, WarehouseBusy, process_tags, wait_for_pool
from orchestration.sensors import RANGE_END, RANGE_START
from orchestration.up_to_date import (
    fingerprint,
    last_build_current,
    record_build,
    record_reference,
    reference_current,
    reference_fingerprint,
)
from platform_config.resources import WAREHOUSE_POOL, connect_when_free
from platform_config.settings import Settings, load_settings
from platform_config.warm_dbt import warm_dbt
from returns.inbox import duplicates, index_by_hash, partition_ranges, scan, skipped_links
from returns.privacy import mask_text


def instance_for(settings: Settings) -> dg.DagsterInstance:
    """The project's own Dagster instance (never the user's global one)."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(settings.data_dir / ".dagster_home")))
    try:
        write_instance_yaml(home)  # PostgreSQL storage when QUARTIERS_DAGSTER_PG_URL is set
    except ValueError as bad:
        raise SystemExit(str(bad)) from None
    return dg.DagsterInstance.get()


@functools.cache
def _defs() -> dg.Definitions:
    from orchestration.definitions import defs  # imported late: needs the dbt manifest

    # Dagster, dbt's manifest and the definitions live as long as the command: out of the
    # collector's sight, they are not walked again at each full collection of a run nor at
    # the interpreter's exit (≈ 2 s of the national bench's command, half of it at exit).
    # (the collector's thresholds are raised once, as the command starts: orchestration/command.py)
    gc.freeze()
    return defs


def _stop_on_sigterm() -> None:
    """SIGTERM ends the command (Dagster maps it to SIGINT during an execution and leaves it
    so afterwards: set again before each wait)."""

    def stop(signum, frame):
        raise SystemExit(f"Arrêt demandé (signal {signum}).")

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


# What each job is called on the console; by default its Dagster and dbt output goes to the
# log file under the data folder (`--verbose` shows it instead).
STAGES = {
    "reference_job": "Référentiels (QPV, populations, listes de codes)",
    "ingest_job": "Lecture et contrôle des fichiers reçus",
    "retract_job": "Retrait du fichier",
    "build_job": "Indicateurs (dbt), copie des analystes, site, relances",
}
VERBOSE = os.environ.get("QUARTIERS_VERBOSE", "") in ("1", "true", "yes")
# Where progress and waiting messages go while a stage's output is logged; otherwise the
# current sys.stderr, looked up when printing (a stream bound at import may be closed since).
_console = None


def _out():
    return _console or sys.stderr


def log_path(settings: Settings) -> Path:
    return settings.data_dir / "logs" / "quartiers.log"


@contextlib.contextmanager
def _stage(job_name: str):
    """One progress line for the job; its output (Python, Dagster, dbt child processes) is
    appended to the log file unless verbose. On failure, the end of the log is shown."""
    global _console
    label = STAGES.get(job_name, job_name)
    if VERBOSE:
        yield
        return
    log = log_path(load_settings())
    log.parent.mkdir(parents=True, exist_ok=True)
    print(f"• {label} …", file=_out(), flush=True)
    t = time.perf_counter()
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    previous, _console = _console, os.fdopen(os.dup(saved[1]), "w", buffering=1)
    ok = False
    try:
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} {job_name} =====\n")
            fh.flush()
            os.dup2(fh.fileno(), 1)
            os.dup2(fh.fileno(), 2)
            try:
                yield
                ok = True
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                for fd in saved:
                    os.close(fd)
                _console.close()
                _console = previous
    finally:  # also when the job failed (SystemExit) or was interrupted
        if ok:
            print(f"  fait ({time.perf_counter() - t:.1f} s)", file=_out(), flush=True)
        else:
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
            print(
                "  échec — fin du journal :\n    "
                + "\n    ".join(tail)
                + f"\n  Journal complet : {log}",
                file=_out(),
                flush=True,
            )


def _wait_turn(instance: dg.DagsterInstance) -> None:
    """Free what dead runs hold, then wait (bounded, with a message) for the live ones."""
    try:
        wait_for_pool(instance, WAREHOUSE_POOL, minutes=load_settings().wait_minutes, say=_say)
    except WarehouseBusy as busy:
        raise SystemExit(str(busy)) from None


@contextlib.contextmanager
def _reading(settings: Settings, instance: dg.DagsterInstance):
    """A read-only look at the live warehouse (None before the first run), taken in turn like
    a run: DuckDB refuses a reader while another process writes, and a killed run's dbt may
    still hold the file for a moment."""
    if not settings.warehouse.exists():
        yield None
        return
    _wait_turn(instance)
    con = connect_when_free(str(settings.warehouse), read_only=True)
    try:
        yield con
    finally:
        con.close()


def _run(
    job_name: str,
    instance: dg.DagsterInstance,
    tags: dict[str, str] | None = None,
    run_config: dict | None = None,
) -> str:
    """Execute a job in this process, once no live run holds the warehouse. A run whose
    process died is marked failed and its slots freed first; a live one is waited for, at
    most QUARTIERS_WAIT_MINUTES, with a message saying which run it is and since when."""
    minutes = load_settings().wait_minutes
    _stop_on_sigterm()
    _wait_turn(instance)
    run_id = str(uuid.uuid4())
    with _stage(job_name):
        job = _defs().resolve_job_def(job_name)
        guard = BlockedRunGuard(instance, run_id, WAREHOUSE_POOL, minutes=minutes, say=_say)
        with guard, _progress(job, instance, run_id):
            result = job.execute_in_process(
                instance=instance,
                run_id=run_id,
                tags={**process_tags(), **(tags or {})},
                run_config=run_config,
                raise_on_error=False,
            )
        # the run's cycles (its steps' frames and contexts) hold what the steps read, polars
        # frames and DuckDB results: freed now, not at a rare full collection (national: the
        # ingest's ≈ 130 MB, given back before dbt's process and the publication need memory)
        gc.collect()
        if not result.success:
            failed = [e.step_key for e in result.all_events if e.is_step_failure]
            raise SystemExit(
                f"Échec du job {job_name} (étapes : {', '.join(failed)}). "
                "Voir le journal ou l'interface Dagster."
            )
    return run_id


def _progress(job: dg.JobDefinition, instance: dg.DagsterInstance, run_id: str):
    """Counts per stage on the console, from the run's events (none when verbose: the event
    log is on screen)."""
    if VERBOSE:
        return contextlib.nullcontext()
    from orchestration.dbt_assets import quartiers_dbt

    dbt_keys = set(quartiers_dbt.keys) & set(job.asset_layer.selected_asset_keys)
    display = RunProgress(_out(), dbt_keys)
    instance.add_event_listener(run_id, display.on_event)
    return display


def _say(text: str) -> None:
    print(text, file=_out(), flush=True)


def ingest(
    settings: Settings,
    instance: dg.DagsterInstance,
    on_new_files: Callable[[], None] | None = None,
) -> list[str]:
    """Register every inbox file as a partition and read those not yet read, in one run;
    `on_new_files()` is called first, when there are some."""
    with _reading(settings, instance) as con:
        current = reference_current(settings, con)
        read = registered_files(con)  # the reference's load does not change them
    listing = inbox_listing(settings.inbox)  # before the reading: a file added meanwhile is new
    keys = list(index_by_hash(settings.inbox))
    unread = [k for k in keys if k not in read]
    if unread and on_new_files is not None:
        # before the reference's load: what it starts (dbt's import and parse) uses the other
        # core while this process loads the definitions and runs the reference job
        on_new_files()
    if current:
        _say(f"• {STAGES['reference_job']} : inchangés, pas de rechargement")
    else:
        inputs = reference_fingerprint(settings)
        run_id = _run("reference_job", instance)
        with _reading(settings, instance) as con:
            record_reference(settings, con, inputs, run_id)
    if not unread:
        if keys:
            _say(f"• {STAGES['ingest_job']} : aucun nouveau fichier")
        record_listing(settings, listing)
        return keys
    known = set(instance.get_dynamic_partitions("inbox_files"))
    instance.add_dynamic_partitions("inbox_files", [k for k in unread if k not in known])
    # One run per contiguous block of partitions (files of another inbox may sit between).
    stored = instance.get_dynamic_partitions("inbox_files")
    for first, last in partition_ranges(unread, stored):
        _run("ingest_job", instance, {RANGE_START: first, RANGE_END: last})
    record_listing(settings, listing)
    return keys


def file_records(con: duckdb.DuckDBPyConnection, keys: list[str]) -> list[dict]:
    files = con.sql(
        "SELECT file_hash, file_name, kinds, status, rows_read, rows_accepted, "
        "rows_quarantined, dropped_columns, extra_columns FROM raw.files "
        "WHERE file_hash IN (SELECT unnest($1)) ORDER BY file_name",
        params=[keys],
    ).pl()
    reasons = con.sql(
        "SELECT file_hash, rule, count(DISTINCT (coalesce(sheet, ''), coalesce(line, -1))) AS n "
        "FROM raw.quarantine WHERE file_hash IN (SELECT unnest($1)) GROUP BY ALL",
        params=[keys],
    ).pl()
    by_file: dict[str, dict[str, int]] = {}
    for h, rule, n in reasons.iter_rows():
        by_file.setdefault(h, {})[rule] = n
    return [
        {
            "file": r["file_name"],
            "file_hash": r["file_hash"],
            "kind": r["kinds"] or None,
            "status": r["status"],
            "rows_read": r["rows_read"],
            "accepted": r["rows_accepted"],
            "quarantined": r["rows_quarantined"],
            "reasons_by_rule": by_file.get(r["file_hash"], {}),
            "dropped_columns": [c for c in (r["dropped_columns"] or "").split(";") if c],
            "extra_columns": [c for c in (r["extra_columns"] or "").split(";") if c],
        }
        for r in files.iter_rows(named=True)
    ]


ALREADY_RECEIVED = "already_received"  # same bytes as a file received before: not read again


def registered_files(con: duckdb.DuckDBPyConnection | None) -> dict[str, str]:
    """Hash → stored name of the files the warehouse already holds (none before a first run)."""
    if con is None:
        return {}
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'raw' AND table_name = 'files'"
    ).fetchall()
    if not exists[0][0]:
        return {}
    return dict(con.execute("SELECT file_hash, file_name FROM raw.files").fetchall())


def already_received(name: str, digest: str, duplicate_of: str) -> dict:
    """The record of a file whose bytes were received before (under this or another name)."""
    return {
        "file": name,
        "file_hash": digest,
        "kind": None,
        "status": ALREADY_RECEIVED,
        "duplicate_of": duplicate_of,
        "rows_read": 0,
        "accepted": 0,
        "quarantined": 0,
        "reasons_by_rule": {},
        "dropped_columns": [],
        "extra_columns": [],
    }


def folder_records(
    settings: Settings, instance: dg.DagsterInstance, build: bool = False
) -> list[dict]:
    """Read a folder: one record per file in it, a re-sent file included (status
    already_received, with the name of the file it duplicates)."""
    with _reading(settings, instance) as con:
        before = registered_files(con)
    scanned = scan(settings.inbox)
    keys = ingest(settings, instance)
    if build:
        run_build(settings, instance)
    with _reading(settings, instance) as con:
        found = file_records(con, keys) if keys and con is not None else []
    records = {r["file_hash"]: r | {"duplicate_of": None} for r in found}
    out, copies = [], duplicates(scanned)
    for path, digest in scanned:
        first = copies.get(path)
        if first is not None:
            out.append(already_received(mask_text(path.name), digest, mask_text(first.name)))
        elif digest in before:
            out.append(already_received(mask_text(path.name), digest, before[digest]))
        elif digest in records:
            out.append(records[digest])
    return out


@contextlib.contextmanager
def stdout_to_stderr():
    """Everything written to stdout meanwhile, by Python or by child processes (dbt), goes
    to stderr: stdout stays for the JSON records."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _fr(n: float, digits: int = 0) -> str:
    return fmt.number(n, digits)  # the pages' French number format


def _secret_lines(settings: Settings) -> list[str]:
    """What statistical confidentiality hides on the site (from the site build's report)."""
    try:
        report = json.loads((settings.site / CONFIDENTIALITY_FILE).read_text(encoding="utf-8"))
        site, levels = report["site"], report["levels"]
    except (OSError, ValueError, KeyError):
        return []
    words = {
        "france": "page France",
        "region": "pages régions",
        "departement": "pages départements",
    }
    per_level = ", ".join(
        f"{words.get(lv, lv)} {_fr(100 * r['share_hidden'], 2)} %" for lv, r in levels.items()
    )
    return [
        f"  Secret statistique      : {_fr(100 * site['share_hidden'], 2)} % des participations "
        f"publiées masquées ({per_level}) ;",
        f"                            {site['hidden_primary']} cases « < 11 », "
        f"{site['hidden_secondary']} cases « s », {site['headline_hidden']} chiffre(s) clé(s) masqué(s)",
    ]


def summary(settings: Settings) -> str:
    con = duckdb.connect(str(settings.snapshot), read_only=True)
    try:
        f = con.sql(
            "SELECT count(*), sum(rows_read), sum(rows_accepted), sum(rows_quarantined), "
            "count(*) FILTER (WHERE status = 'rejected') FROM raw.files"
        ).fetchall()[0]
        # the France rows of the marts (all schemes), one per campaign: the figures the
        # site's France page shows, not sums of the facts again
        a = con.sql(
            "SELECT sum(actions), sum(young_participations), sum(participations), "
            "min(campaign_year) FILTER (WHERE actions > 0), "
            "max(campaign_year) FILTER (WHERE actions > 0) "
            "FROM marts.mart_reach WHERE territory_level = 'france' AND scheme = 'ALL'"
        ).fetchall()[0]
        state = (
            con.sql(
                "SELECT sum(granted_state_pv) FROM marts.mart_funding "
                "WHERE territory_level = 'france' AND scheme = 'ALL'"
            ).fetchall()[0][0]
            or 0
        )
        years = a[3:5]
    finally:
        con.close()
    index = settings.site / "index.html"
    return "\n".join(
        [
            "",
            "quartiers — résumé",
            f"  Fichiers lus            : {f[0]} (dont {f[4]} refusés entièrement)",
            f"  Lignes lues             : {_fr(f[1] or 0)} — acceptées {_fr(f[2] or 0)}, "
            f"en quarantaine {_fr(f[3] or 0)}",
            f"  Campagnes               : {years[0]}–{years[1]}",
            f"  Actions                 : {_fr(a[0] or 0)}",
            f"  Participations          : {_fr(a[2] or 0)} dont {_fr(a[1] or 0)} de jeunes (6–25 ans)"
            " — des participations, pas des personnes distinctes",
            f"  Crédits État accordés   : {_fr(state)} € (politique de la ville, programme 147)",
            f"  Référentiel QPV         : {settings.referential_label}",
            f"  Tableaux de bord        : {index}",
            *_secret_lines(settings),
            f"  Entrepôt des analystes  : {settings.snapshot}",
            f"      python -c \"import duckdb; duckdb.connect('{settings.snapshot}', "
            'read_only=True)"',
            "",
        ]
    )


def retract(instance: dg.DagsterInstance, file: str, reason: str) -> None:
    _run(
        "retract_job",
        instance,
        run_config={"ops": {"retract_file": {"config": {"file": file, "reason": reason}}}},
    )


def _inputs(settings: Settings, instance: dg.DagsterInstance) -> tuple[str | None, date]:
    """The fingerprint of what a build would publish now, and its day."""
    today = date.today()
    with _reading(settings, instance) as con:
        return fingerprint(settings, con, today), today


def run_build(
    settings: Settings,
    instance: dg.DagsterInstance,
    inputs: tuple[str | None, date] | None = None,
) -> None:
    """The build job, recorded with the fingerprint of the inputs it starts from."""
    fingerprinted, today = inputs or _inputs(settings, instance)
    record_build(settings, fingerprinted, _run("build_job", instance), today)


def run_all(
    settings: Settings, withdraw: dict[str, str] | None = None, force: bool = False
) -> None:
    """Ingest the inbox, withdraw the given files (name -> reason), build and publish (unless
    the last publication was made from the same inputs and `force` is not set)."""
    with contextlib.ExitStack() as stack:
        started = False

        def expect_build() -> None:
            # dbt imports itself and parses the project while this process reads the new
            # files; not started for a run that will find nothing to build
            nonlocal started
            if not started:
                stack.enter_context(warm_dbt(dbt_ahead(settings)))
                started = True

        if force or withdraw:
            expect_build()
        instance = instance_for(settings)
        t0 = time.perf_counter()
        ingest(settings, instance, on_new_files=expect_build)
        for file, reason in (withdraw or {}).items():
            retract(instance, file, reason)
        t1 = time.perf_counter()
        inputs = _inputs(settings, instance)
        done = None if force else last_build_current(settings, inputs[0])
        if done:
            print(
                f"Rien de nouveau depuis la publication du {done['finished']} : indicateurs, "
                "copie des analystes et site sont à jour (pas de reconstruction)."
            )
        else:
            run_build(settings, instance, inputs)
        t2 = time.perf_counter()
    print(summary(settings))
    print(f"  Durées : lecture {t1 - t0:.1f} s, construction et publication {t2 - t1:.1f} s")


class _FrenchFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(
            usage, actions, groups, "utilisation : " if prefix is None else prefix
        )


class _FrenchParser(argparse.ArgumentParser):
    """argparse in French: usage, section titles and the help option."""

    def __init__(self, *args, **kwargs):
        kwargs.update(add_help=False, formatter_class=_FrenchFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title, self._optionals.title = "arguments", "options"
        self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {message}\n")


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    return _FrenchParser(prog=prog, description=description)


DESCRIPTION = """Plateforme des programmes d'été dans les quartiers prioritaires (QPV) : lecture
des bilans des porteurs et des exports de financements, indicateurs, tableaux de bord.

Par défaut, chaque étape affiche une ligne et le détail (Dagster, dbt) va dans le journal
data/logs/quartiers.log ; --verbose l'affiche à l'écran."""


def main(argv: list[str] | None = None) -> None:
    global VERBOSE
    parser = _parser("quartiers", description=DESCRIPTION)
    parser.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="afficher le détail des runs (Dagster, dbt) au lieu du journal",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMANDE", parser_class=_FrenchParser
    )
    demo = sub.add_parser("demo", help="générer les données de démonstration et tout lancer")
    demo.add_argument(
        "--national",
        action="store_true",
        help="toutes les régions de métropole (sinon le Grand Est)",
    )
    demo.add_argument("--seed", type=int, default=2020, help="graine du générateur")
    ing = sub.add_parser("ingest", help="lire un dossier de bilans (job de lecture)")
    ing.add_argument("folder", type=Path, help="dossier des fichiers reçus")
    ing.add_argument(
        "--json",
        action="store_true",
        help="un enregistrement JSON par fichier sur la sortie standard",
    )
    ing.add_argument("--build", action="store_true", help="puis reconstruire et publier")
    ret = sub.add_parser(
        "retract", help="retirer un fichier reçu (sa trace reste), puis reconstruire"
    )
    ret.add_argument("file", help="empreinte (ou son début) ou nom du fichier")
    ret.add_argument("--reason", required=True, help="motif du retrait, en français")
    tpl = sub.add_parser("template", help="écrire le modèle de bilan des porteurs (XLSX)")
    tpl.add_argument("output", type=Path, help="fichier à écrire")
    tpl.add_argument("--campaign", type=int, required=True, help="année de campagne")
    tpl.add_argument("--departement", help="code du département dont les QPV sont listés")
    run = sub.add_parser("run", help="lire les nouveaux fichiers, reconstruire et publier")
    run.add_argument(
        "--force",
        action="store_true",
        help="reconstruire et republier même si rien n'a changé depuis la dernière publication",
    )
    sub.add_parser("summary", help="ce que contient la dernière publication")
    args = parser.parse_args(argv)
    VERBOSE = VERBOSE or args.verbose
    _stop_on_sigterm()
    try:
        _dispatch(args)
    except KeyboardInterrupt:  # SIGINT, or SIGTERM as Dagster maps it after an execution
        raise SystemExit("Arrêt demandé.") from None


def _dispatch(args: argparse.Namespace) -> None:
    if args.command == "demo":
        from demodata.generator import NATIONAL, generate_demo
        from demodata.territories import ALL_REGIONS

        settings = load_settings()
        t = time.perf_counter()
        regions = tuple(ALL_REGIONS) if args.national else ("44",)
        official = settings.qpv_2024_file if settings.referential_is_official else None
        demo = generate_demo(
            settings.data_dir,
            seed=args.seed,
            regions=regions,
            qpv_2024_file=official,
            **(NATIONAL if args.national else {}),
        )
        print(
            f"Données de démonstration générées dans {settings.data_dir} "
            f"({time.perf_counter() - t:.1f} s)"
        )
        for name, reason in demo.withdrawn.items():
            print(f"  Fichier envoyé par erreur, retiré après lecture : {name} ({reason})")
        run_all(load_settings(), withdraw=demo.withdrawn)
    elif args.command == "ingest":
        os.environ["QUARTIERS_INBOX"] = str(args.folder.resolve())
        settings = load_settings()
        instance = instance_for(settings)
        with stdout_to_stderr() if args.json else contextlib.nullcontext():
            records = folder_records(settings, instance, build=args.build)
        for link in skipped_links(settings.inbox):
            print(
                f"Ignoré (lien symbolique ou fichier spécial, jamais lu) : {mask_text(link.name)}",
                file=sys.stderr,
            )
        if args.json:
            for record in records:
                print(json.dumps(record, ensure_ascii=False))
        else:
            for r in records:
                if r["status"] == ALREADY_RECEIVED:
                    print(f"{r['file']}: déjà reçu (mêmes octets que {r['duplicate_of']})")
                    continue
                print(
                    f"{r['file']}: {r['status']} — {r['accepted']} acceptées, "
                    f"{r['quarantined']} refusées sur {r['rows_read']}"
                )
    elif args.command == "retract":
        settings = load_settings()
        with warm_dbt(dbt_ahead(settings)):
            instance = instance_for(settings)
            retract(instance, args.file, args.reason)
            run_build(settings, instance)
        print(f"Fichier {args.file} retiré ; indicateurs et publications reconstruits.")
    elif args.command == "template":
        from returns.template import qpv_for, write_template

        settings = load_settings()
        qpv = (
            qpv_for(settings.qpv_2024_file, args.departement, args.campaign)
            if args.departement
            else None
        )
        path = write_template(
            args.output, campaign=args.campaign, department=args.departement, qpv=qpv
        )
        print(f"Modèle de bilan écrit : {path} ({len(qpv or [])} QPV listés)")
    elif args.command == "run":
        run_all(load_settings(), force=args.force)
    elif args.command == "summary":
        print(summary(load_settings()))


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
