package pause

import (
	"context"
	"testing"
	"time"
)

func TestFor(t *testing.T) {
	if !For(context.Background(), time.Millisecond) {
		t.Error("a pause with a live context did not pass")
	}
	if !For(context.Background(), 0) {
		t.Error("a zero pause with a live context did not pass")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if For(ctx, 0) || For(ctx, time.Hour) {
		t.Error("a pause with an ended context passed")
	}
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	if For(ctx, time.Hour) {
		t.Error("a pause passed although its context ended first")
	}
}
