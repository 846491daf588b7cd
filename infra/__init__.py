"""Enori's AWS CDK app (issue E10): everything Chalice does not declare. See infra/README.md."""
