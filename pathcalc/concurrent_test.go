package pathcalc

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentReaders reads Current() from several goroutines while
// Updates publish new tables (run with -race).
func TestConcurrentReaders(t *testing.T) {
	const n = 60
	nodes, links := syntheticLinks(n, 42)
	e, err := NewEngine(1, DefaultSettings(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(0, 0)
	if _, err := e.Update(nodes, links, now); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lastGen uint64
			dst := uint16(2 + w)
			for !stop.Load() {
				tb := e.Current()
				if tb.Generation < lastGen {
					errs <- "generation went backwards"
					return
				}
				lastGen = tb.Generation
				r := tb.Route(dst)
				if r == nil || r.Dst != dst || r.Primary.Nodes[0] != 1 || r.Primary.Nodes[len(r.Primary.Nodes)-1] != dst {
					errs <- "inconsistent route"
					return
				}
				for _, rr := range tb.Routes() {
					_ = rr.Primary.Cost
				}
				reads.Add(1)
				dst = uint16(2 + (int(dst)-1)%(n-1))
			}
		}()
	}
	r := rand.New(rand.NewPCG(9, 9))
	for range 40 {
		now = now.Add(500 * time.Millisecond)
		for range 200 {
			l := &links[r.IntN(len(links))]
			l.RTT = time.Duration(1+r.IntN(200)) * time.Millisecond
		}
		if _, err := e.Update(nodes, links, now); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Fatal(msg)
	}
	if reads.Load() == 0 {
		t.Fatal("readers never ran")
	}
	t.Logf("%d reads during 40 updates; final generation %d", reads.Load(), e.Current().Generation)
}
