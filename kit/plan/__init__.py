"""The offline plan (`python -m kit plan`): the Pulumi program evaluated under mocks, written to
disk and checked, with no cloud and no cluster. It loads the Pulumi SDKs; the cluster commands
(kit/cli) never import it."""
