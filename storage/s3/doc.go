// Package s3 is the storage.Store of an S3-compatible object store (AWS S3,
// MinIO, …) on minio-go. Keys are relative to a key prefix in one bucket,
// so s3://bucket/prefix holds the same relative keys as a local archive
// (DESIGN §2).
//
//	cfg, err := s3.ConfigFromEnv("s3://archive/news", os.Getenv) // AWS_* variables
//	store, err := s3.New(ctx, cfg) // creates the bucket when missing
//	err = store.PutFile(ctx, "warcs/2026/11/25/r-00000.warc.gz", path, size, sha256hex)
//
// PutFile is how finished WARC and CDXJ files go up: with their known size,
// an explicit part size, SHA-256 checksums the server checks on every part
// and on the whole, and a final comparison with the local SHA-256 before it
// returns nil; see PutFile for the details. Failures name the store
// ("s3://archive/news at http://127.0.0.1:9000: …") and never a secret, and
// wrap ErrAccessDenied, ErrNoWritePermission, ErrUnreachable, ErrVerify or
// storage.ErrNotFound where they apply.
package s3
