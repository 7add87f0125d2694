"""What the plan checks on every Kubernetes object it writes, the charts' included: schemas
(custom resources against their CRDs), Pod Security levels, and the references between objects."""
