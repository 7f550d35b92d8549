package xdp

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestZZDiag(t *testing.T) {
	if os.Getenv("ARGO_DIAG") == "" {
		t.Skip()
	}
	l := newDropLab(t)
	var alt perfAlt
	for _, a := range l.alternatives() {
		if a.name == os.Getenv("ARGO_DIAG") {
			alt = a
		}
	}
	_, stop := alt.start(t)
	defer stop()
	g := l.gen.start(l.a)
	time.Sleep(300 * time.Millisecond)
	pids := napiPids(t, l.bIf)
	out, err := exec.Command("perf", "record", "-e", "cpu-clock", "-g", "-o", "/tmp/zzperf.data", "-p", fmt.Sprint(pids[0]), "sleep", "4").CombinedOutput()
	t.Logf("%s %v", out, err)
	g.finish()
}
