package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vellumhq/vellum/warc"
)

func newVerifyCmd() *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use:   "verify PATH...",
		Short: "Check the framing and digests of every record of WARC files or folders",
		Long: "verify reads every record of the given WARC files (and of the .warc and .warc.gz files under\n" +
			"given folders), checks its framing, its block digest and its payload digest, and prints a line\n" +
			"per problem. It exits non-zero if any file is damaged, truncated or not a WARC.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			files, bad := 0, 0
			for _, arg := range args {
				paths, err := warcPaths(arg)
				if err != nil {
					fmt.Fprintf(out, "%s: %v\n", arg, err)
					bad++
					continue
				}
				for _, p := range paths {
					files++
					st, err := warc.VerifyFile(p, func(pr warc.Problem) {
						id := ""
						if pr.RecordID != "" {
							id = " record " + pr.RecordID
						}
						fmt.Fprintf(out, "%s: offset %d%s: %s\n", p, pr.Offset, id, pr.Msg)
					})
					switch {
					case err != nil:
						fmt.Fprintf(out, "%s: %v\n", p, err)
						bad++
					case st.Problems > 0:
						fmt.Fprintf(out, "%s: %d records, %d problems\n", p, st.Records, st.Problems)
						bad++
					case !quiet:
						fmt.Fprintf(out, "%s: %d records, valid\n", p, st.Records)
					}
				}
			}
			if bad > 0 {
				return &exitError{1, fmt.Sprintf("%d of %d WARC files failed verification", bad, max(files, bad))}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only problems")
	return cmd
}

// warcPaths expands a file or folder argument into WARC files.
func warcPaths(arg string) ([]string, error) {
	fi, err := os.Stat(arg)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{arg}, nil
	}
	var out []string
	err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		n := d.Name()
		if !d.IsDir() && (strings.HasSuffix(n, ".warc") || strings.HasSuffix(n, ".warc.gz")) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no .warc or .warc.gz files in this folder")
	}
	sort.Strings(out)
	return out, nil
}
