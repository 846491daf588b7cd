"""What one deployment is: its stage, home region, check regions and mail sender.

Read from the environment (`STAGE`, `REGIONS`, `HOME_REGION`, `MAIL_FROM`, `PUBLIC_BASE_URL`),
falling back to `cdk.json` context, then to defaults. Check regions use the API's names
(`UsEast`, `EuWest`, ...); `chalicelib.kernel.settings.AWS_REGION_OF` maps them to AWS regions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.kernel.settings import AWS_REGION_OF

STAGE_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,20}$")


@dataclass(frozen=True)
class DeployConfig:
    stage: str
    home_region: str
    check_regions: tuple[str, ...]
    mail_from: str
    public_base_url: str = ""
    alarm_email: str = ""

    @property
    def resource_prefix(self) -> str:
        return f"enori-{self.stage}"

    def aws_region_of(self, check_region: str) -> str:
        return AWS_REGION_OF[check_region]

    @property
    def home_check_regions(self) -> tuple[str, ...]:
        """Check regions served from the home region (their worker is in the home stack)."""
        return tuple(r for r in self.check_regions if AWS_REGION_OF[r] == self.home_region)

    @property
    def remote_check_regions(self) -> tuple[str, ...]:
        """Check regions with a stack of their own in another AWS region."""
        return tuple(r for r in self.check_regions if AWS_REGION_OF[r] != self.home_region)

    def environment(self) -> dict[str, str]:
        """The variables `chalicelib.kernel.settings` reads, as this deployment sets them."""
        return {
            "ENORI_STAGE": self.stage,
            "ENORI_RESOURCE_PREFIX": self.resource_prefix,
            "ENORI_CHECK_REGIONS": ",".join(self.check_regions),
            "ENORI_PING_MODE": "tcp",   # Lambda has no raw sockets: ping is a TCP connect probe
            "ENORI_ALLOW_PRIVATE_TARGETS": "0",
            "ENORI_MAIL_FROM": self.mail_from,
        }


def load_config(env: dict, context: dict | None = None) -> DeployConfig:
    """The deployment described by `env` (wins) and the CDK `context` (cdk.json)."""
    context = context or {}

    def pick(name: str, default: str = "") -> str:
        return str(env.get(name) or context.get(name.lower()) or default).strip()

    stage = pick("STAGE", "dev")
    if not STAGE_PATTERN.match(stage):
        raise ValueError(f"STAGE {stage!r}: lowercase letters, digits and dashes, 2-21 long")
    regions = tuple(r.strip() for r in pick("REGIONS", "UsEast").split(",") if r.strip())
    unknown = [r for r in regions if r not in AWS_REGION_OF]
    if unknown or not regions:
        raise ValueError(f"REGIONS {unknown or regions}: choose among {sorted(AWS_REGION_OF)}")
    home = pick("HOME_REGION") or AWS_REGION_OF[regions[0]]
    return DeployConfig(stage=stage, home_region=home, check_regions=regions,
                        mail_from=pick("MAIL_FROM", "alerts@example.com"),
                        public_base_url=pick("PUBLIC_BASE_URL").rstrip("/"),
                        alarm_email=pick("ALARM_EMAIL"))
