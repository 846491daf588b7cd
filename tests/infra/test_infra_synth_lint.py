"""The synthesized stacks exist and cfn-lint finds no error in any template (SAM included: cfn-lint
runs the SAM transform first)."""
import json
import subprocess
import sys


def test_it_synthesizes_a_home_stack_and_one_stack_per_extra_region(cdk_out):
    templates = sorted(p.name for p in cdk_out.glob("*.template.json"))
    assert templates == ["Enori-citest-EuWest.template.json", "Enori-citest.template.json"]
    manifest = json.loads((cdk_out / "manifest.json").read_text())
    envs = {name: a["environment"] for name, a in manifest["artifacts"].items()
            if a["type"] == "aws:cloudformation:stack"}
    assert envs["Enori-citest"].endswith("/us-east-1")
    assert envs["Enori-citest-EuWest"].endswith("/eu-west-1")


def test_it_passes_cfn_lint_without_errors(cdk_out):
    templates = [str(p) for p in sorted(cdk_out.glob("*.template.json"))]
    run = subprocess.run([sys.executable, "-m", "cfnlint", "--format", "json", *templates],
                         capture_output=True, text=True, timeout=300)
    findings = json.loads(run.stdout or "[]")
    errors = [f for f in findings if f["Level"] == "Error"]
    assert errors == [], json.dumps(errors, indent=1)[:4000]
    assert run.returncode & 2 == 0   # cfn-lint's exit bit for errors
