"""Whether the current kube context ($KUBECONFIG or ~/.kube/config) reaches a cluster: any answer
of its API server counts, even a refusal of the credentials, because then the context is the
user's to fix, not a reason for the kit to create a cluster beside it."""

from __future__ import annotations

import os

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

PROBE_TIMEOUT_SECONDS = 5


def current_context_problem() -> str | None:
    """None when the current context's API server answers, else why there is no cluster."""
    configuration = client.Configuration()
    # Read now, not when the kubernetes package was imported (its default is fixed then).
    files = os.environ.get("KUBECONFIG") or "~/.kube/config"
    try:
        _, active = config.list_kube_config_contexts(config_file=files)
        config.load_kube_config(
            config_file=files, client_configuration=configuration, persist_config=False
        )
    except (ConfigException, OSError, ValueError) as err:
        said = str(err).strip().splitlines()
        return f"no usable kubeconfig: {said[0] if said else type(err).__name__}"
    configuration.retries = urllib3.util.Retry(total=0, connect=0, read=0, redirect=0, status=0)
    name = active["name"] if active else "(none)"
    try:
        api = client.ApiClient(configuration)
        client.VersionApi(api).get_code(
            _request_timeout=PROBE_TIMEOUT_SECONDS, _preload_content=False
        )
    except ApiException:
        return None  # it answered
    except urllib3.exceptions.HTTPError as err:
        reason = getattr(err, "reason", None) or err
        return f"context {name} at {configuration.host}: {str(reason).splitlines()[0][:160]}"
    return None
