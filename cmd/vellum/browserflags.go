package main

import (
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/vellumhq/vellum/capture"
)

// addBrowserFlags adds the flags of browser capture to a command. mode is
// nil where jobs say which pages use the browser (run, serve).
func addBrowserFlags(f *pflag.FlagSet, bc *capture.BrowserConfig, mode *string) {
	if mode != nil {
		f.StringVar(mode, "browser", "false", "load pages in headless Chromium (`MODE`: true, as --browser alone says; auto, only pages that look built by script; false)")
		f.Lookup("browser").NoOptDefVal = "true"
	}
	f.StringVar(&bc.Path, "chromium", "", "Chromium binary for browser capture (default: Debian's chromium)")
	f.DurationVar(&bc.Timeout, "browser-timeout", 30*time.Second, "time one page may take in the browser: load, scroll, a quiet network")
	f.IntVar(&bc.Tabs, "browser-tabs", 2, "pages loaded in the browser at once")
}

// chromiumFlags reads extra Chromium flags from VELLUM_CHROMIUM_FLAGS:
// "--name=value --switch ...", a value running to the next " --" (so it
// may hold spaces, as --host-resolver-rules does). Tests use it to make
// the browser's direct traffic observable.
func chromiumFlags() map[string]any {
	s := strings.TrimSpace(os.Getenv("VELLUM_CHROMIUM_FLAGS"))
	if s == "" {
		return nil
	}
	flags := map[string]any{}
	for _, part := range strings.Split(" "+s, " --") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if name, value, ok := strings.Cut(part, "="); ok {
			flags[name] = value
		} else {
			flags[part] = true
		}
	}
	return flags
}
