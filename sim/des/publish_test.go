package des

import (
	"testing"
	"time"

	"github.com/argonet/argo/linkstate"
	"github.com/argonet/argo/pathcalc"
)

func TestPublisherRule(t *testing.T) {
	p := publisher{th: DefaultConfig().Threshold, refreshNs: int64(5 * time.Second)}
	table := func(rtt time.Duration, up bool) *linkstate.Table {
		return &linkstate.Table{Origin: 1, Links: []linkstate.Link{{Peer: 2, RTT: rtt, Up: up}}}
	}
	sec := int64(time.Second)
	steps := []struct {
		at      int64
		t       *linkstate.Table
		sent    bool
		refresh bool
	}{
		{0, table(100*time.Millisecond, true), true, false},        // first table
		{1 * sec, table(105*time.Millisecond, true), false, false}, // 5 %: not significant
		{2 * sec, table(120*time.Millisecond, true), true, false},  // 20 % and 20 ms
		{3 * sec, table(121*time.Millisecond, true), false, false},
		{4 * sec, table(121*time.Millisecond, false), true, false}, // down
		{8 * sec, table(121*time.Millisecond, false), false, false},
		{9 * sec, table(121*time.Millisecond, false), false, true}, // 5 s since the last broadcast
	}
	var last uint64
	for i, st := range steps {
		sent := p.publish(st.t, st.at, st.at)
		if sent != st.sent {
			t.Fatalf("step %d: sent %v, want %v", i, sent, st.sent)
		}
		if due := p.refreshDue(st.at); due != st.refresh {
			t.Fatalf("step %d: refresh due %v, want %v", i, due, st.refresh)
		}
		if due := p.refreshDue(st.at); due {
			p.refresh(st.t, st.at, st.at)
		}
		if st.t.Version <= last {
			t.Fatalf("step %d: version %d not above %d", i, st.t.Version, last)
		}
		last = st.t.Version
	}
	p.restart()
	tb := table(121*time.Millisecond, false)
	if !p.publish(tb, 10*sec, 10*sec) || tb.Version <= last {
		t.Fatalf("after a restart the first table must be sent with a higher version (%d <= %d)", tb.Version, last)
	}
}

func TestClassify(t *testing.T) {
	w := pathcalc.DefaultWeights()
	u := DefaultConfig().Urgent
	l := func(rtt time.Duration, loss float64, up bool) linkstate.Link {
		return linkstate.Link{Peer: 7, RTT: rtt, Loss: loss, Up: up}
	}
	ms := time.Millisecond
	cases := []struct {
		name         string
		prev, next   linkstate.Link
		worse        bool
		better, none bool
	}{
		{"same", l(100*ms, 0, true), l(100*ms, 0, true), false, false, true},
		{"small move", l(100*ms, 0, true), l(140*ms, 0, true), false, false, true},
		{"down", l(100*ms, 0, true), l(100*ms, 0, false), true, false, false},
		{"lossy beyond MaxLoss", l(100*ms, 0, true), l(100*ms, 0.6, true), true, false, false},
		{"up", l(100*ms, 0, false), l(100*ms, 0, true), false, true, false},
		{"much worse", l(100*ms, 0, true), l(100*ms, 0.3, true), true, false, false},
		{"much better", l(300*ms, 0, true), l(100*ms, 0, true), false, true, false},
		{"small link, large relative move under 10 ms", l(2*ms, 0, true), l(9*ms, 0, true), false, false, true},
	}
	for _, c := range cases {
		ch := classify(3, []linkstate.Link{c.prev}, []linkstate.Link{c.next}, w, u)
		switch {
		case c.none && ch != nil:
			t.Errorf("%s: got %+v, want nothing urgent", c.name, ch)
		case !c.none && (ch == nil || (len(ch.worse) > 0) != c.worse || ch.better != c.better || ch.origin != 3):
			t.Errorf("%s: got %+v, want worse %v better %v", c.name, ch, c.worse, c.better)
		}
	}
	if ch := classify(3, nil, []linkstate.Link{l(100*ms, 0, true)}, w, u); ch == nil || !ch.better {
		t.Errorf("first table with a live link: %+v, want better", ch)
	}
	if ch := classify(3, nil, []linkstate.Link{l(0, 0, false)}, w, u); ch != nil {
		t.Errorf("first table without live links: %+v, want nothing urgent", ch)
	}
}
