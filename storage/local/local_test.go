package local_test

import (
	"testing"

	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/storage/local"
	"github.com/vellumhq/vellum/storage/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storage.Store { return local.New(t.TempDir()) })
}
