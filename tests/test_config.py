"""Configuration: layering, per-payer overrides, and errors that name the key."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from edi_ivig.cli import main
from edi_ivig.pipeline import Pipeline
from edi_ivig.settings import Config, ConfigError

CLINIC = FIXTURES / "read" / "837p-ivig-clinic.x12"


def test_defaults_cover_every_rule():
    from edi_ivig.rules.registry import RULES

    settings = Config.load().for_claim(None, None)
    assert set(settings.rules) == {rule.id for rule in RULES}
    assert settings.noc_units == "one"


@pytest.mark.parametrize(
    "text, message",
    [
        ("[rules.IG01]\nenabeld = false\n", "user.toml: unknown key 'rules.IG01.enabeld'"),
        ("[rules.IG99]\nenabled = false\n", "user.toml: unknown rule 'rules.IG99'"),
        ("[rule.IG01]\nenabled = false\n", "user.toml: unknown key 'rule'"),
        ("[options]\nnoc_units = \"bag\"\n", "user.toml: 'options.noc_units' is 'bag'; it must be one of 'one', 'dose'"),
        ("[rules.IG01]\nenabled = \"no\"\n", "user.toml: 'rules.IG01.enabled' must be true or false, not 'no'"),
        ("[payer.\"00999\".rules.IG02]\nsevirity = \"info\"\n", "user.toml: unknown key 'payer.00999.rules.IG02.sevirity'"),
        ("[payer.\"00999\".payer.x]\n", "user.toml: unknown key 'payer.00999.payer'"),
        ("rules = [", "user.toml: not valid TOML"),
        ("[options]\ncoverage_list = \"absent.csv\"\n", "user.toml: 'options.coverage_list' absent.csv: No such file"),
        ("[options]\ncoverage_list = \"typo.csv\"\n",
         "user.toml: 'options.coverage_list' typo.csv line 2: G6181: unknown condition group 'diabetes' (known: diabetes_mellitus,"),
        ("[options]\ncoverage_list = \"no-code.csv\"\n", "user.toml: 'options.coverage_list' no-code.csv line 1: the header lacks column 'code', 'condition', 'source'"),
        ("[options]\nhome_coverage_list = \"absent.csv\"\n", "user.toml: 'options.home_coverage_list' absent.csv: No such file"),
        ("[options]\njw_jz_bill_types = [\"13\", \"13x\"]\n",
         "user.toml: 'options.jw_jz_bill_types' has '13x', which is not a type of bill such as \"13\""),
        ("[options]\nfacility_places_of_service = [\"022\"]\n", "user.toml: 'options.facility_places_of_service' has '022', which is not a place of service"),
        ("[options]\nopps_packaged_codes = [\"j3590\"]\n", "user.toml: 'options.opps_packaged_codes' has 'j3590', which is not a procedure code"),
        ("[options.immune_globulin_cpt_codes]\nJ1459 = { route = \"IV\", unit_mg = 500, source = \"x\" }\n",
         "user.toml: 'options.immune_globulin_cpt_codes' has 'J1459', which is not a CPT code"),
        ("[options]\ndme_mac = \"yes\"\n", "user.toml: 'options.dme_mac' must be true or false, not 'yes'"),
        ("[payer.\"P1\".options.immune_globulin_cpt_codes]\n90284 = { route = \"SC\", unit_mg = 100 }\n",
         "user.toml: 'payer.P1.options.immune_globulin_cpt_codes' 90284 must be { route = \"IV\", unit_mg = N, source = \"...\" }"),
        ("[options.immune_globulin_cpt_codes]\n90283 = { route = \"IM\", unit_mg = 500, source = \"x\" }\n",
         "user.toml: 'options.immune_globulin_cpt_codes' 90283 needs route IV or SC"),
    ],
)
def test_errors_name_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "user.toml"
    path.write_text(text)
    (tmp_path / "typo.csv").write_text("code,description,condition,source\nG61.81,CIDP,not_payable_if_associated_with=diabetes,mine\n")
    (tmp_path / "no-code.csv").write_text("diagnosis,description\nG61.81,CIDP\n")
    with pytest.raises(ConfigError) as error:
        Config.load(path)
    assert str(error.value).replace(str(tmp_path) + "/", "").startswith(message)


def test_payer_overrides_filing_indicator_overrides_defaults(tmp_path):
    path = tmp_path / "user.toml"
    path.write_text(
        "[rules.IG02]\nseverity = \"warning\"\n"
        "[filing_indicator.MB.rules.IG02]\nseverity = \"info\"\n"
        "[payer.\"00999\".rules.IG02]\nenabled = false\n"
        "[payer.\"00999\".options]\nnoc_units = \"dose\"\n"
    )
    config = Config.load(path)
    assert config.for_claim("12345", "CI").rule("IG02").severity == "warning"
    assert config.for_claim("12345", "MB").rule("IG02").severity == "info"
    medicare = config.for_claim("00999", "MB")
    assert (medicare.rule("IG02").enabled, medicare.rule("IG02").severity, medicare.noc_units) == (False, "info", "dose")


def _findings(config: Config, *, fix: bool = False):
    return Pipeline(config, fix=fix).run(io.BytesIO(CLINIC.read_bytes())).findings


def test_a_disabled_rule_finds_nothing_and_severity_and_fix_policy_apply():
    assert {f.rule for f in _findings(Config.load())} == {"IG01"}
    assert _findings(Config.load(overrides={"rules": {"IG01": {"enabled": False}}})) == ()
    info = _findings(Config.load(overrides={"rules": {"IG01": {"severity": "info"}}}))
    assert {f.severity for f in info} == {"info"}
    never = _findings(Config.load(overrides={"rules": {"IG01": {"fix": "never"}}}), fix=True)
    assert never and not any(f.fixed or f.fix for f in never)


def test_cli_takes_a_config_and_exits_2_on_a_bad_one(tmp_path):
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text("[rules.IG01]\nenabled = false\n")
    bad.write_text("[rules.IG01]\nenable = false\n")
    assert CliRunner().invoke(main, ["check", str(CLINIC), "--config", str(good)]).exit_code == 0
    result = CliRunner().invoke(main, ["check", str(CLINIC), "--config", str(bad)])
    assert result.exit_code == 2
    assert "unknown key 'rules.IG01.enable'" in result.stderr


def test_a_coverage_list_date_that_is_not_a_date_is_named(tmp_path):
    (tmp_path / "list.csv").write_text("code,description,condition,source\nG35,MS,billable_until=2025-13-01,mine\n")
    (tmp_path / "user.toml").write_text('[options]\ncoverage_list = "list.csv"\n')
    with pytest.raises(ConfigError, match=r"G35: billable_until '2025-13-01' is not a date \(YYYY-MM-DD\)"):
        Config.load(tmp_path / "user.toml")


def test_codes_a_config_names_as_drugs_put_their_claims_in_front_of_the_rules(tmp_path):
    path = tmp_path / "user.toml"
    path.write_text(
        '[payer."P1".options.immune_globulin_cpt_codes]\n90284 = { route = "SC", unit_mg = 100, source = "x" }\n'
        '[submitter."S1".options.daily_maximum]\nJ1561 = { units = 10, source = "y" }\n'
    )
    config = Config.load(path)
    assert {"90284", "J1561", "Q2052"} <= config.drug_codes
    assert "90284" in Pipeline(config)._watched and "90284" not in Pipeline(Config.load())._watched
