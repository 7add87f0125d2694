"""eks: Amazon EKS with CloudWatch, X-Ray and Fargate (platform.py is its Platform)."""
