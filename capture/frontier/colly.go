package frontier

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/gocolly/colly/v2/storage"
	"github.com/redis/go-redis/v9"
)

// CollyStorage is Colly's storage (its visited request IDs and cookies)
// for a run's collectors on every worker, in the run's keys: a collector
// that checks revisits (AllowURLRevisit off) then sees what any worker
// visited. Vellum's engine keeps its own visited set (Add) and leaves
// Colly's off; this is for programs that drive the run's collector
// themselves.
type CollyStorage struct {
	r *Redis
}

var _ storage.Storage = (*CollyStorage)(nil)

// CollyStorage returns the run's Colly storage.
func (r *Redis) CollyStorage() *CollyStorage { return &CollyStorage{r: r} }

// Init does nothing: the keys are made on first use.
func (s *CollyStorage) Init() error { return nil }

// Visited records a request ID as visited by the run.
func (s *CollyStorage) Visited(requestID uint64) error {
	ctx, cancel := s.ctx()
	defer cancel()
	return s.r.do(ctx, "colly visited", func(ctx context.Context) error {
		return s.r.c.SAdd(ctx, s.r.prefix+"colly:visited", strconv.FormatUint(requestID, 10)).Err()
	})
}

// IsVisited reports whether any worker of the run visited the request.
func (s *CollyStorage) IsVisited(requestID uint64) (bool, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	var ok bool
	err := s.r.do(ctx, "colly is visited", func(ctx context.Context) error {
		var err error
		ok, err = s.r.c.SIsMember(ctx, s.r.prefix+"colly:visited", strconv.FormatUint(requestID, 10)).Result()
		return err
	})
	return ok, err
}

// Cookies returns the run's cookies for u's host ("" when none, or when
// Redis cannot be reached: Colly's interface has no error here).
func (s *CollyStorage) Cookies(u *url.URL) string {
	ctx, cancel := s.ctx()
	defer cancel()
	var v string
	_ = s.r.do(ctx, "colly cookies", func(ctx context.Context) error {
		var err error
		v, err = s.r.c.HGet(ctx, s.r.prefix+"colly:cookies", u.Host).Result()
		if errors.Is(err, redis.Nil) {
			v, err = "", nil
		}
		return err
	})
	return v
}

// SetCookies stores the run's cookies for u's host.
func (s *CollyStorage) SetCookies(u *url.URL, cookies string) {
	ctx, cancel := s.ctx()
	defer cancel()
	_ = s.r.do(ctx, "colly set cookies", func(ctx context.Context) error {
		return s.r.c.HSet(ctx, s.r.prefix+"colly:cookies", u.Host, cookies).Err()
	})
}

// ctx bounds a call: Colly's interface carries no context. The frontier's
// retries (RetryFor) bound it too.
func (s *CollyStorage) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.r.opts.RetryFor+10*time.Second)
}
