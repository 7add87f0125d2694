"""eks: what AWS would compute for the resources and calls the program reads, for the offline
plan (kit/plan/offline.py). Stand-in values no one can mistake for real ones: the AWS
documentation's example account and "offline-placeholder" in host names."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

AZS = "aws:index/getAvailabilityZones:getAvailabilityZones"
CALLER = "aws:index/getCallerIdentity:getCallerIdentity"
PARTITION = "aws:index/getPartition:getPartition"
REGION = "aws:index/getRegion:getRegion"
ACCOUNT_ID = "123456789012"
OFFLINE_HOST = "offline-placeholder"
FAKE_CA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")


def outputs(typ: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
    """An ARN for every aws resource, plus what the program reads of some."""
    if typ == "aws:eks/cluster:Cluster":
        return {
            "name": inputs.get("name", name),
            "arn": f"arn:aws:eks:ap-northeast-1:{ACCOUNT_ID}:cluster/{inputs.get('name', name)}",
            "endpoint": f"https://{name}.{OFFLINE_HOST}.ap-northeast-1.eks.amazonaws.com",
            "certificateAuthority": {"data": FAKE_CA.decode()},
            "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.example/id/{name}"}]}],
        }
    if typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        host_path = inputs["url"].removeprefix("https://")
        return {"arn": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{host_path}"}
    if typ == "aws:cloudwatch/logGroup:LogGroup":  # the provider strips the API's trailing ":*"
        return {"arn": f"arn:aws:logs:ap-northeast-1:{ACCOUNT_ID}:log-group:{inputs['name']}"}
    if typ == "aws:ec2/launchTemplate:LaunchTemplate":
        return {"latestVersion": 1, "arn": f"arn:aws:ec2:ap-northeast-1:{ACCOUNT_ID}:{name}"}
    if typ == "aws:sns/topic:Topic":
        return {"arn": f"arn:aws:sns:ap-northeast-1:{ACCOUNT_ID}:{inputs.get('name', name)}"}
    if typ.startswith("aws:iam/"):
        kind = typ.split(":")[-1].lower()
        return {"arn": f"arn:aws:iam::{ACCOUNT_ID}:{kind}/{inputs.get('name', name)}"}
    if typ.startswith("aws:"):
        return {"arn": f"arn:aws:{typ.split(':')[1].split('/')[0]}::{ACCOUNT_ID}:{name}"}
    return None


def invoke(token: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
    if token == AZS:
        return {
            "names": ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"],
            "zoneIds": ["apne1-az4", "apne1-az1", "apne1-az2"],
            "state": "available",
        }
    if token == CALLER:
        return {
            "accountId": ACCOUNT_ID,
            "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/kit-deployer",
            "userId": "AIDAEXAMPLE",
        }
    if token == PARTITION:
        return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
    if token == REGION:
        return {"name": "ap-northeast-1", "region": "ap-northeast-1"}
    return None
