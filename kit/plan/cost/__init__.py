"""`python -m kit cost`: what a planned stack costs per hour and month, and what its pods ask of
the cluster."""
