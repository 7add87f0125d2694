"""Resource options shared by the kit's components."""

from __future__ import annotations

import pulumi


def children(
    component: pulumi.ComponentResource, opts: pulumi.ResourceOptions | None
) -> pulumi.ResourceOptions:
    """Options for a component's children: parent=component, plus the component's own
    depends_on. Pulumi does not pass depends_on down to children, so without this a component
    created "after the namespaces" would let its children race the namespaces (and fail on the
    first `pulumi up`)."""
    depends_on = opts.depends_on if opts else None
    if depends_on is None:
        depends_on = []
    elif not isinstance(depends_on, list):
        depends_on = [depends_on]
    return pulumi.ResourceOptions(parent=component, depends_on=list(depends_on))
