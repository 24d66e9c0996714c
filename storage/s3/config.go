package s3

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// Defaults of Config.
const (
	DefaultRegion   = "us-east-1"
	DefaultPartSize = 64 << 20

	// MinPartSize and MaxPartSize bound S3's parts (but the last).
	MinPartSize = 5 << 20
	MaxPartSize = 5 << 30
	// awsEndpoint is where an empty Endpoint points.
	awsEndpoint = "https://s3.amazonaws.com"
)

// Config says where the remote store is. String() never shows secrets.
type Config struct {
	Endpoint     string // from AWS_ENDPOINT_URL, e.g. "http://127.0.0.1:9000"; "" = AWS (https://s3.amazonaws.com)
	Region       string // AWS_REGION (default "us-east-1")
	AccessKey    string // AWS_ACCESS_KEY_ID
	SecretKey    string // AWS_SECRET_ACCESS_KEY
	SessionToken string // AWS_SESSION_TOKEN, optional
	Bucket       string
	Prefix       string // key prefix without leading/trailing slash ("" = bucket root)
	PartSize     uint64 // multipart part size (default 64 MiB; 5 MiB to 5 GiB)
}

// ParseRemote splits a --remote value, "s3://bucket" or
// "s3://bucket/some/prefix", into bucket and prefix (without slashes at
// either end).
func ParseRemote(remote string) (bucket, prefix string, err error) {
	bucket, prefix, why := parseRemote(remote)
	if why != "" {
		return "", "", fmt.Errorf("remote %q: %s", remote, why)
	}
	return bucket, prefix, nil
}

// parseRemote returns bucket and prefix, or why remote is not valid.
func parseRemote(remote string) (bucket, prefix, why string) {
	const want = "want s3://bucket[/prefix]"
	rest, ok := strings.CutPrefix(remote, "s3://")
	if !ok {
		if scheme, _, found := strings.Cut(remote, "://"); found && scheme != "s3" {
			return "", "", fmt.Sprintf("unsupported scheme %s:// (%s)", scheme, want)
		}
		return "", "", want
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", "no bucket name (" + want + ")"
	}
	if err := s3utils.CheckValidBucketNameStrict(bucket); err != nil {
		return "", "", fmt.Sprintf("invalid bucket name %q: %v", bucket, err)
	}
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix != "" {
		for _, seg := range strings.Split(prefix, "/") {
			if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "\\\x00") {
				return "", "", fmt.Sprintf("invalid prefix %q", prefix)
			}
		}
	}
	return bucket, prefix, ""
}

// ConfigFromEnv builds a Config from a --remote value and the standard AWS
// variables read through getenv: AWS_ENDPOINT_URL, AWS_REGION (else
// AWS_DEFAULT_REGION), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN. Missing credentials are an error.
func ConfigFromEnv(remote string, getenv func(string) string) (Config, error) {
	cfg := Config{
		Endpoint:     strings.TrimSpace(getenv("AWS_ENDPOINT_URL")),
		Region:       getenv("AWS_REGION"),
		AccessKey:    getenv("AWS_ACCESS_KEY_ID"),
		SecretKey:    getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken: getenv("AWS_SESSION_TOKEN"),
	}
	bucket, prefix, why := parseRemote(remote)
	if why != "" {
		return Config{}, fmt.Errorf("%q at %s: %s", remote, cfg.endpointName(), why)
	}
	cfg.Bucket, cfg.Prefix = bucket, prefix
	if cfg.Region == "" {
		cfg.Region = getenv("AWS_DEFAULT_REGION")
	}
	var missing []string
	if cfg.AccessKey == "" {
		missing = append(missing, "AWS_ACCESS_KEY_ID")
	}
	if cfg.SecretKey == "" {
		missing = append(missing, "AWS_SECRET_ACCESS_KEY")
	}
	if len(missing) > 0 {
		return Config{}, fmt.Errorf("%s: no credentials: set %s", cfg, strings.Join(missing, " and "))
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Validate checks the endpoint, bucket, prefix and part size. Empty
// credentials are valid: they make anonymous requests.
func (c Config) Validate() error {
	if _, _, err := c.endpoint(); err != nil {
		return fmt.Errorf("%s: %w", c, err)
	}
	if err := s3utils.CheckValidBucketNameStrict(c.Bucket); err != nil {
		return fmt.Errorf("%s: invalid bucket name %q: %v", c, c.Bucket, err)
	}
	if c.Prefix != "" {
		if _, p, why := parseRemote("s3://" + c.Bucket + "/" + c.Prefix); why != "" || p != c.Prefix {
			return fmt.Errorf("%s: invalid prefix %q", c, c.Prefix)
		}
	}
	if c.PartSize != 0 && (c.PartSize < MinPartSize || c.PartSize > MaxPartSize) {
		return fmt.Errorf("%s: part size %d outside S3's 5 MiB to 5 GiB", c, c.PartSize)
	}
	return nil
}

// String names the store for messages: "s3://bucket/prefix at
// http://127.0.0.1:9000". It never contains a key.
func (c Config) String() string {
	s := "s3://" + c.Bucket
	if c.Prefix != "" {
		s += "/" + c.Prefix
	}
	return s + " at " + c.endpointName()
}

func (c Config) endpointName() string {
	if c.Endpoint == "" {
		return awsEndpoint
	}
	if u, err := url.Parse(c.Endpoint); err == nil {
		u.User = nil // never print credentials someone put into the URL
		return u.String()
	}
	if !strings.Contains(c.Endpoint, "@") { // might hold a password
		return c.Endpoint
	}
	return "an invalid AWS_ENDPOINT_URL"
}

// endpoint splits Endpoint into the host[:port] minio-go wants and whether
// to use TLS.
func (c Config) endpoint() (host string, secure bool, err error) {
	raw := c.Endpoint
	if raw == "" {
		raw = awsEndpoint
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", false, errors.New("AWS_ENDPOINT_URL must be http://host[:port] or https://host[:port]")
	}
	return u.Host, u.Scheme == "https", nil
}

// withDefaults fills in the region and part size.
func (c Config) withDefaults() Config {
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.PartSize == 0 {
		c.PartSize = DefaultPartSize
	}
	return c
}

// key maps a store key to the object name under Prefix.
func (c Config) key(key string) string {
	if c.Prefix == "" {
		return key
	}
	return c.Prefix + "/" + key
}
