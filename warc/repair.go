package warc

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Repaired describes an ".open" file made final by Repair.
type Repaired struct {
	Path         string // absolute final path
	Filename     string // relative to the archive root, slash-separated
	KeptRecords  int
	TrimmedBytes int64
	// Dropped counts the whole records left out at RepairOptions.Leave's
	// word (their URLs are in another file).
	Dropped int
	// Removed says the file held no whole record (a write failed before its
	// warcinfo reached the disk): it was deleted rather than left empty.
	Removed bool
}

// RepairOptions tune a repair.
type RepairOptions struct {
	// Leave, when set, is asked about each file once no live writer holds
	// it (its writer is dead), with the file's final name relative to the
	// root: the target URIs whose records are to be left out of it, because
	// another file has them too (a shared run's worker killed before it
	// reported them done). Its error fails the file's repair.
	Leave func(filename string) (map[string]bool, error)
}

// RepairOpenFiles repairs every ".open" file under dir, a folder inside the
// archive root (the folder the writers' Dir names lie in), that no live
// writer holds (see Repair). Files locked by a live writer are left alone. It
// returns what it repaired and the errors of the files it could not repair.
func RepairOpenFiles(root, dir string) ([]Repaired, error) {
	return RepairOpenFilesWith(root, dir, RepairOptions{})
}

// RepairOpenFilesWith is RepairOpenFiles with options.
func RepairOpenFilesWith(root, dir string, opts RepairOptions) ([]Repaired, error) {
	var out []Repaired
	var errs []error
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == dir {
				return fs.SkipAll
			}
			return err
		}
		if !d.Type().IsRegular() || !strings.HasSuffix(path, ".open") {
			return nil
		}
		if base, ok := strings.CutSuffix(path, ".cdxj.open"); ok { // a writer's CDXJ spool
			if orphanSpool(base) {
				if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, fmt.Errorf("warc: repair: %w", err))
				}
			}
			return nil // else Repair of its WARC replaces it
		}
		r, err := RepairWith(root, path, opts)
		switch {
		case errors.Is(err, ErrLocked), errors.Is(err, fs.ErrNotExist): // live, or closed since listed
		case err != nil:
			errs = append(errs, err)
		default:
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("warc: repair %s: %w", dir, err))
	}
	return out, errors.Join(errs...)
}

// orphanSpool reports whether the CDXJ spool of the files named base has no
// ".open" WARC beside it any more. A writer creates its WARC before the spool
// and removes the spool before renaming the WARC, so such a spool was left by
// a crash in between.
func orphanSpool(base string) bool {
	for _, ext := range []string{".warc.gz.open", ".warc.open"} {
		if _, err := os.Lstat(base + ext); !errors.Is(err, fs.ErrNotExist) {
			return false
		}
	}
	return true
}

// Repair makes final an ".open" file left by a crash: unless a live writer
// holds its lock (then the error wraps ErrLocked), it trims the file to the end
// of its last whole, valid record (framing and digests checked; the file is
// never deleted while it holds a record), writes its CDXJ beside it (from
// the records, replacing the writer's unsorted "<name>.cdxj.open") and renames
// it to its final name. A file without a single whole record is deleted
// instead (Removed): an empty WARC file is not a WARC. root is the archive
// root, for the Filename of the CDXJ lines.
func Repair(root, openPath string) (Repaired, error) {
	return RepairWith(root, openPath, RepairOptions{})
}

// RepairWith is Repair with options: records opts.Leave names are left out,
// the kept ones written to a new file that replaces the ".open" one before
// it is renamed (a crash in between leaves an ".open" file of whole records).
func RepairWith(root, openPath string, opts RepairOptions) (Repaired, error) {
	fail := func(err error) (Repaired, error) {
		return Repaired{}, fmt.Errorf("warc: repair %s: %w", openPath, err)
	}
	finalPath, ok := strings.CutSuffix(openPath, ".open")
	if !ok {
		return fail(errors.New("not an .open file"))
	}
	f, err := os.OpenFile(openPath, os.O_RDWR, 0)
	if err != nil {
		return fail(err) // not there any more (fs.ErrNotExist): its writer closed it since it was listed
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		return fail(err)
	}
	info, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	// Its writer (of this process or another: serve runs captures side by
	// side) may have closed the file since it was listed: not a crash's.
	if now, err := os.Lstat(openPath); err != nil || !os.SameFile(now, info) {
		return fail(fs.ErrNotExist)
	}
	if _, err := os.Lstat(finalPath); err == nil {
		return fail(fmt.Errorf("%s already exists", finalPath))
	}
	rel, err := relSlash(root, finalPath)
	if err != nil {
		return fail(err)
	}
	spool, err := newCDXJSpool(cdxjPath(finalPath)) // replaces the crashed writer's
	if err != nil {
		return Repaired{}, err
	}
	defer spool.discard()
	var leave map[string]bool
	if opts.Leave != nil {
		if leave, err = opts.Leave(rel); err != nil {
			return fail(err)
		}
	}
	keep, kept, spans, err := wholeRecords(f, rel, spool, leave)
	if err != nil {
		return fail(err)
	}
	dropped := 0
	if spans != nil {
		dropped = len(spans.left)
	}
	abs, err := filepath.Abs(finalPath)
	if err != nil {
		abs = finalPath
	}
	if kept == 0 {
		if err := os.Remove(openPath); err != nil {
			return fail(err)
		}
		return Repaired{Path: abs, Filename: rel, TrimmedBytes: info.Size(), Removed: true}, nil
	}
	if dropped > 0 {
		nf, err := rewrite(f, openPath, spans.kept, info.Mode().Perm())
		if err != nil {
			return fail(err)
		}
		defer nf.Close() // its lock, until it has its final name
	} else {
		if err := f.Truncate(keep); err != nil {
			return fail(err)
		}
		if err := f.Sync(); err != nil {
			return fail(err)
		}
	}
	if err := spool.commit(cdxjPath(finalPath)); err != nil {
		return Repaired{}, err
	}
	if err := os.Rename(openPath, finalPath); err != nil {
		return fail(err)
	}
	if err := syncDir(filepath.Dir(finalPath)); err != nil {
		return Repaired{}, err
	}
	return Repaired{Path: abs, Filename: rel, KeptRecords: kept, TrimmedBytes: info.Size() - keep, Dropped: dropped}, nil
}

// span is a record's place in a file.
type span struct{ off, n int64 }

// spans are the whole records a repair keeps and those it leaves out.
type spans struct{ kept, left []span }

// wholeRecords reads the valid records at the start of f, adds their CDXJ
// lines to spool and returns where the last of them ends and how many there
// are. Only an I/O error is returned; damage just ends the run of valid records.
// Records whose target URI leave names are not counted nor listed; when
// leave is given, the records' places are returned, and the CDXJ lines
// hold the offsets the kept records have once the others are cut out.
func wholeRecords(f *os.File, rel string, spool *cdxjSpool, leave map[string]bool) (end int64, n int, sp *spans, err error) {
	rd, err := NewReader(f)
	if err != nil {
		return 0, 0, nil, err
	}
	if len(leave) > 0 {
		sp = &spans{}
	}
	var out int64 // where the next kept record starts once the left ones are cut out
	for {
		rec, err := rd.Next()
		if err != nil {
			if err == io.EOF || errors.Is(err, ErrTruncated) || errors.Is(err, ErrMalformed) {
				return end, n, sp, nil
			}
			return 0, 0, nil, err
		}
		if msgs, _ := checkRecord(rec, rd.ms != nil); rec.Offset != end || len(msgs) > 0 || rec.Length == 0 {
			return end, n, sp, nil
		}
		e, err := EntryOf(rec, rel)
		if err != nil {
			return end, n, sp, nil
		}
		end = rec.Offset + rec.Length
		if sp != nil {
			s := span{rec.Offset, rec.Length}
			if e.TargetURI != "" && leave[e.TargetURI] {
				sp.left = append(sp.left, s)
				continue
			}
			sp.kept = append(sp.kept, s)
			e.Offset = out
			out += rec.Length
		}
		n++
		spool.add(e)
	}
}

// rewrite replaces the file at openPath (open as f) with one of the given
// records of f only, whole and synced before it takes the name, and
// locked as f is: the caller closes the returned file (its lock) once it
// has its final name.
func rewrite(f *os.File, openPath string, kept []span, mode os.FileMode) (*os.File, error) {
	tmpPath := openPath + ".tmp"
	tmp, err := os.OpenFile(tmpPath, os.O_RDWR|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*os.File, error) {
		tmp.Close()
		os.Remove(tmpPath)
		return nil, err
	}
	if err := lockFile(tmp); err != nil {
		return fail(err)
	}
	for _, s := range kept {
		if _, err := io.Copy(tmp, io.NewSectionReader(f, s.off, s.n)); err != nil {
			return fail(err)
		}
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmpPath, openPath); err != nil {
		return fail(err)
	}
	return tmp, nil
}

// OpenFileLive reports whether a live writer holds the ".open" file at path
// (its flock); false means a crash or a failed write left it, for Repair.
func OpenFileLive(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("warc: %w", err)
	}
	defer f.Close() // releases our lock, if we got it
	switch err := lockFile(f); {
	case errors.Is(err, ErrLocked):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("warc: lock %s: %w", path, err)
	}
	return false, nil
}
