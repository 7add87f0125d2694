"""aks: Azure Kubernetes Service with Log Analytics and App Insights (platform.py: its Platform)."""
