"""Where a claim was billed from: the setting CMS policy depends on.

The same drug line is judged differently in a physician's office, on a physician's claim for
a patient in a hospital, on a hospital's outpatient bill, on an inpatient bill paid per stay,
and on a DME supplier's claim for home infusion. Which place of service or type of bill is
which comes from config options (default.toml names the source of each list), not from code.
"""

from __future__ import annotations

import attrs

from edi_ivig.model import Claim
from edi_ivig.settings import Settings

HOME = "12"  # place of service: the patient's home
MEDICARE = ("MA", "MB")  # SBR09: Medicare Part A, Part B


@attrs.frozen
class Setting:
    """What the claim's place of service (837P) or type of bill (837I) and payer say of it."""

    kind: str  # 837P or 837I
    medicare: bool  # SBR09 MA or MB
    place_of_service: str  # 837P CLM05-1; "" on 837I
    bill_type: str  # 837I CLM05-1: facility type and bill classification (TOB 013X is "13"); "" on 837P
    facility: bool  # 837P in a facility place of service (hospital, SNF): the facility bills drug and administration
    home: bool  # 837P place of service 12
    dme: bool  # a DME supplier's claim: 837P to a payer the config marks as a DME MAC
    inpatient: bool  # 837I type of bill paid per stay (hospital inpatient, swing bed, SNF inpatient)
    line_dates_required: bool  # 837I type of bill whose every revenue line carries its date of service

    @property
    def professional(self) -> bool:
        """A physician's or clinic's own claim (837P, not a DME supplier's)."""
        return self.kind == "837P" and not self.dme

    @property
    def office(self) -> bool:
        """A professional claim where the physician supplies the drug: not a facility, not the home."""
        return self.professional and not self.facility and not self.home


def setting(claim: Claim, settings: Settings) -> Setting:
    code = claim.facility_code
    professional = claim.kind == "837P"
    return Setting(
        kind=claim.kind,
        medicare=claim.subscriber.filing_indicator in MEDICARE,
        place_of_service=code if professional else "",
        bill_type="" if professional else code,
        facility=professional and code in settings.facility_places_of_service,
        home=professional and code == HOME,
        dme=professional and settings.dme_mac,
        inpatient=not professional and code in settings.inpatient_bill_types,
        line_dates_required=not professional and code in settings.line_date_bill_types,
    )
