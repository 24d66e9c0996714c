package upload

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/oneline"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/warc"
)

// Connecting is what a Lazy store connects to: a Store that also stores
// and verifies local files (an *s3.Store).
type Connecting interface {
	storage.Store
	storage.FilePutter
}

// NewRemote is the remote of a store connected on first use: one that is
// down when a command starts is used as soon as it answers, for reads and
// uploads alike.
func NewRemote[S Connecting](name string, l *storage.Lazy[S]) *storage.Remote {
	return &storage.Remote{Store: l, Name: name, Open: func(ctx context.Context) (storage.FilePutter, error) {
		s, err := l.Connect(ctx)
		if err != nil {
			return nil, err // not a nil S in a non-nil FilePutter
		}
		return s, nil
	}}
}

// State is what the upload state is kept in: the archive's index.
type State interface {
	storage.FileState
	FileState(ctx context.Context, name string) (string, error) // index.StatePending, index.StateUploaded or ""
}

var _ State = (*index.Index)(nil)

// LocalState narrows an upload state shared by the machines of a cluster
// (a PostgreSQL index) to one machine: Pending lists only the pending files
// that are in archive. Another machine's pending files are its own to
// upload; trying them here would fail for want of the file, mark them
// failed, and make this machine's capture end with their error.
func LocalState(archive string, st State) State { return localState{st, archive} }

type localState struct {
	State
	archive string
}

func (s localState) Pending(ctx context.Context) ([]storage.File, error) {
	all, err := s.State.Pending(ctx)
	if err != nil {
		return nil, err
	}
	var mine []storage.File
	for _, f := range all {
		if _, err := os.Stat(filepath.Join(s.archive, filepath.FromSlash(f.Name))); err == nil {
			mine = append(mine, f)
		}
	}
	return mine, nil
}

// NewUploader uploads the archive's finished files to r, keeping their
// state in st.
func NewUploader(archive string, st State, r *storage.Remote, keepLocal bool) *storage.Uploader {
	return storage.NewUploader(storage.UploaderConfig{
		Root: archive, Open: r.Open, State: st, KeepLocal: keepLocal, Remote: r.Name,
	})
}

// MarkLocal marks every finished local WARC and CDXJ file that is not
// known to be uploaded as pending, so the next upload sends it.
func MarkLocal(ctx context.Context, archive string, st State) error {
	names, err := index.WARCFiles(archive)
	if err != nil {
		return err
	}
	for _, n := range names {
		for _, name := range []string{n, cdxjName(n)} {
			s, err := st.FileState(ctx, name)
			if err != nil {
				return err
			}
			if s == index.StateUploaded {
				continue
			}
			fi, err := os.Stat(filepath.Join(archive, filepath.FromSlash(name)))
			if err != nil {
				continue // a WARC of another tool has no CDXJ beside it
			}
			if err := st.MarkPending(ctx, storage.File{Name: name, Size: fi.Size()}); err != nil {
				return err
			}
		}
	}
	return nil
}

// cdxjName is the name of the CDXJ file beside a WARC file.
func cdxjName(warcName string) string {
	return strings.TrimSuffix(strings.TrimSuffix(warcName, ".gz"), ".warc") + ".cdxj"
}

// filesOf are the two files a closed WARC file makes.
func filesOf(archive string, f warc.ClosedFile) []storage.File {
	files := []storage.File{{Name: f.Filename, Size: f.Size, SHA256: f.SHA256}}
	cn := cdxjName(f.Filename)
	if fi, err := os.Stat(filepath.Join(archive, filepath.FromSlash(cn))); err == nil {
		files = append(files, storage.File{Name: cn, Size: fi.Size()})
	}
	return files
}

// Pending is nil when no file is pending upload, else the error a command
// ends with: how many files are kept locally, why (up's last failure, or
// the last recorded one), and what to run.
func Pending(ctx context.Context, st State, r *storage.Remote, up *storage.Uploader) error {
	pending, err := st.Pending(ctx)
	if err != nil {
		return err
	}
	if len(pending) == 0 {
		return nil
	}
	why := "not uploaded yet"
	if e := up.LastError(); e != nil {
		why = oneline.Of(e)
	} else if p := pending[len(pending)-1]; p.LastError != "" {
		why = p.LastError
	}
	return fmt.Errorf("%d files kept locally, pending upload to %s: %s; run `vellum upload`", len(pending), r, afterStoreName(why, r.Name))
}

// afterStoreName is a failure's cause without the layers before it that
// name the store (the uploader's "upload FILE to STORE:", the store's own
// "STORE:"), for a line that names the store once already.
func afterStoreName(msg, store string) string {
	if i := strings.LastIndex(msg, store+": "); i >= 0 {
		return msg[i+len(store)+2:]
	}
	return msg
}
