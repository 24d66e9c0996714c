// Command fputobject uploads files to an S3-compatible store with bare
// minio-go FPutObject calls: the baseline bench/upload.sh compares
// `vellum upload` with. Endpoint and keys come from the AWS_* variables.
//
//	fputobject -bucket b -prefix p -root DIR FILE...   (FILE relative to DIR)
package main
