package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vellumhq/vellum/wacz"
	"github.com/vellumhq/vellum/warc"
)

func newVerifyCmd() *cobra.Command {
	var quiet bool
	var publicKey string
	cmd := &cobra.Command{
		Use:   "verify [PATH...]",
		Short: "Check the framing and digests of every record of WARC files or folders, and WACZ files",
		Long: "verify reads every record of the given WARC files (and of the .warc and .warc.gz files under\n" +
			"given folders; ./archive when none is given), checks its framing, its block digest and its payload\n" +
			"digest, and prints a line per problem. It names the .open files a folder holds (being written, or\n" +
			"left by a crash or a full disk). It exits non-zero if any file is damaged, truncated, not a WARC,\n" +
			"or left open.\n\n" +
			"Given a WACZ file, verify checks the zip, the size and SHA-256 of every file datapackage.json lists,\n" +
			"datapackage-digest.json's hash and its signature when there is one, that each index line reads a\n" +
			"record of its URL and digest, and that every page of pages.jsonl is in the index: one line per\n" +
			"problem, naming the file inside the WACZ. A valid signature's line names the signer's key by its\n" +
			"fingerprint; with --public-key, a WACZ not signed by that key is a problem.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"archive"}
			}
			out := cmd.OutOrStdout()
			want, err := expectedSigner(publicKey)
			if err != nil {
				return &exitError{2, err.Error()}
			}
			checkWACZ := func(out io.Writer, p string, quiet bool) bool { return verifyWACZ(out, p, quiet, want) }
			files, bad, anyWACZ := 0, 0, false
			for _, arg := range args {
				paths, open, err := warcPaths(arg)
				if err != nil {
					fmt.Fprintf(out, "%s: %v\n", arg, err)
					bad++
					anyWACZ = anyWACZ || strings.HasSuffix(strings.ToLower(arg), ".wacz")
					continue
				}
				for _, p := range open {
					files++
					if !reportOpenFile(out, p) {
						bad++
					}
				}
				for _, p := range paths {
					files++
					check := verifyFile
					if isWACZ(p) {
						check, anyWACZ = checkWACZ, true
					}
					if !check(out, p, quiet) {
						bad++
					}
				}
			}
			if bad > 0 {
				kind := "WARC files"
				if anyWACZ {
					kind = "files"
				}
				return &exitError{1, fmt.Sprintf("%d of %d %s failed verification", bad, max(files, bad), kind)}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only problems")
	cmd.Flags().StringVar(&publicKey, "public-key", "", "a WACZ must be signed by this key: the public key or fingerprint `vellum keygen` printed, or a file holding it")
	return cmd
}

// verifyFile checks one file, prints what it finds and reports whether the
// file is valid.
func verifyFile(out io.Writer, p string, quiet bool) bool {
	st, err := warc.VerifyFile(p, func(pr warc.Problem) {
		id := ""
		if pr.RecordID != "" {
			id = " record " + pr.RecordID
		}
		fmt.Fprintf(out, "%s: offset %d%s: %s\n", p, pr.Offset, id, pr.Msg)
	})
	switch {
	case errors.Is(err, warc.ErrNotWARC):
		fmt.Fprintf(out, "%s: %s\n", p, strings.TrimPrefix(err.Error(), "warc: "))
	case err != nil:
		fmt.Fprintf(out, "%s: %v\n", p, err)
	case st.Problems > 0:
		fmt.Fprintf(out, "%s: %d records, %d problems\n", p, st.Records, st.Problems)
	default:
		if !quiet {
			fmt.Fprintf(out, "%s: %d records, valid\n", p, st.Records)
		}
		return true
	}
	return false
}

// reportOpenFile names an ".open" WARC file: one a live capture is writing is
// fine; one nobody holds was left by a crash or a failed write.
func reportOpenFile(out io.Writer, p string) bool {
	live, err := warc.OpenFileLive(p)
	switch {
	case err != nil:
		fmt.Fprintf(out, "%s: %v\n", p, err)
		return false
	case live:
		fmt.Fprintf(out, "%s: being written by a running capture, not checked\n", p)
		return true
	}
	fmt.Fprintf(out, "%s: left open by a crash or a failed write (a full disk?); `vellum index` repairs it\n", p)
	return false
}

// warcPaths expands a file or folder argument into WARC files, and the
// ".open" WARC files of a folder.
func warcPaths(arg string) (paths, open []string, err error) {
	fi, err := os.Stat(arg)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, errors.New("no such file or folder")
		}
		return nil, nil, err
	}
	if !fi.IsDir() {
		return []string{arg}, nil, nil
	}
	err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch n := d.Name(); {
		case strings.HasSuffix(n, ".warc") || strings.HasSuffix(n, ".warc.gz"):
			paths = append(paths, p)
		case strings.HasSuffix(n, ".warc.open") || strings.HasSuffix(n, ".warc.gz.open"):
			open = append(open, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(paths)+len(open) == 0 {
		return nil, nil, fmt.Errorf("no .warc or .warc.gz files in this folder")
	}
	sort.Strings(paths)
	sort.Strings(open)
	return paths, open, nil
}

// isWACZ reports whether p is a WACZ file: named so, or a zip.
func isWACZ(p string) bool {
	if strings.HasSuffix(strings.ToLower(p), ".wacz") {
		return true
	}
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	magic := make([]byte, 4)
	_, err = io.ReadFull(f, magic)
	return err == nil && string(magic) == "PK\x03\x04"
}

// verifyWACZ checks a WACZ file, prints a line per problem ("FILE: entry:
// problem") and reports whether it is valid.
// want is the Fingerprint of the key that must have signed it, or "".
func verifyWACZ(out io.Writer, p string, quiet bool, want string) bool {
	f, err := os.Open(p)
	if err != nil {
		fmt.Fprintf(out, "%s: %v\n", p, err)
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		fmt.Fprintf(out, "%s: %v\n", p, err)
		return false
	}
	problems := 0
	st, err := wacz.Verify(f, fi.Size(), func(pr wacz.Problem) {
		problems++
		fmt.Fprintf(out, "%s: %s\n", p, pr)
	})
	if err == nil && want != "" && st.Signer != want {
		problems++
		switch {
		case st.Signed:
			fmt.Fprintf(out, "%s: datapackage-digest.json: signed by key %s, not by the --public-key given (%s)\n", p, st.Signer, want)
		default:
			fmt.Fprintf(out, "%s: datapackage-digest.json: no valid signature by the --public-key given (%s)\n", p, want)
		}
	}
	switch {
	case err != nil:
		fmt.Fprintf(out, "%s: %v\n", p, err)
	case problems > 0:
		fmt.Fprintf(out, "%s: %d files, %d records, %d pages, %d problems\n", p, st.Files, st.Records, st.Pages, problems)
	default:
		if !quiet {
			signed := "unsigned"
			switch {
			case st.Signed:
				signed = "signature valid, key " + st.Signer
			case st.Unchecked != "":
				signed = st.Unchecked
			}
			fmt.Fprintf(out, "%s: %d files, %d records, %d pages, valid, %s\n", p, st.Files, st.Records, st.Pages, signed)
		}
		return true
	}
	return false
}

// expectedSigner reads --public-key: a public key as keygen prints it
// (base64 DER), its fingerprint ("sha256:…"), or a file holding either;
// it returns the key's fingerprint ("" for none given).
func expectedSigner(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	given := v
	if b, err := os.ReadFile(v); err == nil {
		v = strings.TrimSpace(string(b))
		for _, l := range strings.Split(v, "\n") { // keygen's output saved whole
			if k, ok := strings.CutPrefix(strings.TrimSpace(l), "public key:"); ok {
				v = strings.TrimSpace(k)
			}
		}
	}
	if strings.HasPrefix(v, "sha256:") && len(v) == len("sha256:")+64 {
		return strings.ToLower(v), nil
	}
	if fp := wacz.Fingerprint(v); fp != "" {
		return fp, nil
	}
	return "", fmt.Errorf("--public-key %q: not a public key (base64, as keygen prints it), a sha256: fingerprint, or a file holding one", given)
}
