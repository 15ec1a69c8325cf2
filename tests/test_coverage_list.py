"""A coverage list (IG10's option coverage_list) is checked row by row when the config loads.

IG10 trusts the list on every claim, so a row it cannot read (a shifted column, a typo in a
condition, a code that can never match a claim) must stop the run with the file and line,
not quietly cover or uncover a diagnosis.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from edi_ivig.cli import main
from edi_ivig.reference import coverage_list
from edi_ivig.settings import Config, ConfigError

CLINIC = FIXTURES / "read" / "837p-ivig-clinic.x12"
HEADER = "# name: mine\n# source: a test list\ncode,description,condition,source\n"  # the columns on line 3
GOOD = "G61.81,Chronic inflammatory demyelinating polyneuritis,,mine\n"  # line 4; the bad row is line 5

MALFORMED = {
    "missing column": ("# name: mine\n# source: a test list\ncode,description,source\n" + "G61.81,CIDP,mine\n", 3, "the header lacks column 'condition'"),
    "too few fields": (HEADER + GOOD + "G62.9,Polyneuropathy,mine\n", 5, "3 fields where the header has 4"),
    "too many fields": (HEADER + GOOD + "G62.9,Polyneuropathy, unspecified,,mine\n", 5, "5 fields where the header has 4"),
    "empty code": (HEADER + GOOD + ",Polyneuropathy,,mine\n", 5, "the code is empty"),
    "code not ICD-10-CM: digit first": (HEADER + GOOD + "6G2.9,Polyneuropathy,,mine\n", 5, "code '6G2.9' is not an ICD-10-CM code"),
    "code not ICD-10-CM: letter second": (HEADER + GOOD + "GG2.9,Polyneuropathy,,mine\n", 5, "code 'GG2.9' is not an ICD-10-CM code"),
    "code not ICD-10-CM: too short": (HEADER + GOOD + "G6,Polyneuropathy,,mine\n", 5, "code 'G6' is not an ICD-10-CM code"),
    "code not ICD-10-CM: too long": (HEADER + GOOD + "G62.90001,Polyneuropathy,,mine\n", 5, "code 'G62.90001' is not an ICD-10-CM code"),
    "code not ICD-10-CM: dot misplaced": (HEADER + GOOD + "G6.29,Polyneuropathy,,mine\n", 5, "code 'G6.29' is not an ICD-10-CM code"),
    "code not ICD-10-CM: punctuation": (HEADER + GOOD + "G62-9,Polyneuropathy,,mine\n", 5, "code 'G62-9' is not an ICD-10-CM code"),
    "unknown condition": (HEADER + GOOD + "B20,HIV,max_age=12,mine\n", 5, "B20: unknown condition 'max_age'"),
    "condition without a value": (HEADER + GOOD + "B20,HIV,max_age_years,mine\n", 5, "B20: condition 'max_age_years' needs '=' and a value"),
    "empty value": (HEADER + GOOD + "B20,HIV,max_age_years=,mine\n", 5, "B20: max_age_years '' is not a whole number of years"),
    "age not a number": (HEADER + GOOD + "B20,HIV,max_age_years=twelve,mine\n", 5, "B20: max_age_years 'twelve' is not a whole number of years"),
    "date not a date": (HEADER + GOOD + "G35,MS,billable_until=2025-13-01,mine\n", 5, "G35: billable_until '2025-13-01' is not a date (YYYY-MM-DD)"),
    "date in another form": (HEADER + GOOD + "G35,MS,billable_until=20250930,mine\n", 5, "G35: billable_until '20250930' is not a date (YYYY-MM-DD)"),
    "unknown group": (HEADER + GOOD + "G62.9,P,not_payable_if_associated_with=diabetes,mine\n", 5, "G629: unknown condition group 'diabetes'"),
    "empty group": (HEADER + GOOD + "G62.9,P,not_payable_if_associated_with=renal_failure||malnutrition,mine\n", 5, "G629: an empty condition group"),
    "children covered given as yes": (HEADER + GOOD + "G35,MS,billable_until=2025-09-30;children_covered=yes,mine\n", 5, "G35: children_covered 'yes' can only be 'no'"),
    "condition twice": (HEADER + GOOD + "B20,HIV,max_age_years=12;max_age_years=5,mine\n", 5, "B20: condition 'max_age_years' given twice"),
    "duplicate code": (HEADER + GOOD + "G62.9,Polyneuropathy,,mine\nG6181,CIDP again,,mine\n", 6, "G6181 is listed again (first on line 4)"),
}


def _write_list(tmp_path, text):
    (tmp_path / "list.csv").write_text(text)
    return tmp_path / "list.csv"


@pytest.mark.parametrize("kind", MALFORMED)
def test_a_malformed_row_is_a_config_error_naming_file_and_line(tmp_path, kind):
    text, line, problem = MALFORMED[kind]
    path = _write_list(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        Config.load(overrides={"options": {"coverage_list": "list.csv"}}, base=tmp_path)
    assert f"{path} line {line}: {problem}" in str(error.value)


@pytest.mark.parametrize("kind", MALFORMED)
def test_the_cli_exits_2_on_a_malformed_row_naming_file_and_line(tmp_path, kind):
    text, line, problem = MALFORMED[kind]
    path = _write_list(tmp_path, text)
    config = tmp_path / "user.toml"
    config.write_text('[payer."00999".options]\ncoverage_list = "list.csv"\n')
    result = CliRunner().invoke(main, ["check", "--config", str(config), str(CLINIC)])
    assert result.exit_code == 2
    assert f"{config}: 'payer.00999.options.coverage_list' {path} line {line}: {problem}" in result.stderr


def test_the_shipped_list_and_a_fixture_list_load():
    shipped = coverage_list("coverage_a57187_group1")
    assert len(shipped.conditions) == 98 and shipped.max_age("B20") == 12
    assert "G629" in coverage_list(str(FIXTURES / "rules" / "IG10" / "837p-payer-list-of-its-own" / "list.csv"))


def test_every_form_the_rules_read_is_accepted(tmp_path):
    path = _write_list(
        tmp_path,
        "\ufeff" + HEADER
        + "b20,HIV, max_age_years = 12 ,mine\n"
        + "G35,MS,billable_until=2025-09-30;info_icd10cm=a note,mine\n"
        + "D80,Immunodeficiency,billable_until=2019-09-30;children_covered=no,mine\n"
        + "G6181,CIDP,not_payable_if_associated_with=diabetes_mellitus|renal_failure;,mine\n"
        + "\n"
        + "D61.01,Aplasia,requires_prior_failure=all_first_line_therapies,mine\n"
        + '"I78.8","Capillaries, other",restrict_to_condition=leak,mine\n',
    )
    Config.load(overrides={"options": {"coverage_list": "list.csv"}}, base=tmp_path)
    covered = coverage_list(str(path))
    assert covered.max_age("B20") == 12
    assert str(covered.billable_until("G35")) == "2025-09-30"
    assert covered.children_covered("G35") and not covered.children_covered("D80")
    assert covered.not_payable_with("G6181") == ("diabetes_mellitus", "renal_failure")
    assert {"D6101", "I788"} <= set(covered.conditions)
