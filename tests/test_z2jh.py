"""The zero-to-jupyterhub recipe works as written: docs/z2jh/values.yaml
passes the chart's own schema (vendored from the chart's repository at the
tag the file names) over the chart's defaults, and every hub.extraConfig
snippet compiles."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import yaml

Z2JH = Path(__file__).parent.parent / "docs" / "z2jh"
CHART = "4.4.0"


def merged(defaults: dict, values: dict) -> dict:
    """Helm's merge of a values file over the chart's defaults."""
    out = copy.deepcopy(defaults)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def values() -> dict:
    return yaml.safe_load((Z2JH / "values.yaml").read_text())


def test_the_values_pass_the_charts_schema():
    schema = json.loads((Z2JH / f"values.schema-{CHART}.json").read_text())
    defaults = yaml.safe_load((Z2JH / f"chart-values-{CHART}.yaml").read_text())
    jsonschema.Draft7Validator(schema).validate(merged(defaults, values()))


def test_a_misspelt_key_fails_the_schema():
    schema = json.loads((Z2JH / f"values.schema-{CHART}.json").read_text())
    defaults = yaml.safe_load((Z2JH / f"chart-values-{CHART}.yaml").read_text())
    wrong = values()
    wrong["singleuser"]["extraFile"] = wrong["singleuser"].pop("extraFiles")
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(merged(defaults, wrong)))
    assert errors


def test_every_extra_config_compiles_and_sets_the_credit_classes():
    snippets = values()["hub"]["extraConfig"]
    assert snippets
    for name, source in snippets.items():
        compile(source, f"hub.extraConfig.{name}", "exec")
    joined = "\n".join(snippets.values())
    assert "CreditsAuthenticator" in joined and "CreditsSpawner" in joined
    assert "KubeSpawner" in joined and "OAuthenticator" in joined


def test_the_images_install_as_root_and_pin_the_chart():
    hub = (Z2JH / "hub.Dockerfile").read_text()
    assert f"k8s-hub:{CHART}" in hub
    lines = [line.split()[0] for line in hub.splitlines() if line and not line.startswith("#")]
    assert lines.index("USER") < lines.index("RUN")  # root before pip
    assert values()["hub"]["image"]["tag"].startswith(CHART)


def shared_values() -> dict:
    return yaml.safe_load((Z2JH / "values-shared-reader.yaml").read_text())


def test_the_shared_readers_values_pass_the_schema_given_after_the_recipe():
    schema = json.loads((Z2JH / f"values.schema-{CHART}.json").read_text())
    defaults = yaml.safe_load((Z2JH / f"chart-values-{CHART}.yaml").read_text())
    both = merged(merged(defaults, values()), shared_values())
    jsonschema.Draft7Validator(schema).validate(both)
    # Helm merges maps: the recipe's extraConfig and extraFiles stay.
    assert set(both["hub"]["extraConfig"]) == {"credits", "zz-hub-credits-shared"}
    assert sorted(both["hub"]["extraConfig"])[-1] == "zz-hub-credits-shared"


def test_the_shared_readers_extra_config_sets_up_route_service_and_role():
    from jupyterhub.handlers import default_handlers
    from traitlets.config import Config

    from jupyterlab_hub_credits.hubroute import ROUTE, SCOPE

    c = Config()
    c.JupyterHub.services = [{"name": "other", "api_token": "x"}]
    source = shared_values()["hub"]["extraConfig"]["zz-hub-credits-shared"]
    exec(compile(source, "zz-hub-credits-shared", "exec"), {"c": c})
    service = c.JupyterHub.services[-1]
    assert service["name"] == "hub-credits" and service["url"] == "http://hub:10101"
    assert service["environment"] == {"HUB_CREDITS_BIND": "0.0.0.0"}
    assert service["command"][1:] == ["-m", "jupyterlab_hub_credits.shared"]
    assert c.JupyterHub.services[0]["name"] == "other"
    role = c.JupyterHub.load_roles.to_dict()["extend"][-1]
    assert role == {"name": "hub-credits-reader", "scopes": [SCOPE], "services": ["hub-credits"]}
    assert SCOPE in c.JupyterHub.custom_scopes.to_dict()["update"]
    assert any(route == ROUTE for route, *_ in default_handlers)
    # The port the extraConfig names is the one the Service and the policy open.
    port = shared_values()["hub"]["service"]["extraPorts"][0]["targetPort"]
    assert f":{port}" in service["url"]
    assert shared_values()["hub"]["networkPolicy"]["ingress"][0]["ports"] == [{"port": port}]
    env = shared_values()["singleuser"]["extraEnv"]["HUB_CREDITS_SHARED_READER"]
    assert env == f"http://hub:{port}/services/hub-credits/"
