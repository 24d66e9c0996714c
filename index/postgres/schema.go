package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are the schema's versions, applied in order, each once, in
// its own transaction: version i+1 is migrations[i]. A released version is
// never edited; a change is a new one at the end.
//
// Text compared by range or sorted (URL keys, timestamps, file names) is in
// the "C" collation: byte order, as SQLite and the CDXJ files sort, so that
// the key ranges of index.ParseMatch select the same URLs whatever the
// database's locale.
var migrations = []string{
	// 1: captures, pages with their full-text vector, runs, changes,
	// problems, upload state.
	`CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TABLE captures (
	urlkey        text COLLATE "C" NOT NULL,
	ts            text COLLATE "C" NOT NULL,
	url           text COLLATE "C" NOT NULL,
	type          text NOT NULL,
	mime          text NOT NULL,
	status        integer NOT NULL,
	digest        text NOT NULL,
	length        bigint NOT NULL,
	"offset"      bigint NOT NULL,
	filename      text COLLATE "C" NOT NULL,
	record_id     text NOT NULL,
	refers_to_url text NOT NULL,
	refers_to_ts  text NOT NULL,
	truncated     text NOT NULL DEFAULT '',
	run           text COLLATE "C" NOT NULL DEFAULT '',
	superseded    boolean NOT NULL DEFAULT false,
	PRIMARY KEY (filename, "offset")
);
CREATE INDEX captures_by_urlkey ON captures (urlkey, ts, filename, "offset") WHERE NOT superseded;
CREATE INDEX captures_attempts ON captures (urlkey, url, run);
CREATE INDEX captures_by_digest ON captures (digest);
CREATE INDEX captures_by_run ON captures (run, filename, "offset");
CREATE TABLE pages (
	record_id     text NOT NULL,
	concurrent_to text NOT NULL,
	urlkey        text COLLATE "C" NOT NULL,
	ts            text COLLATE "C" NOT NULL,
	url           text NOT NULL,
	filename      text COLLATE "C" NOT NULL,
	"offset"      bigint NOT NULL,
	title         text NOT NULL,
	authors       text[] NOT NULL,
	published     text NOT NULL,
	site_name     text NOT NULL,
	canonical_url text NOT NULL,
	language      text NOT NULL,
	description   text NOT NULL,
	image         text NOT NULL,
	text          text NOT NULL,
	run           text COLLATE "C" NOT NULL DEFAULT '',
	words         tsvector NOT NULL,
	PRIMARY KEY (filename, "offset")
);
CREATE INDEX pages_by_key ON pages (urlkey, ts);
CREATE INDEX pages_by_ts ON pages (ts);
CREATE INDEX pages_by_run ON pages (run);
CREATE INDEX pages_words ON pages USING gin (words);
-- The rows of records in WARC files still being written: no lookup reads
-- them until the file is final (index.Batcher).
CREATE TABLE open_captures (LIKE captures INCLUDING DEFAULTS, PRIMARY KEY (filename, "offset"));
CREATE TABLE open_pages (LIKE pages INCLUDING DEFAULTS, PRIMARY KEY (filename, "offset"));
CREATE TABLE runs (
	id       text PRIMARY KEY,
	job      text NOT NULL,
	seeds    jsonb NOT NULL,
	started  timestamptz NOT NULL,
	ended    timestamptz,
	status   text NOT NULL,
	host     text NOT NULL DEFAULT '',
	pid      integer NOT NULL DEFAULT 0,
	resumes  integer NOT NULL DEFAULT 0,
	counts   jsonb NOT NULL DEFAULT '{}',
	error    text NOT NULL DEFAULT ''
);
CREATE INDEX runs_by_job ON runs (job, started);
-- A running run's claimed URLs, for resuming it (index.FrontierWriter).
CREATE TABLE frontier (
	run_id   text NOT NULL,
	url      text COLLATE "C" NOT NULL,
	kind     integer NOT NULL,
	depth    integer NOT NULL,
	seed     integer NOT NULL,
	scope    text NOT NULL,
	referer  text NOT NULL,
	done     boolean NOT NULL DEFAULT false,
	seq      bigint NOT NULL,
	change   text NOT NULL DEFAULT '',
	page_url text COLLATE "C" NOT NULL DEFAULT '',
	ts       text NOT NULL DEFAULT '',
	prev_ts  text NOT NULL DEFAULT '',
	PRIMARY KEY (run_id, url)
);
CREATE INDEX frontier_by_seq ON frontier (run_id, seq);
CREATE TABLE changes (
	run_id  text NOT NULL,
	url     text COLLATE "C" NOT NULL,
	change  text NOT NULL,
	ts      text NOT NULL,
	prev_ts text NOT NULL,
	PRIMARY KEY (run_id, url)
);
CREATE TABLE problems (
	run_id  text NOT NULL,
	url     text COLLATE "C" NOT NULL,
	kind    text NOT NULL,
	outcome text NOT NULL,
	reason  text NOT NULL,
	PRIMARY KEY (run_id, url)
);
CREATE TABLE files (
	name       text COLLATE "C" PRIMARY KEY,
	size       bigint NOT NULL,
	sha256     text NOT NULL,
	state      text NOT NULL,
	attempts   integer NOT NULL DEFAULT 0,
	last_error text NOT NULL DEFAULT '',
	updated    timestamptz NOT NULL
);
CREATE TABLE remote_cdxj (
	name     text PRIMARY KEY,
	size     bigint NOT NULL,
	imported timestamptz NOT NULL
);`,
	// 2: replay's lookups read the index alone (an index-only scan, once
	// VACUUM has marked the table's pages all-visible, as autovacuum does
	// after inserts): every column a lookup returns is in it. On a million
	// captures it took lookups from 0.44–0.47× SQLite's rate to 0.62× (bench/scale.sh).
	`CREATE INDEX captures_lookup ON captures (urlkey, ts, filename, "offset")
	INCLUDE (url, type, mime, status, digest, length, record_id, refers_to_url, refers_to_ts, truncated) WHERE NOT superseded;
DROP INDEX captures_by_urlkey;
ALTER INDEX captures_lookup RENAME TO captures_by_urlkey;`,
}

// migrationLock is the key of the advisory lock held while migrating:
// nodes starting at once wait for the first to finish.
const migrationLock = 0x76656c6c756d // "vellum"

// migrate applies the migrations the database lacks and returns the
// schema's version.
func migrate(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return 0, err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		return 0, err
	}
	var have int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return 0, err
	}
	if have > len(migrations) {
		return have, fmt.Errorf("the database's schema is version %d, newer than this Vellum's %d: upgrade Vellum", have, len(migrations))
	}
	for v := have + 1; v <= len(migrations); v++ {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, v)
			return err
		})
		if err != nil {
			return have, fmt.Errorf("migration %d: %w", v, err)
		}
		have = v
	}
	return have, nil
}
