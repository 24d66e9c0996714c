package jobs

import (
	"context"
	"errors"
	"time"
)

// defaultTurnRetry is how often a scheduler node waiting on a turn that
// another node holds looks again: the holder's lease (RedisTurnLock.Lease)
// runs out within this order of time if that node died.
const defaultTurnRetry = 5 * time.Second

// TurnLock decides which of the scheduler nodes holding the same jobs file
// runs a turn of a job: each turn (a job and the time it was due) runs on
// one node, once.
type TurnLock interface {
	// Take tries to take the turn of job due at due, which lasts until
	// the job's next turn (until). It returns the hold when this node got
	// the turn; done when the turn ran, or runs, on another node; neither
	// when another node holds it and may yet die: ask again later.
	Take(ctx context.Context, job string, due, until time.Time) (hold Turn, done bool, err error)
}

// Turn is a turn of a job this node holds.
type Turn interface {
	// Keep renews the hold until ctx ends (nil), or returns the error
	// that says the hold was lost (ErrTurnLost): another node may take
	// the turn then, so the run must stop.
	Keep(ctx context.Context) error
	// Finish records that the turn ran: no node runs it again.
	Finish(ctx context.Context) error
	// Release gives the turn up, not run (this node is stopping): another
	// node takes it.
	Release(ctx context.Context) error
}

// ErrTurnLost says a node's hold on a turn expired or was taken over.
var ErrTurnLost = errors.New("jobs: the turn's lock was lost")

// lockedTurn runs a turn of e once across the scheduler nodes: it takes
// the turn, or waits while another node holds it, until the turn is run
// (here or there) or its time is over (the job's next turn is due). A node
// that took the turn and died without finishing it loses it when its hold
// expires, and a waiting node runs it: a turn is not skipped because a
// node died.
func (sc *Scheduler) lockedTurn(ctx context.Context, e *entry, run func(ctx context.Context, j Job)) {
	j := e.job
	due := *e.due.Load()
	until := e.sched.Next(due)
	log := sc.log.With("job", j.Name, "due", due)
	var hold Turn
	for waited := false; ; waited = true {
		h, done, err := sc.TurnLock.Take(ctx, j.Name, due, until)
		switch {
		case err != nil:
			log.Warn("turn lock unavailable: trying again", "err", err)
		case done:
			log.Info("turn runs on another scheduler node")
			return
		case h != nil:
			hold = h
		case !waited:
			log.Info("turn held by another scheduler node: waiting in case it dies")
		}
		if hold != nil {
			break
		}
		if !until.IsZero() && !sc.clock.Now().Before(until) {
			log.Warn("turn not run: its time is over and another node still held it")
			return
		}
		wait, stop := sc.clock.Timer(sc.turnRetry)
		select {
		case <-ctx.Done():
			stop()
			return
		case <-wait:
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	lost := make(chan error, 1)
	go func() {
		err := hold.Keep(runCtx)
		if err != nil {
			cancel()
		}
		lost <- err
	}()
	run(runCtx, j)
	cancel()
	if err := <-lost; err != nil {
		// Another node may be running the turn now: it resumes this run.
		log.Error("lost the turn's lock while the job ran: the run was stopped", "err", err)
		return
	}
	// Recorded even when the scheduler's context ended: the run is over.
	fctx, fcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer fcancel()
	if ctx.Err() != nil {
		// Stopped, not done: another node takes the turn (and resumes).
		if err := hold.Release(fctx); err != nil {
			log.Warn("turn lock not released: it expires on its own", "err", err)
		}
		return
	}
	if err := hold.Finish(fctx); err != nil {
		log.Error("turn not recorded as run: another node may run it again", "err", err)
	}
}

// epochAligned is an @every schedule whose turns are multiples of its
// delay since the Unix epoch: with a TurnLock, every node then names a turn
// by the same time, whenever it started (cron expressions are absolute
// already).
type epochAligned interval

func (s epochAligned) Next(t time.Time) time.Time {
	d := time.Duration(s)
	since := t.Sub(time.Unix(0, 0))
	return time.Unix(0, 0).Add(since - since%d + d).In(t.Location())
}
