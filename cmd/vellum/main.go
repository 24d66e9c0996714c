package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// exitError carries a process exit code with the one-line message.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if err == nil {
		return
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintln(os.Stderr, "vellum: "+msg)
	}
	os.Exit(code)
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "vellum",
		Short:         "Vellum preserves web pages as WARC files and replays them",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       currentVersion(),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return flagsFromEnv(cmd.Flags())
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(newCaptureCmd(), newRunCmd(), newVerifyCmd(), newIndexCmd(), newServeCmd(), newUploadCmd(), newExportCmd(), newImportCmd(), newKeygenCmd(), newVersionCmd())
	return root
}

// noEnvAnnotation marks a flag that flagsFromEnv leaves alone: its
// VELLUM_<NAME> means something else (VELLUM_API_TOKENS holds tokens).
const noEnvAnnotation = "vellum-no-env"

// flagsFromEnv fills every flag not given on the command line from
// VELLUM_<NAME> (upper case, dashes as underscores) when that is set.
func flagsFromEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || err != nil || f.Annotations[noEnvAnnotation] != nil {
			return
		}
		name := "VELLUM_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", name, v, e)
			}
		}
	})
	return err
}
