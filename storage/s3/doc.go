// Package s3 is the storage.Store of an S3-compatible object store (AWS S3,
// MinIO, …) on minio-go. Keys are relative to a key prefix in one bucket,
// so s3://bucket/prefix holds the same relative keys as a local archive
// (DESIGN §2).
//
//	cfg, err := s3.ConfigFromEnv("s3://archive/news", os.Getenv) // AWS_* variables
//	store, err := s3.New(ctx, cfg) // creates the bucket when missing
//	err = store.PutFile(ctx, "warcs/2026/11/25/r-00000.warc.gz", path, size, sha256hex)
//
// PutFile is how finished WARC and CDXJ files go up, with their known size
// and an explicit part size. A file of one part goes up in one PUT that
// carries its SHA-256, which the server checks. A larger file goes up in
// parts that each carry their CRC32C, and the completion carries the
// composite CRC32C (over the parts' CRC32Cs), which the server checks too;
// the same pass over the file checks it against the local SHA-256. Either
// way PutFile compares the checksum the store reports for the object with
// the expected one before it returns nil; see PutFile for the details.
//
// Put (any reader) lets minio-go send SHA-256 checksums. Failures name the
// store ("s3://archive/news at http://127.0.0.1:9000: …") and never a
// secret, and wrap ErrAccessDenied, ErrNoWritePermission, ErrUnreachable,
// ErrVerify or storage.ErrNotFound where they apply.
//
// Seam: given a Config (from --remote and the AWS_* variables), a Store is
// the storage.Store replay and resumed runs read records through (behind
// storage.Layered and storage.Lazy) and the storage.FilePutter the
// uploader sends files with. It runs the storage/storetest suite on MinIO.
package s3
