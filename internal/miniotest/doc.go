// Package miniotest runs a real MinIO server on loopback for tests.
//
// MinIO is AGPL-licensed, so it only ever runs as a separate process built
// by `make test` into <repo>/.bin/minio; nothing here imports it.
//
//	m := miniotest.Start(t)           // stopped at t.Cleanup
//	cmd.Env = append(os.Environ(), m.Env()...)
//	m.Stop(t); …; m.Restart(t)        // an outage in the middle of a test
package miniotest
