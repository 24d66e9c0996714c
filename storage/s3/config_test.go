package s3

import (
	"strings"
	"testing"
)

func TestParseRemote(t *testing.T) {
	tests := []struct {
		remote, bucket, prefix string
		err                    string // a substring of the error; "" = valid
	}{
		{"s3://bucket", "bucket", "", ""},
		{"s3://bucket/", "bucket", "", ""},
		{"s3://vellum-test/news", "vellum-test", "news", ""},
		{"s3://b.example/some/prefix/", "b.example", "some/prefix", ""},
		{"s3:/x", "", "", "want s3://bucket[/prefix]"},
		{"gs://b/p", "", "", "unsupported scheme gs://"},
		{"https://b/p", "", "", "unsupported scheme https://"},
		{"s3://", "", "", "no bucket name"},
		{"s3:///p", "", "", "no bucket name"},
		{"s3://UPPER_case!/p", "", "", `invalid bucket name "UPPER_case!"`},
		{"s3://ab/p", "", "", "invalid bucket name"}, // too short
		{"s3://b1b/a//b", "", "", "invalid prefix"},
		{"s3://b1b/a/../b", "", "", "invalid prefix"},
		{"bucket/prefix", "", "", "want s3://bucket[/prefix]"},
		{"", "", "", "want s3://bucket[/prefix]"},
	}
	for _, tc := range tests {
		t.Run(tc.remote, func(t *testing.T) {
			b, p, err := ParseRemote(tc.remote)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("error: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want one with %q", err, tc.err)
			case b != tc.bucket || p != tc.prefix:
				t.Errorf("got %q %q, want %q %q", b, p, tc.bucket, tc.prefix)
			}
			if err != nil && (strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), tc.remote)) {
				t.Errorf("error is not one line naming the remote: %v", err)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	const secret = "s3cr3t-never-shown"
	full := map[string]string{
		"AWS_ENDPOINT_URL":      "http://127.0.0.1:9000",
		"AWS_ACCESS_KEY_ID":     "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": secret,
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name, remote string
		env          map[string]string
		want         Config
		err          string
	}{
		{"defaults", "s3://archive/news", full, Config{
			Endpoint: "http://127.0.0.1:9000", Region: "us-east-1", AccessKey: "AKIDEXAMPLE", SecretKey: secret,
			Bucket: "archive", Prefix: "news", PartSize: DefaultPartSize}, ""},
		{"region and token", "s3://archive", with("AWS_REGION", "eu-west-1", "AWS_SESSION_TOKEN", "tok"), Config{
			Endpoint: "http://127.0.0.1:9000", Region: "eu-west-1", AccessKey: "AKIDEXAMPLE", SecretKey: secret,
			SessionToken: "tok", Bucket: "archive", PartSize: DefaultPartSize}, ""},
		{"AWS_DEFAULT_REGION", "s3://archive", with("AWS_DEFAULT_REGION", "eu-north-1"), Config{
			Endpoint: "http://127.0.0.1:9000", Region: "eu-north-1", AccessKey: "AKIDEXAMPLE", SecretKey: secret,
			Bucket: "archive", PartSize: DefaultPartSize}, ""},
		{"AWS itself", "s3://archive", with("AWS_ENDPOINT_URL", ""), Config{
			Region: "us-east-1", AccessKey: "AKIDEXAMPLE", SecretKey: secret, Bucket: "archive", PartSize: DefaultPartSize}, ""},
		{"no secret", "s3://archive", with("AWS_SECRET_ACCESS_KEY", ""), Config{}, "no credentials: set AWS_SECRET_ACCESS_KEY"},
		{"no keys", "s3://archive", map[string]string{}, Config{}, "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
		{"endpoint without scheme", "s3://archive", with("AWS_ENDPOINT_URL", "127.0.0.1:9000"), Config{}, "AWS_ENDPOINT_URL must be http://"},
		{"endpoint with a path", "s3://archive", with("AWS_ENDPOINT_URL", "http://h:9000/x"), Config{}, "AWS_ENDPOINT_URL must be"},
		{"malformed remote", "s3:/x", full, Config{}, `"s3:/x" at http://127.0.0.1:9000: want s3://bucket[/prefix]`},
		{"other scheme", "gs://b/p", full, Config{}, `"gs://b/p" at http://127.0.0.1:9000: unsupported scheme gs://`},
		{"empty bucket", "s3://", full, Config{}, "no bucket name"},
		{"bad bucket", "s3://UPPER_case!/p", full, Config{}, `invalid bucket name "UPPER_case!"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ConfigFromEnv(tc.remote, func(k string) string { return tc.env[k] })
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg != tc.want {
				t.Errorf("got %+v\nwant %+v", cfg, tc.want)
			}
		})
	}
}

func TestConfigString(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Endpoint: "http://127.0.0.1:9000", Bucket: "b", Prefix: "p/q", SecretKey: "hidden", SessionToken: "tok"}, "s3://b/p/q at http://127.0.0.1:9000"},
		{Config{Bucket: "b", SecretKey: "hidden"}, "s3://b at https://s3.amazonaws.com"},
		{Config{Endpoint: "http://user:hidden@minio:9000", Bucket: "b"}, "s3://b at http://minio:9000"},
	}
	for _, tc := range tests {
		if got := tc.cfg.String(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
		if got := tc.cfg.String(); strings.Contains(got, "hidden") || strings.Contains(got, "tok") {
			t.Errorf("String shows a secret: %q", got)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Config{Endpoint: "https://s3.example.org", Bucket: "bucket", Prefix: "a/b"}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
	for _, bad := range []Config{
		{Endpoint: "ftp://h", Bucket: "bucket"},
		{Bucket: "bucket", Prefix: "/a"},
		{Bucket: "bucket", Prefix: "a/"},
		{Bucket: "b"},
		{Bucket: "bucket", PartSize: 1 << 20},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestSplitPartCount(t *testing.T) {
	for in, want := range map[string]struct {
		sum string
		n   int
	}{
		"abc=-3": {"abc=", 3}, "abc=": {"abc=", 0}, "a-b": {"a-b", 0}, "": {"", 0}, "x-0": {"x-0", 0},
	} {
		if sum, n := splitPartCount(in); sum != want.sum || n != want.n {
			t.Errorf("%q: %q %d", in, sum, n)
		}
	}
}
