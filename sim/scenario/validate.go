package scenario

import (
	"fmt"
	"sort"
	"time"
)

// MaxDuration bounds a scenario's duration.
const MaxDuration = time.Hour

// MaxDelay bounds link delays and jitter (as the fabric does).
const MaxDelay = 10 * time.Second

// validator checks the cross-references and the timeline of a decoded
// scenario; errors go to the decoder with the line of the offending entry.
type validator struct {
	*decoder
	s     *Scenario
	pops  map[string]*Pop
	pairs map[[2]string]int // directed pair -> line that configured it
}

func (v *validator) fail(line int, path, format string, args ...any) {
	if len(v.errs) >= maxErrors {
		return
	}
	v.errs = append(v.errs, fmt.Errorf("%s:%d: %s: %s", v.file, line, path, fmt.Sprintf(format, args...)))
}

func (v *validator) validate() {
	s := v.s
	if s.Name == "" {
		v.fail(1, "name", "empty")
	}
	if s.Duration <= 0 || s.Duration > MaxDuration {
		v.fail(1, "duration", "%v outside (0, %v]", s.Duration, MaxDuration)
	}
	v.checkPops()
	v.checkLinkSpec(1, "links.default", s.Links.Default)
	v.checkLinks()
	v.checkEndpoints()
	v.checkEvents()
	v.checkFlows()
}

func (v *validator) checkPops() {
	if len(v.s.Pops) < 2 {
		v.fail(1, "pops", "%d PoPs, want at least 2", len(v.s.Pops))
	}
	v.pops = map[string]*Pop{}
	ids := map[uint16]int{}
	for i := range v.s.Pops {
		p := &v.s.Pops[i]
		path := fmt.Sprintf("pops[%d]", i)
		if q, dup := v.pops[p.Name]; dup {
			v.fail(p.Line, path+".name", "duplicate PoP name %q (first at line %d)", p.Name, q.Line)
		}
		if line, dup := ids[p.ID]; dup {
			v.fail(p.Line, path+".id", "duplicate PoP id %d (first at line %d)", p.ID, line)
		}
		v.pops[p.Name] = p
		ids[p.ID] = p.Line
	}
}

// pop reports whether name is a known PoP, failing otherwise.
func (v *validator) pop(line int, path, name string) bool {
	if name == "" {
		v.fail(line, path, "missing")
		return false
	}
	if _, ok := v.pops[name]; !ok {
		v.fail(line, path, "unknown PoP %q", name)
		return false
	}
	return true
}

func (v *validator) checkLinkSpec(line int, path string, l LinkSpec) {
	if l.Delay > MaxDelay {
		v.fail(line, path+".delay", "%v above %v", l.Delay, MaxDelay)
	}
	if l.Jitter > MaxDelay {
		v.fail(line, path+".jitter", "%v above %v", l.Jitter, MaxDelay)
	}
	if l.GE != nil && l.Loss != 0 {
		v.fail(line, path, "both loss and ge given: use one loss model")
	}
}

func (v *validator) checkLinks() {
	v.pairs = map[[2]string]int{}
	for i, l := range v.s.Links.Pairs {
		path := fmt.Sprintf("links.pairs[%d]", i)
		okFrom := v.pop(l.Line, path+".from", l.From)
		okTo := v.pop(l.Line, path+".to", l.To)
		v.checkLinkSpec(l.Line, path, l.LinkSpec)
		if !okFrom || !okTo {
			continue
		}
		if l.From == l.To {
			v.fail(l.Line, path, "from and to are both %q", l.From)
			continue
		}
		dirs := [][2]string{{l.From, l.To}}
		if l.Symmetric {
			dirs = append(dirs, [2]string{l.To, l.From})
		}
		for _, d := range dirs {
			if first, dup := v.pairs[d]; dup {
				v.fail(l.Line, path, "link %s->%s already configured at line %d", d[0], d[1], first)
			}
			v.pairs[d] = l.Line
		}
	}
}

func (v *validator) checkEndpoints() {
	names := map[string]int{}
	unique := func(line int, path, kind, name string) {
		if first, dup := names[kind+"/"+name]; dup {
			v.fail(line, path, "duplicate %s name %q (first at line %d)", kind, name, first)
		}
		names[kind+"/"+name] = line
	}
	for i, c := range v.s.Clients {
		path := fmt.Sprintf("clients[%d]", i)
		unique(c.Line, path+".name", "client", c.Name)
		v.pop(c.Line, path+".pop", c.Pop)
	}
	prefixes := map[string]int{}
	for i, o := range v.s.Origins {
		path := fmt.Sprintf("origins[%d]", i)
		unique(o.Line, path+".name", "origin", o.Name)
		v.pop(o.Line, path+".pop", o.Pop)
		if first, dup := prefixes[o.Prefix.String()]; dup && o.Prefix.IsValid() {
			v.fail(o.Line, path+".prefix", "prefix %s already served by the origin at line %d", o.Prefix, first)
		}
		prefixes[o.Prefix.String()] = o.Line
	}
}

// checkEvents checks each event's fields against its action and replays the
// PoP timeline: a PoP is killed before it is restarted, drained before it is
// undrained, and so on.
func (v *validator) checkEvents() {
	killed, drained := map[string]bool{}, map[string]bool{}
	order := make([]int, len(v.s.Events))
	for i := range order {
		order[i] = i
	}
	// Replay in time order (the slice is sorted after validation).
	sortStableBy(order, func(i int) time.Duration { return v.s.Events[i].At })
	for _, i := range order {
		e := v.s.Events[i]
		path := fmt.Sprintf("events[%d]", i)
		if e.At > v.s.Duration {
			v.fail(e.Line, path+".at", "%v is after the end of the scenario (duration %v)", e.At, v.s.Duration)
		}
		hasPatch := e.Set != (LinkPatch{})
		switch e.Action {
		case SetLink, CutLink, RestoreLink:
			if e.Pop != "" {
				v.fail(e.Line, path+".pop", "not used by %s (give from and to)", e.Action)
			}
			okFrom := v.pop(e.Line, path+".from", e.From)
			okTo := v.pop(e.Line, path+".to", e.To)
			if okFrom && okTo && e.From == e.To {
				v.fail(e.Line, path, "from and to are both %q", e.From)
			}
			if e.Action == SetLink && !hasPatch {
				v.fail(e.Line, path, "set_link changes nothing: give delay, jitter, loss, ge or rate")
			}
			if e.Action != SetLink && hasPatch {
				v.fail(e.Line, path, "%s takes no link parameters (use set_link)", e.Action)
			}
			if e.Set.GE != nil && e.Set.Loss != nil {
				v.fail(e.Line, path, "both loss and ge given: use one loss model")
			}
			if e.Set.Delay != nil && *e.Set.Delay > MaxDelay {
				v.fail(e.Line, path+".delay", "%v above %v", *e.Set.Delay, MaxDelay)
			}
			if e.Set.Jitter != nil && *e.Set.Jitter > MaxDelay {
				v.fail(e.Line, path+".jitter", "%v above %v", *e.Set.Jitter, MaxDelay)
			}
		case KillPop, RestartPop, DrainPop, UndrainPop:
			if e.From != "" || e.To != "" || e.Symmetric || hasPatch {
				v.fail(e.Line, path, "%s takes only at, action and pop", e.Action)
			}
			if !v.pop(e.Line, path+".pop", e.Pop) {
				continue
			}
			v.checkPopState(e, path, killed, drained)
		default:
			v.fail(e.Line, path+".action", "unknown action %q (want set_link, cut_link, restore_link, kill_pop, restart_pop, drain_pop or undrain_pop)", e.Action)
		}
	}
}

func (v *validator) checkPopState(e Event, path string, killed, drained map[string]bool) {
	bad := func(why string) { v.fail(e.Line, path+".action", "%s %s: %s", e.Action, e.Pop, why) }
	switch e.Action {
	case KillPop:
		if killed[e.Pop] {
			bad("already killed")
		}
		killed[e.Pop] = true
	case RestartPop:
		if !killed[e.Pop] {
			bad("not killed")
		}
		killed[e.Pop] = false
	case DrainPop:
		if drained[e.Pop] {
			bad("already drained")
		}
		drained[e.Pop] = true
	case UndrainPop:
		if !drained[e.Pop] {
			bad("not drained")
		}
		drained[e.Pop] = false
	}
}

func (v *validator) checkFlows() {
	clients, origins := map[string]bool{}, map[string]bool{}
	for _, c := range v.s.Clients {
		clients[c.Name] = true
	}
	for _, o := range v.s.Origins {
		origins[o.Name] = true
	}
	names := map[string]int{}
	for i, f := range v.s.Flows {
		path := fmt.Sprintf("flows[%d]", i)
		if first, dup := names[f.Name]; dup {
			v.fail(f.Line, path+".name", "duplicate flow name %q (first at line %d)", f.Name, first)
		}
		names[f.Name] = f.Line
		if !clients[f.Client] {
			v.fail(f.Line, path+".client", "unknown client %q", f.Client)
		}
		if !origins[f.Origin] {
			v.fail(f.Line, path+".origin", "unknown origin %q", f.Origin)
		}
	}
}

// sortStableBy sorts idx stably by key.
func sortStableBy(idx []int, key func(int) time.Duration) {
	sort.SliceStable(idx, func(a, b int) bool { return key(idx[a]) < key(idx[b]) })
}
