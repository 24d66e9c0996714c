package capture

import (
	"context"
	"sync"
)

// queue is a FIFO that grows as needed: work found while working (a
// stylesheet's fonts, a page's links) is pushed without ever blocking, so
// workers cannot deadlock on each other. Its length is bounded by the
// visited set, since every URL is queued once at most.
type queue[T any] struct {
	mu    sync.Mutex
	items []T
	head  int
	wake  chan struct{} // signalled when items arrive
}

func newQueue[T any]() *queue[T] { return &queue[T]{wake: make(chan struct{}, 1)} }

func (q *queue[T]) push(v T) {
	q.mu.Lock()
	q.items = append(q.items, v)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pop waits for an item until done is closed or ctx ends.
func (q *queue[T]) pop(ctx context.Context, done <-chan struct{}) (T, bool) {
	for {
		q.mu.Lock()
		if q.head < len(q.items) {
			v := q.items[q.head]
			var zero T
			q.items[q.head] = zero
			q.head++
			if q.head == len(q.items) {
				q.items, q.head = q.items[:0], 0
			} else if q.head > 1024 && q.head*2 > len(q.items) {
				q.items, q.head = append(q.items[:0:0], q.items[q.head:]...), 0
			}
			more := q.head < len(q.items)
			q.mu.Unlock()
			if more { // pass the wake-up on to another waiter
				select {
				case q.wake <- struct{}{}:
				default:
				}
			}
			return v, true
		}
		q.mu.Unlock()
		select {
		case <-q.wake:
		case <-done:
			var zero T
			return zero, false
		case <-ctx.Done():
			var zero T
			return zero, false
		}
	}
}
