package xdp

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func taskTimes(t *testing.T) map[string]time.Duration {
	m := map[string]time.Duration{}
	ds, _ := filepath.Glob("/proc/self/task/*")
	for _, d := range ds {
		v, err := schedstatCPU(d + "/schedstat")
		if err == nil {
			m[filepath.Base(d)] = v
		}
	}
	return m
}

func TestZZDiag(t *testing.T) {
	if os.Getenv("ARGO_DIAG") != "1" {
		t.Skip()
	}
	l := newDropLab(t)
	_, stop := l.startXDP(t)
	defer stop()
	g := l.gen.start(l.a)
	time.Sleep(300 * time.Millisecond)
	a := taskTimes(t)
	p0 := processCPU()
	time.Sleep(2 * time.Second)
	b := taskTimes(t)
	p1 := processCPU()
	g.finish()
	for k, v := range b {
		if d := v - a[k]; d > 100*time.Microsecond {
			t.Logf("tid %s: %v (gen %v)", k, d, k == itoa(g.tid))
		}
	}
	t.Logf("process %v", p1-p0)
}

func itoa(i int) string { return fmtInt(i) }
func fmtInt(i int) string { return func() string { s := ""; if i == 0 { return "0" }; for i > 0 { s = string(rune('0'+i%10)) + s; i /= 10 }; return s }() }
