package main

import (
	"context"
	"os"

	"github.com/vellumhq/vellum/capture/upload"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/storage/s3"
)

// parseRemote reads --remote and the AWS_* variables; "" means no remote.
// The store is connected lazily: one that is down when a command starts is
// used as soon as it answers. It also backs replay's and resume's reads of
// records with no local copy.
func parseRemote(flag string) (*storage.Remote, error) {
	if flag == "" {
		return nil, nil
	}
	cfg, err := s3.ConfigFromEnv(flag, os.Getenv)
	if err != nil {
		return nil, &exitError{2, "--remote: " + err.Error()}
	}
	return upload.NewRemote(cfg.String(), storage.NewLazy(func(ctx context.Context) (*s3.Store, error) {
		return s3.New(ctx, cfg) // creates the bucket when missing
	})), nil
}
