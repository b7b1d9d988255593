"""Jobs: what the data staff launch, and what sensors launch."""

import dagster as dg

from assets.freshness import campaign_receiving, snapshot_up_to_date
from assets.retraction import retract_file
from assets.survey import SURVEY_REFERENCE_ASSETS

# Tag of the jobs that write the warehouse: the instance's run queue admits one such run at a
# time (orchestration/dagster.yaml, tag_concurrency_limits).
WRITES_WAREHOUSE = {"quartiers/entrepot": "ecriture"}

REFERENCE_ASSETS = (
    "raw_qpv_referential",
    "raw_qpv_population",
    "raw_code_lists",
    "raw_qpv_generations",
    *SURVEY_REFERENCE_ASSETS,
)

reference_job = dg.define_asset_job(
    "reference_job",
    tags=WRITES_WAREHOUSE,
    selection=dg.AssetSelection.assets(*REFERENCE_ASSETS),
    description="Charge les référentiels (QPV, populations, listes de codes).",
)

ingest_job = dg.define_asset_job(
    "ingest_job",
    tags=WRITES_WAREHOUSE,
    selection=dg.AssetSelection.groups("ingestion"),
    description="Lit les fichiers reçus (une partition par fichier) : lignes acceptées et "
    "quarantaine.",
)

build_job = dg.define_asset_job(
    "build_job",
    tags=WRITES_WAREHOUSE,
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.groups("ingestion")
    - dg.AssetSelection.assets(*REFERENCE_ASSETS, "return_templates"),
    description="Construit les modèles dbt (staging → marts, tests compris), publie la copie "
    "des analystes et le site des tableaux de bord.",
    executor_def=dg.in_process_executor,
)

templates_job = dg.define_asset_job(
    "templates_job",
    selection=dg.AssetSelection.assets("return_templates"),
    description="Génère les modèles de bilan des porteurs (un par département).",
)


@dg.job(
    tags=WRITES_WAREHOUSE,
    description="Retire un fichier des indicateurs (avec un motif) ; relancer ensuite "
    "build_job pour republier.",
)
def retract_job():
    retract_file()


freshness_job = dg.define_asset_job(
    "freshness_job",
    selection=dg.AssetSelection.checks(campaign_receiving, snapshot_up_to_date),
    description="Contrôles de fraîcheur : réception de la campagne en saison, copie publiée à "
    "jour.",
)
