// Package upload moves an archive's finished WARC files, each with its CDXJ
// file, to the remote store: a Session uploads a capture's files as they
// close, beside the capture, with the files earlier runs left pending;
// MarkLocal and Pending serve `vellum upload`, which sends what is pending
// and reports what is not. The files' upload state is kept in the index
// (storage.Uploader does the uploading and verifying).
//
// Its seam: it is given the archive folder, the archive's open index (the
// caller closes it after the session), and a storage.Remote (the store to read
// from, an Opener for the uploader, a name for messages), which cmd/vellum
// builds from --remote and the AWS_* variables. It returns a Session whose
// FileClosed is the capture's OnFileClosed and which is capture/jobs'
// Uploads; whatever starts a Session closes it, which waits for its
// goroutines:
//
//	s, err := upload.Start(ctx, archive, idx, remote, keepLocal, log)
//	defer s.Close()
//	cfg.OnFileClosed = s.FileClosed
//	res, err := capture.Run(ctx, cfg, seeds)
//	err = s.Finish(ctx, os.Stdout) // "uploaded 2 files to s3://..."
//
// It imports warc, index and storage; cmd/vellum imports it.
package upload
