package runner

import (
	"fmt"
	"testing"
	"time"

	"github.com/argonet/argo/api"
)

// BenchmarkBookObserve is one poll of a PoP with 15 destinations whose
// routes did not change (the common case, 10 times a second per polled
// PoP).
func BenchmarkBookObserve(b *testing.B) {
	bk := newBook()
	now := time.Now()
	var routes []api.Route
	active := map[string][]string{}
	for i := range 15 {
		dst := fmt.Sprintf("p%d", i)
		path := []string{"a", "r", dst}
		routes = append(routes, api.Route{Dst: dst, Reachable: true, Path: path, Since: now, Reason: "initial"})
		active[dst] = path
	}
	bk.observe("a", now, routes, active)
	b.ReportAllocs()
	for b.Loop() {
		bk.observe("a", now, routes, active)
	}
}
