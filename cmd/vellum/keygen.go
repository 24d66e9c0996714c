package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/vellumhq/vellum/internal/oneline"
	"github.com/vellumhq/vellum/wacz"
)

func newKeygenCmd() *cobra.Command {
	out := ""
	cmd := &cobra.Command{
		Use:   "keygen --out FILE",
		Short: "Make an ECDSA P-256 key to sign WACZ exports with",
		Long: "keygen writes a new ECDSA P-256 private key (PEM, readable by its owner only) for\n" +
			"`vellum export --sign-key`, and prints its public key (base64 DER) as signed WACZ files carry it:\n" +
			"publish it (or its fingerprint) so that others can tell your signature from another's:\n" +
			"`vellum verify --public-key KEY FILE.wacz` accepts only that key's signature.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return &exitError{2, "keygen: no --out FILE given"}
			}
			key, pemBytes, err := wacz.GenerateKey()
			if err != nil {
				return err
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if errors.Is(err, fs.ErrExist) {
				return &exitError{1, fmt.Sprintf("keygen: %s exists; not overwriting a key", out)}
			}
			if err != nil {
				return &exitError{1, "keygen: " + oneline.Of(err)}
			}
			if _, err := f.Write(pemBytes); err != nil {
				f.Close()
				return &exitError{1, "keygen: " + oneline.Of(err)}
			}
			if err := f.Close(); err != nil {
				return &exitError{1, "keygen: " + oneline.Of(err)}
			}
			pub, err := wacz.PublicKey(&key.PublicKey)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\npublic key: %s\nfingerprint: %s\n", out, pub, wacz.Fingerprint(pub))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the private key file to write")
	return cmd
}
