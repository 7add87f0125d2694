"""A Kubernetes control plane on loopback for the kit's real `pulumi up` (tests/e2e, `make e2e`).

kube-apiserver, kube-controller-manager, kube-scheduler and etcd built from their Go modules,
with kwok standing in for the kubelets of three kind-shaped nodes. What kwok cannot do (run the
prometheus-operator that turns the kit's Prometheus and Alertmanager into StatefulSets) runs on
the host as the real binary (hostpods.py). `python -m kit.localcluster up|down|env`.
"""
