"""The porteurs' return templates: one workbook per département of the QPV referential."""

from datetime import date

import dagster as dg

from platform_config.resources import PlatformSettings
from returns.referentials import read_qpv_referential
from returns.template import qpv_for, write_template


class TemplateConfig(dg.Config):
    campaign: int = 0  # 0 = the current year


@dg.asset(
    group_name="publication",
    deps=["raw_qpv_referential"],
    kinds={"excel"},
    description="Modèles de bilan (XLSX) à envoyer aux porteurs : un par département, avec "
    "les listes de codes, les QPV du département et des contrôles de saisie.",
)
def return_templates(config: TemplateConfig, settings: PlatformSettings) -> dg.MaterializeResult:
    s = settings.get()
    campaign = config.campaign or date.today().year
    out = s.data_dir / "publication" / "modeles" / str(campaign)
    departments = sorted(
        read_qpv_referential(s.qpv_2024_file, is_official=False)["department_code"]
        .unique()
        .to_list()
    )
    written = [
        write_template(
            out / f"modele_bilan_{campaign}_{dep}.xlsx",
            campaign=campaign,
            department=dep,
            qpv=qpv_for(s.qpv_2024_file, dep, campaign),
        )
        for dep in departments
    ]
    return dg.MaterializeResult(
        metadata={
            "dossier": dg.MetadataValue.path(str(out)),
            "campagne": campaign,
            "modèles": dg.MetadataValue.int(len(written)),
        }
    )
