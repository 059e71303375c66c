"""The two static web apps (issue #11): a private S3 bucket behind CloudFront, the same security headers and SPA
fallback as the laptop's web server (`local/web_server.py`), and `config.json` written from the stack's outputs.

`web/borrower/` goes to the bucket root, `web/admin/` under `admin/`, whatever those folders hold (nothing is
built: the apps are plain ES modules). The distribution's origin is the one browser origin both APIs answer
CORS for (`PortalStack`); the APIs' origins are the only ones the pages may call (CSP `connect-src`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from infra.paths import ROOT

WEB_DIR = ROOT / "web"
BORROWER_DIR = WEB_DIR / "borrower"
ADMIN_DIR = WEB_DIR / "admin"
ADMIN_PREFIX = "admin/"
# Never shipped: notes for developers.
NOT_SHIPPED = ["README.md", "*/README.md", ".*", "*/.*"]
# The entry points name the files of the moment (and config.json the stack of the moment): always revalidated.
ENTRY_CACHE = "no-cache"
# The other files have no content hash in their names: cached briefly, so a redeploy reaches every browser
# within minutes (the deployment invalidates CloudFront's copies at once).
ASSET_CACHE = "public, max-age=300"
HSTS_MAX_AGE = Duration.days(365)
# viewer-request, as local/web_server.py answers: every `/sites/<site>/...` path (where the emails' links point)
# gets the borrower app's index.html, whose router picks the page; an `/admin/...` path without a file
# extension gets the console's. Any other path names a file and is served as it is.
SPA_FALLBACK_JS = """\
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var last = uri.substring(uri.lastIndexOf("/") + 1);
  if (uri === "/admin" || (uri.indexOf("/admin/") === 0 && last.indexOf(".") === -1)) {
    request.uri = "/admin/index.html";
  } else if (uri.indexOf("/sites/") === 0) {
    request.uri = "/index.html";
  }
  return request;
}
"""


def content_security_policy(api_origins: Sequence[str]) -> str:
    """The CSP of `local/web_server.py` (tests/infra compares them): no inline script or style; the pages may
    call only their own origin and `api_origins`."""
    connect = " ".join(["'self'", *dict.fromkeys(api_origins)])
    return (
        "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
        f"connect-src {connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


@dataclass(frozen=True)
class CustomDomain:
    """`-c web_domain=... -c web_certificate_arn=...`: the web apps' own domain name and its ACM certificate, which
    CloudFront takes from us-east-1 only. Without them, the distribution's `*.cloudfront.net` name."""

    name: str
    certificate_arn: str

    @classmethod
    def from_context(cls, context: Any) -> CustomDomain | None:
        name, certificate = context("web_domain"), context("web_certificate_arn")
        if bool(name) != bool(certificate):
            raise ValueError("-c web_domain=... and -c web_certificate_arn=... go together (docs/deploy.md)")
        return cls(str(name), str(certificate)) if name else None


def _shipped(directory: Path) -> bool:
    """Whether `directory` holds a file to deploy (the admin console may not exist yet)."""
    return directory.is_dir() and any(p.is_file() and p.name != "README.md" for p in directory.rglob("*"))


class WebApps(Construct):
    """The bucket, the distribution and the deployments of both apps. `origin` is `https://<web domain>`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain: CustomDomain | None = None,
        web_acl_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.logs = s3.Bucket(
            self,
            "Logs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(90))],
        )
        NagSuppressions.add_resource_suppressions(
            self.logs,
            [NagPackSuppression(id="AwsSolutions-S1", reason="This is the access-log bucket of the web bucket.")],
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.logs,
            server_access_logs_prefix="web-bucket/",
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(30))],
        )
        self.headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="Customer Portal web apps: the headers local/web_server.py sends, plus HSTS",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy([]), override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                # Emailed links carry a token in the URL: never hand it on.
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, override=True
                ),
            ),
        )
        self.spa_fallback = cloudfront.Function(
            self,
            "SpaFallback",
            comment="App paths without a file extension get the app's index.html",
            code=cloudfront.FunctionCode.from_inline(SPA_FALLBACK_JS),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        # Honours the objects' Cache-Control (min TTL 0, so `no-cache` means revalidate). No query string,
        # cookie or header reaches S3 or the cache key: the files are the same for everyone.
        cache = cloudfront.CachePolicy(
            self,
            "Cache",
            comment="Customer Portal web apps: the objects' Cache-Control, no query strings or cookies",
            min_ttl=Duration.seconds(0),
            default_ttl=Duration.minutes(5),
            max_ttl=Duration.days(1),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Customer Portal web apps",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cache,
                response_headers_policy=self.headers,
                compress=True,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=self.spa_fallback, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            domain_names=[domain.name] if domain else None,
            certificate=(
                acm.Certificate.from_certificate_arn(self, "Certificate", domain.certificate_arn) if domain else None
            ),
            # Only a custom certificate has a policy to choose; the default certificate's is CloudFront's.
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if domain else None,
            web_acl_id=web_acl_arn or None,
        )
        self.domain_name = domain.name if domain else self.distribution.distribution_domain_name
        self.origin = f"https://{self.domain_name}"
        self._suppress(domain=domain, web_acl_arn=web_acl_arn)

    def allow_connections(self, api_origins: Sequence[str]) -> None:
        """The CSP's `connect-src`: the page's own origin and `api_origins`. Set after the APIs exist, which are
        made after this distribution (they answer CORS for its origin); until then the pages may call only
        their own origin."""
        policy = self.headers.node.default_child
        assert isinstance(policy, cloudfront.CfnResponseHeadersPolicy)
        policy.add_property_override(
            "ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy",
            content_security_policy(api_origins),
        )

    def deploy(
        self, config: Mapping[str, Any], *, borrower_dir: Path = BORROWER_DIR, admin_dir: Path = ADMIN_DIR
    ) -> list[s3deploy.BucketDeployment]:
        """Upload both apps and `config.json` (`Source.json_data` resolves the stack's tokens at deploy time),
        then invalidate the distribution once, after the last upload.

        Per app two deployments of the same asset: the files (cached briefly, pruned: a file removed from the
        folder leaves the bucket) and its `index.html` (no-cache). A sync filter's excluded objects are neither
        uploaded nor pruned, which keeps the deployments off each other's objects."""
        self._deployer_role()
        assets: list[s3deploy.BucketDeployment] = []
        entries: list[tuple[str, s3deploy.ISource, str, str]] = []
        if _shipped(borrower_dir):
            borrower = s3deploy.Source.asset(str(borrower_dir))
            exclude = ["index.html", "config.json", f"{ADMIN_PREFIX}*"]
            assets.append(self._deployment("Borrower", borrower, "", ASSET_CACHE, exclude=exclude))
            entries.append(("BorrowerEntry", borrower, "", "index.html"))
        if _shipped(admin_dir):
            admin = s3deploy.Source.asset(str(admin_dir))
            assets.append(self._deployment("Admin", admin, ADMIN_PREFIX, ASSET_CACHE, exclude=["index.html"]))
            entries.append(("AdminEntry", admin, ADMIN_PREFIX, "index.html"))
        entries.append(("Config", s3deploy.Source.json_data("config.json", dict(config)), "", "config.json"))
        deployments = list(assets)
        for construct_id, source, prefix, file in entries:
            last = construct_id == "Config"
            entry = self._deployment(
                construct_id, source, prefix, ENTRY_CACHE, exclude=["*"], include=[file], prune=False, invalidate=last
            )
            # An entry page never names a file not uploaded yet; the invalidation comes after every upload.
            for earlier in assets if not last else deployments:
                entry.node.add_dependency(earlier)
            deployments.append(entry)
        self._suppress_deployer_findings()
        return deployments

    def _deployer_role(self) -> None:
        # CDK's BucketDeployment brings one handler function per stack; this role and log group stand in for its
        # AWSLambdaBasicExecutionRole and never-expiring logs, like the portal's own functions (functions.py).
        self.deployer_logs = logs.LogGroup(self, "DeployerLogs", retention=logs.RetentionDays.ONE_MONTH)
        self.deployer = iam.Role(
            self,
            "DeployerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Customer Portal: CDK BucketDeployment copies the web apps into the web bucket",
        )
        self.deployer_logs.grant_write(self.deployer)

    def _deployment(
        self,
        construct_id: str,
        source: s3deploy.ISource,
        prefix: str,
        cache_control: str,
        *,
        exclude: list[str],
        include: list[str] | None = None,
        prune: bool = True,
        invalidate: bool = False,
    ) -> s3deploy.BucketDeployment:
        return s3deploy.BucketDeployment(
            self,
            construct_id,
            sources=[source],
            destination_bucket=self.bucket,
            destination_key_prefix=prefix or None,
            cache_control=[s3deploy.CacheControl.from_string(cache_control)],
            exclude=[*NOT_SHIPPED, *exclude],
            include=include,
            prune=prune,
            role=self.deployer,
            log_group=self.deployer_logs,
            distribution=self.distribution if invalidate else None,
            distribution_paths=["/*"] if invalidate else None,
        )

    def _suppress(self, *, domain: CustomDomain | None, web_acl_arn: str | None) -> None:
        reasons = [
            NagPackSuppression(
                id="AwsSolutions-CFR1",
                reason="Borrowers and staff sign in from wherever they are; no geography is excluded.",
            ),
            NagPackSuppression(
                id="AwsSolutions-CFR3",
                reason="Emailed links carry a one-time token in the query string and CloudFront's standard logs "
                "always record it (cs-uri-query); the portal never logs tokens. The origin's S3 server access "
                "logs record every fetch (no query string reaches S3: the cache policy forwards none).",
            ),
        ]
        if not web_acl_arn:
            reasons.append(
                NagPackSuppression(
                    id="AwsSolutions-CFR2",
                    reason="Static public files only (no data, no forms posted here); the APIs the pages call "
                    "have their own regional web ACL (infra/constructs/edge.py). A CloudFront web ACL must live "
                    "in us-east-1: pass -c web_acl_arn=... to attach one.",
                )
            )
        if domain is None:
            reasons.append(
                NagPackSuppression(
                    id="AwsSolutions-CFR4",
                    reason="Without -c web_domain the distribution uses its default *.cloudfront.net certificate, "
                    "whose TLS policy CloudFront fixes; with a custom domain the minimum is TLSv1.2_2021.",
                )
            )
        NagSuppressions.add_resource_suppressions(self.distribution, reasons)

    def _suppress_deployer_findings(self) -> None:
        """cdk-nag findings on CDK's BucketDeployment handler (one per stack, made by the first deployment): its
        runtime, and the wildcards of the grants the deployments make to its role."""
        NagSuppressions.add_resource_suppressions(
            self.deployer,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="BucketDeployment's grants: read the CDK asset objects, write and prune the web bucket's "
                    "objects (`<bucket>/*`, s3:Abort*/DeleteObject*/GetBucket*/GetObject*/List*), and create "
                    "CloudFront invalidations (no resource-level permission).",
                    applies_to=[
                        *(
                            f"Action::s3:{action}"
                            for action in ("GetObject*", "GetBucket*", "List*", "DeleteObject*", "Abort*")
                        ),
                        # The bootstrap's asset bucket, whatever the qualifier, account and region (concrete when
                        # the CLI synthesizes for an environment, tokens otherwise).
                        {"regex": "/^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-[^/]+\\/\\*$/g"},
                        {"regex": "/^Resource::<WebBucket[0-9A-F]{8}\\.Arn>\\/\\*$/g"},
                        "Resource::*",
                    ],
                )
            ],
            apply_to_children=True,
        )
        for child in Stack.of(self).node.children:
            if child.node.id.startswith("Custom::CDKBucketDeployment"):
                NagSuppressions.add_resource_suppressions(
                    child,
                    [
                        NagPackSuppression(
                            id="AwsSolutions-L1",
                            reason="The runtime of CDK's BucketDeployment handler is CDK's choice, upgraded with "
                            "aws-cdk-lib.",
                        )
                    ],
                    apply_to_children=True,
                )
