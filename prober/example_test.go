package prober_test

import (
	"fmt"
	"time"

	"github.com/argonet/argo/prober"
)

// A Tracker driven in virtual time, as a simulator would: three answered
// probes bring the peer up, three lost ones take it down.
func ExampleTracker() {
	tr := prober.NewTracker(prober.DefaultSettings())
	t0 := time.Unix(0, 0)
	for seq := range uint16(6) {
		sent := t0.Add(time.Duration(seq) * 200 * time.Millisecond)
		tr.Expire(sent)
		tr.Sent(seq, sent)
		if seq < 3 {
			tr.Received(seq, sent.Add(10*time.Millisecond))
		}
	}
	for next, ok := tr.NextExpiry(); ok; next, ok = tr.NextExpiry() {
		tr.Expire(next)
	}
	st := tr.Stats()
	fmt.Println("up:", st.Up, "srtt:", st.SRTT, "loss:", st.Loss, "down at:", st.LastChange.Sub(t0))
	// Output: up: false srtt: 10ms loss: 0.5 down at: 1.2s
}
