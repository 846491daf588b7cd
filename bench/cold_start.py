"""Cold start (E11): `python -X importtime -c "import app"` (the cumulative microseconds of the
top-level `app` import), and the Lambda deployment package size: app.py, chalicelib/ and the
runtime requirements (with dependencies), zipped, with and without boto3/botocore (which the
Lambda Python runtime ships).
Usage: python bench/cold_start.py [--quick] [--json out.json]
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO_ROOT, finish, parse_args, percentile  # noqa: E402

RUNTIME_SHIPPED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "python_dateutil",
                   "urllib3", "six")


def import_time_ms() -> float:
    env = {**os.environ, "ENORI_STAGE": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import app"], cwd=REPO_ROOT,
                          capture_output=True, text=True, env=env, timeout=120)
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() == "app" and not parts[2].startswith("  "):
            return int(parts[1]) / 1000
    raise RuntimeError(f"no top-level app in -X importtime output:\n{done.stderr[-2000:]}")


def _zip_size(root: Path, files: list[tuple[Path, str]]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "package.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, name in files:
                archive.write(path, name)
        return target.stat().st_size


def package_sizes() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "-r", str(REPO_ROOT / "requirements.txt"), "--target", str(site)],
                       check=True, timeout=600)
        ours = [(REPO_ROOT / "app.py", "app.py")] + [
            (p, str(p.relative_to(REPO_ROOT))) for p in sorted((REPO_ROOT / "chalicelib").rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts]
        deps = [(p, str(p.relative_to(site))) for p in sorted(site.rglob("*"))
                if p.is_file() and "__pycache__" not in p.parts and "bin" != p.relative_to(site).parts[0]]
        shipped = tuple(RUNTIME_SHIPPED)
        without = [(p, n) for p, n in deps if not n.split("/")[0].split("-")[0].lower().startswith(shipped)]
        return {"package_mb_with_boto": _zip_size(site, ours + deps) / 1e6,
                "package_mb_without_boto": _zip_size(site, ours + without) / 1e6,
                "code_only_mb": _zip_size(site, ours) / 1e6}


def main(argv=None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv)
    runs = [import_time_ms() for _ in range(3 if args.quick else 7)]
    print(f"  import app: median {percentile(runs, 50):.0f} ms, min {min(runs):.0f} ms over {len(runs)} runs "
          f"(-X importtime, cumulative of top-level `app`)", flush=True)
    sizes = package_sizes()
    print(f"  deployment zip: {sizes['package_mb_with_boto']:.1f} MB with boto3/botocore, "
          f"{sizes['package_mb_without_boto']:.1f} MB without (Lambda ships them); "
          f"app.py + chalicelib alone {sizes['code_only_mb']:.2f} MB")
    result = {"import_ms_median": round(percentile(runs, 50), 1), "import_ms_min": round(min(runs), 1),
              "import_runs": len(runs), **{k: round(v, 2) for k, v in sizes.items()}}
    finish(args, result)
    return result


if __name__ == "__main__":
    main()
