"""config.yml reads as the office meant it: a requirement with a colon stays one sentence."""
from bot.core.config import ROOT, load_office


def test_every_requirement_is_a_sentence_not_a_yaml_mapping():
    office = load_office(str(ROOT / "config.yml"))
    for key, service in office["services"].items():
        for line in service.get("requirements", []):
            assert isinstance(line, str), f"{key}: quote this requirement in config.yml: {line!r}"
