"""The kit's Pulumi components; each box of the design is one ComponentResource module here."""
