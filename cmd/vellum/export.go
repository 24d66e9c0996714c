package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/internal/oneline"
	"github.com/vellumhq/vellum/wacz"
	"github.com/vellumhq/vellum/warc"
)

// exportFilter is what export's flags select.
type exportFilter struct {
	run, job string
	urls     []string
	from, to string
}

func newExportCmd() *cobra.Command {
	archive, out, title, signKey := "archive", "", "", ""
	var f exportFilter
	var noProgress bool
	cmd := &cobra.Command{
		Use:   "export --wacz FILE [--run ID | --job NAME | --url PREFIX* ...] [--from TS] [--to TS]",
		Short: "Write the matching captures as a WACZ file (for ReplayWeb.page and other archives)",
		Long: "export writes a WACZ 1.1.1 file of the archive's captures: those of a run, of every run of a\n" +
			"job, of URLs (a trailing * matches a prefix; --url may be repeated), and between --from and --to\n" +
			"(0-14 digit timestamps); every capture when nothing is selected. A WARC file whose every capture\n" +
			"matches goes in whole; of another only the matching records (with their request and metadata\n" +
			"records) are copied, byte for byte. --sign-key signs the WACZ with a key from `vellum keygen`.",
		Example: "  vellum export --wacz borderland.wacz --job borderland --title 'Borderland, 2024'\n" +
			"  vellum export --wacz story.wacz --url 'https://news.example/2014/08/*' --sign-key vellum.key",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return &exitError{2, "export: no --wacz FILE given"}
			}
			if err := f.validate(); err != nil {
				return &exitError{2, err.Error()}
			}
			opts := wacz.Options{Title: title, Software: "vellum " + currentVersion()}
			if signKey != "" {
				b, err := os.ReadFile(signKey)
				if err != nil {
					return &exitError{2, "--sign-key: " + oneline.Of(err)}
				}
				if opts.SignKey, err = wacz.ParseKey(b); err != nil {
					return &exitError{2, fmt.Sprintf("--sign-key %s: %v", signKey, err)}
				}
			}
			ctx := cmd.Context()
			idx, _, err := index.OpenArchive(ctx, archive, false)
			if err != nil {
				return err
			}
			defer idx.Close()
			sel, err := f.selection(ctx, idx, archive)
			if err != nil {
				return err
			}
			if sel.Len() == 0 {
				return &exitError{1, "export: no capture matches; nothing written"}
			}
			con := newConsole(cmd.ErrOrStderr(), !noProgress && isTerminal(cmd.ErrOrStderr()))
			st, size, err := writeWACZ(ctx, out, archive, idx, sel, opts, exportProgress(con))
			con.show("")
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d captures, %d pages, %d WARC files (%d whole, %d in part), %s\n",
				out, st.Records, st.Pages, st.WholeFiles+st.PartFiles, st.WholeFiles, st.PartFiles, humanBytes(size))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&archive, "archive", archive, "archive directory")
	fl.StringVar(&out, "wacz", "", "the WACZ file to write")
	fl.StringVar(&f.run, "run", "", "the captures of this run")
	fl.StringVar(&f.job, "job", "", "the captures of every run of this job")
	fl.StringArrayVar(&f.urls, "url", nil, "the captures of this URL; a trailing * matches every URL it begins (repeatable)")
	fl.StringVar(&f.from, "from", "", "captures at or after this 0-14 digit timestamp")
	fl.StringVar(&f.to, "to", "", "captures at or before this 0-14 digit timestamp")
	fl.StringVar(&title, "title", "", "the WACZ's title")
	fl.StringVar(&signKey, "sign-key", "", "sign with this ECDSA P-256 PEM key (vellum keygen)")
	fl.BoolVar(&noProgress, "no-progress", false, "no progress bar on a terminal")
	return cmd
}

func (f *exportFilter) validate() error {
	n := 0
	for _, set := range []bool{f.run != "", f.job != "", len(f.urls) > 0} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errors.New("export: give one of --run, --job or --url")
	}
	for _, ts := range []struct{ flag, v string }{{"--from", f.from}, {"--to", f.to}} {
		if len(ts.v) > 14 || strings.Trim(ts.v, "0123456789") != "" {
			return fmt.Errorf("%s %q: not a timestamp of 0-14 digits", ts.flag, ts.v)
		}
	}
	return nil
}

// bounds are --from and --to as 14-digit bounds of the timestamps.
func (f *exportFilter) bounds() (string, string) {
	return f.from + "00000000000000"[len(f.from):], f.to + "99999999999999"[len(f.to):]
}

// exportIndex is what export reads of the index: the selected captures,
// the pages and requisites that go with them, and what wacz.Export reads.
type exportIndex interface {
	wacz.Source
	Lookup(ctx context.Context, q index.Query, fn func(index.Capture) error) error
	Captures(ctx context.Context, urlkey string) ([]index.Capture, error)
	Closest(ctx context.Context, urlkey, ts string, n int) ([]index.Capture, error)
	CapturesBetween(ctx context.Context, from, to string, fn func(index.Capture) error) error
	CapturesOfRun(ctx context.Context, runID string) ([]index.Capture, error)
	GetRun(ctx context.Context, id string) (index.Run, bool, error)
	Runs(ctx context.Context, job string, n int) ([]index.Run, error)
}

// selection reads the selected captures from the index.
func (f *exportFilter) selection(ctx context.Context, idx exportIndex, archive string) (*wacz.Selection, error) {
	sel := wacz.NewSelection()
	lo, hi := f.bounds()
	var revisits, pages []index.Capture
	add := func(c index.Capture) error {
		if c.Timestamp >= lo && c.Timestamp <= hi {
			sel.Add(c)
			switch {
			case c.Type == warc.TypeRevisit:
				revisits = append(revisits, c)
			case c.Type == warc.TypeResponse && c.MIME == "text/html":
				pages = append(pages, c)
			}
		}
		return nil
	}
	sel, err := f.collect(ctx, idx, sel, add)
	if err != nil {
		return nil, err
	}
	if len(f.urls) > 0 {
		// A prefix names pages; their images, stylesheets and scripts may
		// live elsewhere (a CDN, /static/), and a page must render.
		if err := addRequisites(ctx, idx, archive, pages, func(c index.Capture) error {
			sel.Add(c)
			if c.Type == warc.TypeRevisit {
				revisits = append(revisits, c)
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return sel, addOriginals(ctx, idx, sel, revisits)
}

// addRequisites adds, for each page, the capture nearest to it in time of
// each requisite its metadata record lists.
func addRequisites(ctx context.Context, idx exportIndex, archive string, pages []index.Capture, add func(index.Capture) error) error {
	for _, c := range pages {
		p, ok, err := idx.PageAt(ctx, c.URLKey, c.Timestamp)
		if err != nil {
			return err
		}
		if !ok || (p.ConcurrentTo != "" && p.ConcurrentTo != c.RecordID) {
			continue
		}
		reqs, err := requisitesOf(archive, p)
		if err != nil {
			return err
		}
		for _, u := range reqs {
			key, err := warc.SURT(u)
			if err != nil {
				continue
			}
			near, err := idx.Closest(ctx, key, c.Timestamp, 1)
			if err != nil {
				return err
			}
			if len(near) > 0 {
				if err := add(near[0]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// requisitesOf reads the requisites a page's metadata record lists.
func requisitesOf(archive string, p index.Page) ([]string, error) {
	f, err := os.Open(filepath.Join(archive, filepath.FromSlash(p.Filename)))
	if err != nil {
		return nil, fmt.Errorf("export: the metadata record of %s: %w", p.URL, err)
	}
	defer f.Close()
	rec, err := warc.ReadRecordAt(f, p.Offset, 0)
	if err != nil {
		return nil, fmt.Errorf("export: the metadata record of %s: %w", p.URL, err)
	}
	var md struct {
		Requisites []string `json:"requisites"`
	}
	if err := json.NewDecoder(io.LimitReader(rec.Block, 64<<20)).Decode(&md); err != nil {
		return nil, nil // not Vellum's metadata JSON: no requisites known
	}
	return md.Requisites, nil
}

// addOriginals adds to sel the response each selected revisit repeats,
// wherever it is: a WACZ handed to someone else must replay its revisits.
func addOriginals(ctx context.Context, idx exportIndex, sel *wacz.Selection, revisits []index.Capture) error {
	byKey := map[string][]index.Capture{}
	for _, r := range revisits {
		target := r.RefersToURL
		if target == "" {
			target = r.URL
		}
		key, err := warc.SURT(target)
		if err != nil {
			continue
		}
		caps, ok := byKey[key]
		if !ok {
			if caps, err = idx.Captures(ctx, key); err != nil {
				return err
			}
			byKey[key] = caps
		}
		var best *index.Capture
		for i, c := range caps {
			if c.Type != warc.TypeResponse || c.Digest != r.Digest || c.Timestamp > r.Timestamp {
				continue
			}
			if c.Timestamp == r.RefersToTimestamp { // the one it names
				best = &caps[i]
				break
			}
			if best == nil || c.Timestamp > best.Timestamp { // else the latest before it
				best = &caps[i]
			}
		}
		if best != nil {
			sel.Add(*best)
		}
	}
	return nil
}

// collect fills sel through add as the filter says.
func (f *exportFilter) collect(ctx context.Context, idx exportIndex, sel *wacz.Selection, add func(index.Capture) error) (*wacz.Selection, error) {
	lo, hi := f.bounds()
	var runs []string
	switch {
	case f.run != "":
		if _, ok, err := idx.GetRun(ctx, f.run); err != nil {
			return nil, err
		} else if !ok {
			return nil, &exitError{1, fmt.Sprintf("export: no run %s in this archive", f.run)}
		}
		runs = []string{f.run}
	case f.job != "":
		rs, err := idx.Runs(ctx, f.job, 0)
		if err != nil {
			return nil, err
		}
		if len(rs) == 0 {
			return nil, &exitError{1, fmt.Sprintf("export: no run of job %s in this archive", f.job)}
		}
		for _, r := range rs {
			runs = append(runs, r.ID)
		}
	case len(f.urls) > 0:
		for _, u := range f.urls {
			err := idx.Lookup(ctx, index.Query{URL: u, From: f.from, To: f.to}, add)
			var qe *index.QueryError
			if errors.As(err, &qe) {
				return nil, &exitError{2, fmt.Sprintf("--url %q: %s", u, qe.Reason)}
			}
			if err != nil {
				return nil, err
			}
		}
		return sel, nil
	default:
		return sel, idx.CapturesBetween(ctx, lo, hi, add)
	}
	for _, id := range runs {
		caps, err := idx.CapturesOfRun(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, c := range caps {
			add(c)
		}
	}
	return sel, nil
}

// writeWACZ writes the WACZ through a temporary file beside out, renamed
// into place once whole, and returns its size.
func writeWACZ(ctx context.Context, out, archive string, idx exportIndex, sel *wacz.Selection, opts wacz.Options,
	progress wacz.Progress) (wacz.ExportStats, int64, error) {
	dir := filepath.Dir(out)
	tmp, err := layout.CreateTemp(dir, "."+filepath.Base(out)+".")
	if err != nil {
		return wacz.ExportStats{}, 0, &exitError{1, "export: " + oneline.Of(err)}
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	opts.TempDir = dir
	w, err := wacz.NewWriter(tmp, opts)
	if err != nil {
		return wacz.ExportStats{}, 0, err
	}
	defer w.Abort() // its spools, on failure
	st, err := wacz.Export(ctx, w, archive, idx, sel, progress)
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if err != nil {
		return st, 0, fmt.Errorf("export %s: %s", out, oneline.Of(err))
	}
	size, _ := tmp.Seek(0, io.SeekCurrent)
	if err := tmp.Close(); err != nil {
		return st, 0, fmt.Errorf("export %s: %s", out, oneline.Of(err))
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return st, 0, fmt.Errorf("export: %s", oneline.Of(err))
	}
	return st, size, nil
}

// exportProgress draws "exporting: 1.2/3.4 GiB · 210 MiB/s" on a terminal.
func exportProgress(con *console) wacz.Progress {
	start, last := time.Now(), time.Time{}
	return func(done, total int64) {
		if now := time.Now(); now.Sub(last) >= 200*time.Millisecond || done == total {
			last = now
			rate := float64(done) / max(now.Sub(start).Seconds(), 0.001)
			con.show(fmt.Sprintf("exporting: %s/%s · %s/s", humanBytes(done), humanBytes(total), humanBytes(int64(rate))))
		}
	}
}
