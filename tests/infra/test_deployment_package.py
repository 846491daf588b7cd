"""The Lambda deployment package (Chalice's zip, shared by every stack) carries app.py,
chalicelib/ and the runtime requirements — no tests, local stack, benchmarks, infra or dev tools;
and every handler a stack names is there and callable as Lambda calls it."""
import importlib
import inspect
import json
import zipfile

import pytest

FORBIDDEN_TOP_LEVEL = {"tests", "local", "bench", "infra", "scripts", "pytest", "_pytest", "moto",
                       "ruff", "playwright", "aws_cdk", "jsii", "cfnlint", "trustme",
                       "aiosmtpd", "pip", "setuptools"}
RUNTIME = {"app.py", "chalicelib", "pynamodb", "pydantic", "httpx", "aiohttp", "yarl", "multidict",
           "dns", "icmplib", "cronsim", "tzdata", "boto3", "botocore", "jinja2", "markupsafe"}
# The dashboard's templates and static files are data beside the code: Lambda needs them too.
DASHBOARD_FILES = {"chalicelib/web/templates/base.html", "chalicelib/web/static/app.css",
                   "chalicelib/web/static/app.js", "chalicelib/web/static/uplot-1.6.32.min.js"}


@pytest.fixture(scope="module")
def package(cdk_out):
    zips = sorted(cdk_out.glob("asset.*.zip"))
    assert len(zips) == 1, zips   # one package, shared by the home and region stacks
    return zips[0]


def test_it_packages_only_the_app_and_its_runtime_requirements(package):
    with zipfile.ZipFile(package) as z:
        names = z.namelist()
    top = {n.split("/", 1)[0] for n in names}
    packages = {t for t in top if not t.endswith((".dist-info", ".pth")) and t != "bin"}
    print(f"\ndeployment package: {package.stat().st_size / 1e6:.1f} MB zipped, "
          f"{len(names)} files, top level: {sorted(packages)}")
    assert RUNTIME <= packages
    assert DASHBOARD_FILES <= set(names)
    assert not packages & FORBIDDEN_TOP_LEVEL
    assert not any(n.startswith("chalicelib/") and "/tests/" in n for n in names)
    # Chalice's runtime (the decorators, app.py) only: not its CLI, packager or CDK construct.
    assert not any(n.startswith(("chalice/cli/", "chalice/deploy/", "chalice/cdk/"))
                   for n in names)
    assert package.stat().st_size < 50e6   # Lambda's limit for a direct zip upload


def test_it_ships_the_module_of_every_handler(package, home_template, region_template):
    handlers = [r["Properties"]["Handler"]
                for t in (home_template, region_template) for r in t["Resources"].values()
                if r["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")]
    with zipfile.ZipFile(package) as z:
        names = set(z.namelist())
    for handler in handlers:
        module = handler.rsplit(".", 1)[0]
        assert f"{module.replace('.', '/')}.py" in names, handler


def test_it_exposes_every_event_handler_as_lambda_calls_it(home_template, region_template):
    """Lambda imports the handler's module and calls the attribute with (event, context)."""
    handlers = {r["Properties"]["Handler"]
                for t in (home_template, region_template) for r in t["Resources"].values()
                if r["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")}
    for handler in sorted(handlers):
        module, name = handler.rsplit(".", 1)
        target = getattr(importlib.import_module(module), name)
        call = target if inspect.isfunction(target) else target.__call__
        inspect.signature(call).bind({}, object())   # raises if (event, context) does not fit
    assert json.dumps(sorted(handlers))
