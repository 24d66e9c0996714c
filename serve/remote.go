package serve

import (
	"context"
	"errors"
	"time"

	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/internal/oneline"
	"github.com/vellumhq/vellum/storage"
)

// remoteLoop keeps the node in step with the remote store: it imports CDXJ
// files other machines uploaded (not into a shared index) and retries
// pending uploads, with backoff
// while the store is down, until ctx ends.
func (n *Node) remoteLoop(ctx context.Context) {
	every := n.cfg.SyncEvery
	state := n.cfg.UploadState
	if state == nil {
		state = n.idx
	}
	up := storage.NewUploader(storage.UploaderConfig{
		Root: n.cfg.Archive, Open: n.cfg.Remote.Open, State: state, KeepLocal: true, Remote: n.cfg.Remote.Name,
	})
	wait := every
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if !n.cfg.Shared { // a shared index has the rows the workers wrote
			n.syncRemote(ctx)
		}
		_, pending, err := up.UploadPending(ctx)
		if err == nil && pending > 0 && up.LastError() != nil {
			n.log.Warn("uploads still pending", "files", pending, "err", oneline.Of(up.LastError()))
			wait = min(wait*2, 10*every) // back off while the store is down
			continue
		}
		wait = every
	}
}

// syncRemote imports remote CDXJ files into the index, skipping WARCs that
// are local.
func (n *Node) syncRemote(ctx context.Context) {
	name := n.cfg.Remote.Name
	k, err := n.idx.SyncRemote(ctx, n.cfg.Remote.Store, layout.HaveLocal(n.cfg.Archive))
	if k > 0 {
		n.log.Info("imported remote CDXJ files", "files", k, "remote", name)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		n.log.Warn("remote index sync", "remote", name, "err", oneline.Of(err))
	}
}
