package report

import "testing"

// BenchmarkBuild analyses a 20 s run with one flow (1,000 probes each way)
// and 12 route histories.
func BenchmarkBuild(b *testing.B) {
	in := testInput(&testing.T{})
	b.ReportAllocs()
	for b.Loop() {
		Build(in)
	}
}
