"""MinIO (or any S3-compatible server) through the official ``minio`` SDK."""
