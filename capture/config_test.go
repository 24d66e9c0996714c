package capture

import (
	"testing"

	"github.com/vellumhq/vellum/capture/record"
)

// The recording transport keeps as much of a body as the parsers read: with
// less, links past the cut would be lost; with more, memory held for nothing.
func TestDefaultsKeepWhatTheParsersRead(t *testing.T) {
	if got := DefaultConfig().Limits.MaxKeep; got != maxParseBytes {
		t.Errorf("capture keeps %d bytes of a body for parsing, the parsers read %d", got, maxParseBytes)
	}
	if got := record.DefaultLimits().MaxKeep; got != maxParseBytes {
		t.Errorf("record keeps %d bytes by default, the parsers read %d", got, maxParseBytes)
	}
}
