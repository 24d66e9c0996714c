package serve

import (
	"context"
	"errors"
	"time"

	"github.com/vellumhq/vellum/internal/oneline"
)

// searchEvery is how often a node indexes the words of pages captured or
// imported since: a capture lists its pages in the index but leaves their
// words to be indexed apart (index.UpdateSearch), off its own path.
const searchEvery = 2 * time.Second

// searchLoop keeps the full-text index up with the pages, until ctx ends.
func (n *Node) searchLoop(ctx context.Context) {
	t := time.NewTicker(searchEvery)
	defer t.Stop()
	for {
		k, err := n.idx.UpdateSearch(ctx)
		if k >= 1000 {
			n.log.Info("indexed the words of pages for search", "pages", k)
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			n.log.Warn("full-text index", "err", oneline.Of(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
