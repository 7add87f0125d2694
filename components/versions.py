"""Every version the kit deploys, pinned in one place.

Python dependencies are pinned in requirements.txt (and sample-app/requirements.txt, with
hashes); everything that runs in the cluster or in a cloud is pinned here, so an upgrade is a
one-line change that the tests and `python -m kit plan` then check.
"""

# Kubernetes minor versions the kit supports: managed clusters are created with a version in this
# range, and every manifest is schema-checked against both ends (kubernetes-validate --strict).
# EKS and AKS both offer 1.34-1.36 in standard support as of 2026-11.
K8S_OLDEST = "1.34"
K8S_NEWEST = "1.36"
K8S_DEFAULT = "1.35"
