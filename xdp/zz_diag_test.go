package xdp

import (
	"os"
	"testing"
	"time"
)

func TestZZDiag(t *testing.T) {
	if os.Getenv("ARGO_DIAG") == "" {
		t.Skip()
	}
	l := newDropLab(t)
	for round := 0; round < 3; round++ {
		for _, a := range l.alternatives() {
			{
				if a.name == "nft-prerouting" || a.name == "xdp-blocklist-1k" || a.name == "nft-ingress-1k" {
					continue
				}
				count, stop := a.start(t)
				g := l.gen.start(l.a)
				pids := napiPids(t, l.bIf)
				time.Sleep(300 * time.Millisecond)
				m := cpuMeter{napi: pids, genTID: g.tid}
				h0, _ := count()
				s0 := m.snap(t)
				time.Sleep(2 * time.Second)
				s1 := m.snap(t)
				h1, _ := count()
				k, _ := s1.since(s0)
				g.finish()
				stop()
				t.Logf("%s: %.0f ns/pkt, %d pkts", a.name, float64(k.Nanoseconds())/float64(h1-h0), h1-h0)
			}
		}
	}
}
