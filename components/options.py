"""Resource options shared by the kit's components."""

from __future__ import annotations

import pulumi


def children(
    component: pulumi.ComponentResource, opts: pulumi.ResourceOptions | None
) -> pulumi.ResourceOptions:
    """parent=component plus the component's own depends_on, which Pulumi does not pass down:
    without it, children would race the namespaces on the first `pulumi up`."""
    depends_on = opts.depends_on if opts else None
    if depends_on is None:
        depends_on = []
    elif not isinstance(depends_on, list):
        depends_on = [depends_on]
    return pulumi.ResourceOptions(parent=component, depends_on=list(depends_on))
