package index

// What another implementation of the index (index/postgres) shares with
// this one, so that both read a Query, order by closeness and name runs
// alike.

// LookupPlan is a Query checked and read as Lookup reads it.
type LookupPlan struct {
	Lo, Hi   string // the range [Lo, Hi) of URL keys
	Exact    bool   // one URL key: Lo
	From, To string // 14 digits each, inclusive
	Closest  string // 14 digits, "" when the captures are not ordered by closeness
	Limit    int    // 0: no limit
	Reverse  bool
	Filter   func(*Capture) bool // nil: every capture
}

// PlanLookup checks q; a bad q gives a *QueryError.
func PlanLookup(q Query) (LookupPlan, error) {
	p, err := makePlan(q)
	if err != nil {
		return LookupPlan{}, err
	}
	lp := LookupPlan{Lo: p.lo, Hi: p.hi, Exact: p.exact, From: p.from, To: p.to, Limit: p.limit,
		Reverse: p.reverse, Filter: p.filter}
	if p.hasClose {
		lp.Closest = timestamp(p.closest)
	}
	return lp, nil
}

// ClosestTimestamp pads a 0–14 digit timestamp to the latest time it can
// mean, as Closest reads it; a bad one gives a *QueryError.
func ClosestTimestamp(ts string) (string, error) {
	sec, err := closestSeconds(ts)
	if err != nil {
		return "", err
	}
	return timestamp(sec), nil
}

// SortNearest orders caps by their distance in time to ts (14 digits),
// the earlier first on ties, then by file and offset: replay's order.
func SortNearest(caps []Capture, ts string) { sortNearest(caps, seconds(ts)) }

// RunOfFile is the ID of the run that wrote a WARC file (a path relative
// to the archive), or "" for a file not named by Vellum: the captures of
// one URL by one run are its attempts (attempts.go).
func RunOfFile(name string) string { return runOfFile(name) }
