package cli

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"
)

// replay is a recorded conversation with systemd: the states of units at
// each poll, and when each job's result arrives. Frames hold only what
// changed since the frame before; a unit never mentioned is loaded,
// inactive (dead).
type replay struct {
	Frames []frame `json:"frames"`
}

type frame struct {
	Units map[string]UnitState `json:"units"`
	Jobs  map[string]string    `json:"jobs"` // unit -> job result arriving now
}

// fakeSystemd replays a recording. Every Sleep moves to the next frame and
// advances the clock by the poll interval, so output is deterministic.
type fakeSystemd struct {
	t       *testing.T
	frames  []frame
	i       int
	states  map[string]UnitState
	jobs    map[string]chan string
	now     time.Time
	step    time.Duration
	started []string
	stopped []string
	denied  bool // Start/Stop answer "permission denied"
}

func loadReplay(t *testing.T, file string) *fakeSystemd {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var r replay
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	f := &fakeSystemd{t: t, frames: r.Frames, states: map[string]UnitState{}, jobs: map[string]chan string{},
		now: testNow, step: time.Second / 2}
	f.apply()
	return f
}

var testNow = time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)

// apply makes frame i current: new states, and results for started jobs.
func (f *fakeSystemd) apply() {
	if f.i >= len(f.frames) {
		return
	}
	fr := f.frames[f.i]
	for u, s := range fr.Units {
		s.Unit = u
		f.states[u] = s
	}
	for u, r := range fr.Jobs {
		if ch, ok := f.jobs[u]; ok {
			ch <- r
		}
	}
}

func (f *fakeSystemd) State(_ context.Context, unit string) (UnitState, error) {
	if s, ok := f.states[unit]; ok {
		if s.LoadState == "" {
			s.LoadState = "loaded"
		}
		return s, nil
	}
	return UnitState{Unit: unit, LoadState: "loaded", ActiveState: "inactive", SubState: "dead"}, nil
}

func (f *fakeSystemd) job(unit string) (<-chan string, error) {
	if f.denied {
		return nil, jobError("start", unit, os.ErrPermission)
	}
	ch := make(chan string, 1)
	f.jobs[unit] = ch
	return ch, nil
}

func (f *fakeSystemd) Start(_ context.Context, unit string) (<-chan string, error) {
	f.started = append(f.started, unit)
	return f.job(unit)
}

func (f *fakeSystemd) Stop(_ context.Context, unit string) (<-chan string, error) {
	f.stopped = append(f.stopped, unit)
	return f.job(unit)
}

func (f *fakeSystemd) Close() {}

// sleep is Env.Sleep for the replay: the next frame, half a second later.
func (f *fakeSystemd) sleep(ctx context.Context, _ time.Duration) error {
	if f.i+1 >= len(f.frames) {
		f.t.Fatalf("replay ran out of frames after %d polls", f.i+1)
	}
	f.i++
	f.now = f.now.Add(f.step)
	f.apply()
	return ctx.Err()
}
