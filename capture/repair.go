package capture

import (
	"context"
	"fmt"

	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/warc"
)

// RepairArchive closes the ".open" WARC files a crashed run left in archive:
// each is trimmed to its last whole record, renamed to its final name, given
// its CDXJ file and re-indexed. Files a live writer still holds are left alone.
func RepairArchive(ctx context.Context, archive string, idx Reindexer) ([]warc.Repaired, error) {
	repaired, err := warc.RepairOpenFiles(archive, layout.WARCs(archive))
	if err != nil {
		return repaired, fmt.Errorf("repair %s: %w", archive, err)
	}
	for _, r := range repaired {
		if err := idx.ReindexFile(ctx, archive, r.Filename); err != nil {
			return repaired, fmt.Errorf("re-index repaired %s: %w", r.Filename, err)
		}
	}
	return repaired, nil
}
