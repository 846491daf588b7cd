"""The CDK app: `python infra/app.py` synthesizes every stack of one stage into `cdk.out/`
(offline: no AWS call, no CDK CLI needed). `cdk deploy` runs the same file (see cdk.json).

Configuration (environment wins over `cdk.json` context): STAGE (dev), REGIONS (UsEast; check
regions by their API names), HOME_REGION (the first region's), MAIL_FROM, PUBLIC_BASE_URL,
ALARM_EMAIL, CDK_OUTDIR.
"""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# `import app` must find the Chalice app (ROOT/app.py), never this file.
sys.path[:] = [ROOT] + [p for p in sys.path if os.path.abspath(p or ".") not in (HERE, ROOT)]


def build(env: dict | None = None, outdir: str | None = None):
    """Build the CDK app of the stage `env` describes; returns (app, home, regions)."""
    import aws_cdk as cdk

    env = dict(os.environ if env is None else env)
    outdir = os.path.abspath(outdir or env.get("CDK_OUTDIR") or os.path.join(ROOT, "cdk.out"))
    app = cdk.App(outdir=outdir)
    # Chalice's construct packages into ./chalice.out: keep that out of the work tree.
    workdir = os.path.join(ROOT, ".cache", "chalice-package")
    os.makedirs(workdir, exist_ok=True)
    os.chdir(workdir)
    context = {key: app.node.try_get_context(key) for key in
               ("stage", "regions", "home_region", "mail_from", "public_base_url", "alarm_email")}
    from infra.config import load_config

    config = load_config(env, {k: v for k, v in context.items() if v})
    # chalicelib reads its settings once, at import; only the settings module is loaded so far
    # (for the region names): reload them with this stage's, before anything else imports them.
    os.environ.update(config.environment())
    # The home region decides which check regions are remote (`Settings.runs_remote`): their
    # workers register from the module that reaches no table, so their grants hold none.
    os.environ["ENORI_HOME_REGION"] = config.home_region
    import chalicelib.kernel.settings as settings_module

    # Package inits are empty (tests/architecture/test_layers.py): only modules can have read one.
    loaded = {m for m, module in sys.modules.items()
              if m.startswith("chalicelib.") and not hasattr(module, "__path__")}
    assert loaded == {"chalicelib.kernel.settings"}, f"imported before the stage was set: {loaded}"
    settings_module.settings = settings_module.load_settings()
    # Chalice's packager builds (never calls) a boto client to name service principals.
    os.environ.setdefault("AWS_DEFAULT_REGION", config.home_region)
    from infra.home_stack import HomeStack
    from infra.region_stack import CheckRegionStack

    import importlib

    chalice_app = importlib.import_module("app").app   # the Chalice app (ROOT/app.py)
    account = env.get("CDK_DEFAULT_ACCOUNT")
    home = HomeStack(app, f"Enori-{config.stage}", config=config, chalice_app=chalice_app,
                     stack_name=f"enori-{config.stage}",
                     env=cdk.Environment(account=account, region=config.home_region),
                     description=f"Enori uptime monitoring, stage {config.stage} (home region)")
    regions = []
    for check_region in config.remote_check_regions:
        regions.append(CheckRegionStack(
            app, f"Enori-{config.stage}-{check_region}", config=config,
            check_region=check_region, deployment_zip=home.chalice.deployment_zip,
            worker=home.remote_worker_settings[check_region],
            stack_name=f"enori-{config.stage}-checks-{check_region.lower()}",
            env=cdk.Environment(account=account, region=config.aws_region_of(check_region)),
            description=f"Enori stage {config.stage}: checks from {check_region}"))
    home.add_dashboard([(r.watched_functions, r.watched_dlqs) for r in regions])
    for key, value in {"project": "enori", "stage": config.stage}.items():
        cdk.Tags.of(app).add(key, value)
    return app, home, regions


if __name__ == "__main__":
    cdk_app, _, _ = build()
    cdk_app.synth()
