"""The web apps in AWS (issue #11): private bucket behind CloudFront, the local server's headers and SPA fallback,
config.json from the stack's outputs, and CORS of both APIs for the distribution's origin only."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from cdk_template import DEPLOY_CONTEXT, Synth, cfn_lint_errors, synth

from infra.constructs.web import ADMIN_DIR, ASSET_CACHE, ENTRY_CACHE, WebApps
from local.web_server import content_security_policy as local_content_security_policy
from portal.api.resolver import CORS_HEADERS
from portal.api.routes import ROUTES
from portal.config import FUNCTION_SETTINGS, ApiSettings, IdentitySettings

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra-stack")]

REGION, URL_SUFFIX = "us-east-1", "amazonaws.com"
WEB_ORIGIN_ENV = ApiSettings.env_name("web_origin")
DOMAIN_CONTEXT = {
    **DEPLOY_CONTEXT,
    "web_domain": "portal.example.com",
    "web_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-000000000000",
    "web_acl_arn": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/portal-web/0a1b2c3d-0000-4000-8000-000000000000",
}


def _render(value: Any) -> str:
    """A template value as text, references spelled `<LogicalId>` / `<LogicalId.Attribute>`."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_render(part) for part in parts)
    if "Ref" in value:
        return {"AWS::Region": REGION, "AWS::URLSuffix": URL_SUFFIX}.get(value["Ref"], f"<{value['Ref']}>")
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    raise AssertionError(f"unexpected template value {value}")


def _one(app: Synth, cfn_type: str) -> tuple[str, dict[str, Any]]:
    (found,) = app.resources(cfn_type).items()
    return found


def _distribution_origin(app: Synth) -> str:
    distribution_id, _ = _one(app, "AWS::CloudFront::Distribution")
    return f"https://<{distribution_id}.DomainName>"


def _deployments(app: Synth) -> dict[str, dict[str, Any]]:
    """Construct id (Borrower, BorrowerEntry, Admin, AdminEntry, Config) -> the Custom::CDKBucketDeployment."""
    return {
        logical_id.removeprefix("Web").split("CustomResource")[0]: resource
        for logical_id, resource in app.resources("Custom::CDKBucketDeployment").items()
    }


# --- bucket and distribution ------------------------------------------------------------------------------------


def test_web_bucket_is_private_encrypted_versioned_logged_and_tls_only(app: Synth) -> None:
    _, distribution = _one(app, "AWS::CloudFront::Distribution")
    bucket_id = distribution["Properties"]["DistributionConfig"]["Origins"][0]["DomainName"]["Fn::GetAtt"][0]
    bucket = app.json["Resources"][bucket_id]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "Ref" in bucket["LoggingConfiguration"]["DestinationBucketName"]
    assert "WebsiteConfiguration" not in bucket  # S3 is reached through CloudFront only, never as a web site
    (policy,) = (
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in app.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    )
    tls_only = [s for s in policy if s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
    assert [(s["Effect"], s["Action"]) for s in tls_only] == [("Deny", "s3:*")]
    # Nobody but this distribution may read (origin access control: the CloudFront service, this SourceArn)
    (allow,) = (s for s in policy if s["Effect"] == "Allow")
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    distribution_id, _ = _one(app, "AWS::CloudFront::Distribution")
    assert _render(allow["Condition"]["StringEquals"]["AWS:SourceArn"]).endswith(f":distribution/<{distribution_id}>")


def test_distribution_reads_the_bucket_through_origin_access_control_and_serves_https_only(app: Synth) -> None:
    _, distribution = _one(app, "AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    oac_id, oac = _one(app, "AWS::CloudFront::OriginAccessControl")
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy origin access identity
    assert oac["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    behaviors = [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]
    assert {b["ViewerProtocolPolicy"] for b in behaviors} == {"redirect-to-https"}
    assert config["DefaultRootObject"] == "index.html"
    assert "ViewerCertificate" not in config  # the default *.cloudfront.net certificate, without -c web_domain
    assert "WebACLId" not in config  # none without -c web_acl_arn (a CloudFront web ACL lives in us-east-1)


def test_security_headers_are_the_local_servers_plus_hsts(app: Synth) -> None:
    _, policy = _one(app, "AWS::CloudFront::ResponseHeadersPolicy")
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = _render(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    api_ids = {api: logical_id for logical_id, api in app.api_names().items()}
    api_origins = [f"https://<{api_ids[api]}>.execute-api.{REGION}.{URL_SUFFIX}" for api in ("enduser", "admin")]
    assert csp == local_content_security_policy([*api_origins, f"https://cognito-idp.{REGION}.{URL_SUFFIX}"])
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
    assert script_src == "script-src 'self'" and "unsafe-inline" not in csp
    assert headers["ContentSecurityPolicy"]["Override"] is True
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"


def _spa_fallback(app: Synth, uris: list[str]) -> list[str]:
    """The URIs the distribution's CloudFront Function rewrites `uris` to (run with Node, as CDK's own synth is)."""
    _, function = _one(app, "AWS::CloudFront::Function")
    script = (
        function["Properties"]["FunctionCode"]
        + "\nconsole.log(JSON.stringify(JSON.parse(process.argv[1]).map((uri) => handler({request: {uri}}).uri)));"
    )
    node = shutil.which("node")
    assert node is not None, "node runs the CDK (jsii): it is on PATH wherever these tests synthesize"
    # The script is the template's own function code and the URIs are this module's constants.
    done = subprocess.run(  # noqa: S603
        [node, "-e", script, json.dumps(uris)], capture_output=True, text=True, check=True
    )
    rewritten: list[str] = json.loads(done.stdout)
    return rewritten


def test_spa_fallback_runs_on_viewer_request(app: Synth) -> None:
    function_id, function = _one(app, "AWS::CloudFront::Function")
    assert function["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    _, distribution = _one(app, "AWS::CloudFront::Distribution")
    associations = distribution["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]["FunctionAssociations"]
    assert associations == [
        {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [function_id, "FunctionARN"]}}
    ]


@pytest.mark.parametrize(
    ("uri", "served"),
    [
        ("/sites/acme/contracts/C-1", "/index.html"),  # a borrower page
        ("/sites/acme/verify", "/index.html"),  # an emailed link's landing page
        ("/admin", "/admin/index.html"),
        ("/admin/users/u-1", "/admin/index.html"),  # a console page
        ("/admin/js/main.js", "/admin/js/main.js"),  # a console file
        ("/js/api.js", "/js/api.js"),  # a borrower file
        ("/config.json", "/config.json"),
        ("/", "/"),  # the default root object, index.html
        ("/administrator", "/administrator"),  # not the console's path
    ],
)
def test_spa_fallback_gives_app_paths_their_index(app: Synth, uri: str, served: str) -> None:
    assert _spa_fallback(app, [uri]) == [served]


# --- deployments ------------------------------------------------------------------------------------------------


def test_config_json_names_both_apis_and_the_admin_pool_and_invalidates_last(app: Synth) -> None:
    deployments = _deployments(app)
    config = deployments["Config"]
    properties = config["Properties"]
    assert properties["Include"] == ["config.json"] and properties["Prune"] is False
    assert properties["SystemMetadata"]["cache-control"] == ENTRY_CACHE
    (object_key,) = properties["SourceObjectKeys"]
    written = (app.asset_dir(object_key) / "config.json").read_text()
    # Source.json_data leaves a marker per token; the custom resource substitutes them (JSON strings) at deploy time
    markers = {marker: _render(value) for marker, value in properties["SourceMarkers"][0].items()}
    for marker, value in markers.items():
        written = written.replace(marker, value)
    document = json.loads(written)
    api_ids = {api: logical_id for logical_id, api in app.api_names().items()}
    assert set(document) == {"enduser_api", "admin_api", "admin_cognito"}
    for api in ("enduser", "admin"):
        assert document[f"{api}_api"].startswith(f"https://<{api_ids[api]}>.execute-api.{REGION}.{URL_SUFFIX}/")
    (client_id,) = app.resources("AWS::Cognito::UserPoolClient")
    assert document["admin_cognito"] == {
        "endpoint": f"https://cognito-idp.{REGION}.{URL_SUFFIX}/",
        "client_id": f"<{client_id}>",
    }
    # Uploaded after every other deployment, and the one that invalidates the distribution
    distribution_id, _ = _one(app, "AWS::CloudFront::Distribution")
    assert properties["DistributionId"] == {"Ref": distribution_id} and properties["DistributionPaths"] == ["/*"]
    others = [name for name in deployments if name != "Config"]
    depends_on = " ".join(config.get("DependsOn", []))
    assert all(f"Web{name}CustomResource" in depends_on for name in others)
    assert [n for n, r in deployments.items() if "DistributionId" in r["Properties"]] == ["Config"]


def test_borrower_app_goes_to_the_root_entry_page_uncached(app: Synth) -> None:
    deployments = _deployments(app)
    files, entry = deployments["Borrower"]["Properties"], deployments["BorrowerEntry"]["Properties"]
    assert "DestinationBucketKeyPrefix" not in files and "DestinationBucketKeyPrefix" not in entry
    assert files["SourceObjectKeys"] == entry["SourceObjectKeys"]  # one asset: web/borrower/
    assert (app.asset_dir(files["SourceObjectKeys"][0]) / "index.html").is_file()
    # The files: cached briefly and pruned, but never the entry page, config.json or the admin app
    assert files["SystemMetadata"]["cache-control"] == ASSET_CACHE and files["Prune"] is True
    assert {"index.html", "config.json", "admin/*", "README.md"} <= set(files["Exclude"])
    assert entry["Include"] == ["index.html"] and entry["SystemMetadata"]["cache-control"] == ENTRY_CACHE


def test_admin_app_is_deployed_when_web_admin_holds_files(app: Synth) -> None:
    shipped = any(p.is_file() and p.name != "README.md" for p in ADMIN_DIR.rglob("*"))
    assert ({"Admin", "AdminEntry"} <= _deployments(app).keys()) == shipped


def test_admin_app_goes_under_admin(tmp_path: Path) -> None:
    # Given an admin console of an index page and a module (whatever web/admin/ holds today)
    borrower, admin = tmp_path / "borrower", tmp_path / "admin" / "js"
    for folder in (borrower, admin):
        folder.mkdir(parents=True)
    (borrower / "index.html").write_text("<!doctype html>")
    (admin.parent / "index.html").write_text("<!doctype html>")
    (admin / "main.js").write_text("export {};")
    stack = cdk.Stack(cdk.App(), "WebOnly")
    web = WebApps(stack, "Web")
    # When both apps are deployed
    web.deploy({"enduser_api": "https://api.example.com/v1/"}, borrower_dir=borrower, admin_dir=admin.parent)
    deployments = {
        logical_id.removeprefix("Web").split("CustomResource")[0]: resource["Properties"]
        for logical_id, resource in Template.from_stack(stack).find_resources("Custom::CDKBucketDeployment").items()
    }
    # Then the console's files and its entry page land under admin/, the entry page uncached
    assert deployments["Admin"]["DestinationBucketKeyPrefix"] == "admin/"
    assert deployments["Admin"]["SystemMetadata"]["cache-control"] == ASSET_CACHE
    assert "index.html" in deployments["Admin"]["Exclude"]
    assert deployments["AdminEntry"]["DestinationBucketKeyPrefix"] == "admin/"
    assert deployments["AdminEntry"]["Include"] == ["index.html"]
    assert deployments["AdminEntry"]["SystemMetadata"]["cache-control"] == ENTRY_CACHE


def test_deployment_handler_has_its_own_role_and_month_of_logs(app: Synth) -> None:
    (handler,) = (
        resource["Properties"]
        for logical_id, resource in app.resources("AWS::Lambda::Function").items()
        if logical_id.startswith("CustomCDKBucketDeployment")
    )
    role = app.json["Resources"][handler["Role"]["Fn::GetAtt"][0]]["Properties"]
    assert "ManagedPolicyArns" not in role
    log_group = app.json["Resources"][handler["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
    assert log_group["RetentionInDays"] == 30


# --- CORS -------------------------------------------------------------------------------------------------------


def test_every_api_resource_answers_the_preflight_for_the_distribution_only(app: Synth) -> None:
    origin = f"'{_distribution_origin(app)}'"
    preflights = app.methods(preflights=True)
    for route in ROUTES:
        assert (route.api, "OPTIONS", route.path) in preflights, route
    for key, method in preflights.items():
        integration = method["Integration"]
        assert integration["Type"] == "MOCK", key  # no function involved
        (answer,) = integration["IntegrationResponses"]
        headers = answer["ResponseParameters"]
        assert _render(headers["method.response.header.Access-Control-Allow-Origin"]) == origin, key
        assert headers["method.response.header.Access-Control-Allow-Headers"] == f"'{','.join(CORS_HEADERS)}'"


def test_gateway_errors_carry_the_cors_header_so_the_page_can_read_them(app: Synth) -> None:
    origin = f"'{_distribution_origin(app)}'"
    responses = app.resources("AWS::ApiGateway::GatewayResponse").values()
    assert {r["Properties"]["ResponseType"] for r in responses} >= {"DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED"}
    for response in responses:
        header = response["Properties"]["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
        assert _render(header) == origin


def test_functions_get_the_web_origin_their_settings_read(app: Synth) -> None:
    origin = _distribution_origin(app)
    for name, logical_id in app.function_ids().items():
        variables = app.json["Resources"][logical_id]["Properties"]["Environment"]["Variables"]
        if "web_origin" in FUNCTION_SETTINGS[name].model_fields:
            assert _render(variables[WEB_ORIGIN_ENV]) == origin, name
        else:
            assert WEB_ORIGIN_ENV not in variables, name


def test_outputs_name_the_web_url_and_the_distribution(app: Synth) -> None:
    outputs = app.json["Outputs"]
    assert _render(outputs["WebUrl"]["Value"]) == f"{_distribution_origin(app)}/"
    distribution_id, _ = _one(app, "AWS::CloudFront::Distribution")
    assert outputs["WebDistributionId"]["Value"] == {"Ref": distribution_id}


# --- custom domain ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def on_domain(deps_layer_dir: Path) -> Synth:
    return synth(deps_layer_dir, context=DOMAIN_CONTEXT)


def test_custom_domain_uses_its_certificate_with_tls_1_2_2021_and_the_given_web_acl(on_domain: Synth) -> None:
    _, distribution = _one(on_domain, "AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    assert config["WebACLId"] == DOMAIN_CONTEXT["web_acl_arn"]
    assert config["Aliases"] == [DOMAIN_CONTEXT["web_domain"]]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": DOMAIN_CONTEXT["web_certificate_arn"],
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }


def test_custom_domain_is_the_cors_origin_and_the_emailed_links_base(on_domain: Synth) -> None:
    origin = f"https://{DOMAIN_CONTEXT['web_domain']}"
    login = on_domain.json["Resources"][on_domain.function_ids()["login"]]["Properties"]["Environment"]["Variables"]
    assert login[WEB_ORIGIN_ENV] == origin
    assert login[IdentitySettings.env_name("web_base_url")] == origin
    for method in on_domain.methods(preflights=True).values():
        headers = method["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == f"'{origin}'"


def test_custom_domain_stack_is_nag_and_lint_clean(on_domain: Synth) -> None:
    assert on_domain.nag_errors() == []
    assert cfn_lint_errors(on_domain.json) == []


def test_domain_without_certificate_is_refused(deps_layer_dir: Path) -> None:
    context = {k: v for k, v in DOMAIN_CONTEXT.items() if k != "web_certificate_arn"}
    with pytest.raises(Exception, match="web_certificate_arn"):
        synth(deps_layer_dir, context=context)


def test_stack_for_a_concrete_environment_is_nag_clean(deps_layer_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the environment `cdk synth`/`deploy` sets from the credentials (infra/app.py reads it), which makes
    # the account and region of the CDK asset bucket concrete in the deployment role's policy
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", "123456789012")
    monkeypatch.setenv("CDK_DEFAULT_REGION", "eu-west-1")
    # When the app is synthesized, then cdk-nag finds nothing unexplained
    assert synth(deps_layer_dir).nag_errors() == []
