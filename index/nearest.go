package index

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/vellumhq/vellum/warc"
)

// closestSeconds pads a 0–14 digit timestamp to the latest time it can mean,
// as replay pads it (warc.PadTimestamp), and returns its seconds.
func closestSeconds(ts string) (int64, error) {
	full, err := warc.PadTimestamp(ts)
	if err != nil {
		return 0, &QueryError{"closest", err.Error()}
	}
	return seconds(full), nil
}

// nearest returns up to n captures of urlkey within [from, to] (and accepted
// by filter), nearest to the time at first. The two sides of the target are
// read in one query, each with the limit, so the rows read stay few.
func (r *readPool) nearest(ctx context.Context, urlkey string, at int64, from, to string, n int, filter func(*Capture) bool) ([]Capture, error) {
	limit := n
	if n < 1 || filter != nil {
		limit = -1
	}
	rows, err := r.stmts[stmtNearest].QueryContext(ctx, urlkey, timestamp(at), from, to, limit)
	if err != nil {
		return nil, fmt.Errorf("index: closest: %w", err)
	}
	caps, err := scanRows(rows, nil)
	if err != nil {
		return nil, err
	}
	if filter != nil {
		caps = slices.DeleteFunc(caps, func(c Capture) bool { return !filter(&c) })
	}
	sortNearest(caps, at)
	if n > 0 && len(caps) > n {
		caps = caps[:n]
	}
	return caps, nil
}

// nearestInRange ranks a whole key range by distance, keeping the best
// p.limit (all when 0) as it goes.
func (r *readPool) nearestInRange(ctx context.Context, p *plan) ([]Capture, error) {
	var best []Capture
	err := r.scan(ctx, &plan{lo: p.lo, hi: p.hi, from: p.from, to: p.to, filter: p.filter}, func(c *Capture) error {
		best = append(best, *c)
		if p.limit > 0 && len(best) >= 2*p.limit+nextChunk {
			sortNearest(best, p.closest)
			best = best[:p.limit]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortNearest(best, p.closest)
	if p.limit > 0 && len(best) > p.limit {
		best = best[:p.limit]
	}
	return best, nil
}

// sortNearest orders caps by distance to at, then by time, file and offset.
func sortNearest(caps []Capture, at int64) {
	order := nearestOrder(caps, at)
	sorted := make([]Capture, len(caps))
	for i, j := range order {
		sorted[i] = caps[j]
	}
	copy(caps, sorted)
}

// nearestOrder returns the indexes of caps in sortNearest's order.
func nearestOrder(caps []Capture, at int64) []int {
	dist := make([]int64, len(caps))
	order := make([]int, len(caps))
	for i := range caps {
		d := seconds(caps[i].Timestamp) - at
		dist[i], order[i] = max(d, -d), i
	}
	slices.SortFunc(order, func(a, b int) int {
		ca, cb := &caps[a], &caps[b]
		return cmp.Or(cmp.Compare(dist[a], dist[b]), cmp.Compare(ca.Timestamp, cb.Timestamp),
			cmp.Compare(ca.Filename, cb.Filename), cmp.Compare(ca.Offset, cb.Offset))
	})
	return order
}

// seconds converts a 14-digit timestamp to seconds since 1970 (UTC). Out of
// range fields carry over, as time.Date does: only order and distance count.
func seconds(ts string) int64 {
	var f [6]int64 // year, month, day, hour, minute, second
	for i := 0; i < len(ts) && i < 14; i++ {
		k := 0
		if i >= 4 {
			k = (i-4)/2 + 1
		}
		f[k] = f[k]*10 + int64(ts[i]-'0')
	}
	y, m := f[0], f[1]
	if m < 3 { // days from civil (H. Hinnant): the year starts in March
		y--
		m += 12
	}
	era := y / 400
	yoe := y - era*400
	doy := (153*(m-3)+2)/5 + f[2] - 1
	days := era*146097 + yoe*365 + yoe/4 - yoe/100 + doy - 719468
	return days*86400 + f[3]*3600 + f[4]*60 + f[5]
}

// timestamp is the inverse of seconds.
func timestamp(sec int64) string {
	days, rem := sec/86400, sec%86400
	if rem < 0 {
		days, rem = days-1, rem+86400
	}
	z := days + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day, month, year := doy-(153*mp+2)/5+1, mp+3, yoe+era*400
	if month > 12 {
		month, year = month-12, year+1
	}
	return fmt.Sprintf("%04d%02d%02d%02d%02d%02d", year, month, day, rem/3600, rem/60%60, rem%60)
}
