package matrix

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// BenchmarkParsePlanetlab parses the real 490 x 490 matrix (1.6 MB).
func BenchmarkParsePlanetlab(b *testing.B) {
	data, err := os.ReadFile("../../../shared/data/planetlab_9.tsv")
	if errors.Is(err, os.ErrNotExist) {
		b.Skip("real RTT matrix not found (CI clones shared/ beside the repo)")
	}
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(data), Milliseconds); err != nil {
			b.Fatal(err)
		}
	}
}
