"""The rules, in the order the pipeline runs them.

Order matters where one rule's fix changes what the next one sees: the per-day
split (IG01) comes first, so units, narratives, modifiers and the daily maximum
are checked per day; a NOC code (IG04) or a code not valid on the date of
service (IG12) is replaced (unsafe) before units and narrative are checked
against the code that will be sent.
"""

from __future__ import annotations

from edi_ivig.rules.base import Rule
from edi_ivig.rules.ig01_per_day_lines import PerDayLines
from edi_ivig.rules.ig02_units import UnitsPerDescriptor
from edi_ivig.rules.ig03_nos_narrative import NosNarrative
from edi_ivig.rules.ig04_specific_code import SpecificCode
from edi_ivig.rules.ig05_jw_jz import JwJz
from edi_ivig.rules.ig06_modifier_25 import Modifier25
from edi_ivig.rules.ig07_hydration import Hydration
from edi_ivig.rules.ig08_administration import AdministrationCoding
from edi_ivig.rules.ig09_ndc import NdcOnDrugLine
from edi_ivig.rules.ig10_diagnoses import CoveredDiagnosis
from edi_ivig.rules.ig11_daily_maximum import DailyMaximum
from edi_ivig.rules.ig12_code_dates import CodeOnItsDates

RULES: tuple[Rule, ...] = (
    PerDayLines(),
    SpecificCode(),
    CodeOnItsDates(),
    UnitsPerDescriptor(),
    NosNarrative(),
    JwJz(),
    Modifier25(),
    Hydration(),
    AdministrationCoding(),
    NdcOnDrugLine(),
    CoveredDiagnosis(),
    DailyMaximum(),
)
BY_ID = {rule.id: rule for rule in RULES}
