package postgres_test

import (
	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/index/postgres"
	"github.com/vellumhq/vellum/replay"
	"github.com/vellumhq/vellum/storage"
)

// The PostgreSQL index is what a run, replay and the uploader take.
var (
	_ capture.Index     = (*postgres.Index)(nil)
	_ replay.Index      = (*postgres.Index)(nil)
	_ storage.FileState = (*postgres.Index)(nil)
)
