package scenario

import (
	"fmt"
	"time"
)

// Matrix is the emulated network at one instant: index i is Pops[i].
type Matrix struct {
	Pops  []string
	Link  [][]LinkSpec // Link[i][j]: parameters of i -> j (diagonal unused)
	Down  [][]bool     // Down[i][j]: i -> j cut, or i or j killed
	Delay [][]time.Duration
	index map[string]int
}

// Matrix returns the links as configured at the start of the scenario.
func (s *Scenario) Matrix() Matrix { return s.MatrixAt(-1) }

// MatrixAt returns the links at time t, after every event at or before t:
// set_link patches, cut_link and restore_link (back to the configured
// parameters, up), and kill_pop / restart_pop (a killed PoP's links are down
// both ways; it neither sends nor relays).
func (s *Scenario) MatrixAt(t time.Duration) Matrix {
	n := len(s.Pops)
	m := Matrix{Pops: make([]string, n), index: make(map[string]int, n)}
	for i, p := range s.Pops {
		m.Pops[i] = p.Name
		m.index[p.Name] = i
	}
	m.Link = make([][]LinkSpec, n)
	cut := make([][]bool, n)
	for i := range n {
		m.Link[i] = make([]LinkSpec, n)
		cut[i] = make([]bool, n)
		for j := range n {
			m.Link[i][j] = s.Links.Default
		}
	}
	for _, l := range s.Links.Pairs {
		i, j := m.index[l.From], m.index[l.To]
		m.Link[i][j] = l.LinkSpec
		if l.Symmetric {
			m.Link[j][i] = l.LinkSpec
		}
	}
	configured := make([][]LinkSpec, n)
	for i := range n {
		configured[i] = append([]LinkSpec(nil), m.Link[i]...)
	}
	killed := map[string]bool{}
	for _, e := range s.Events {
		if t < 0 || e.At > t {
			break
		}
		i, j := m.index[e.From], m.index[e.To]
		dirs := [][2]int{{i, j}}
		if e.Symmetric {
			dirs = append(dirs, [2]int{j, i})
		}
		switch e.Action {
		case SetLink:
			for _, d := range dirs {
				m.Link[d[0]][d[1]] = e.Set.Apply(m.Link[d[0]][d[1]])
			}
		case CutLink:
			for _, d := range dirs {
				cut[d[0]][d[1]] = true
			}
		case RestoreLink:
			for _, d := range dirs {
				cut[d[0]][d[1]] = false
				m.Link[d[0]][d[1]] = configured[d[0]][d[1]]
			}
		case KillPop:
			killed[e.Pop] = true
		case RestartPop:
			killed[e.Pop] = false
		}
	}
	m.Down = make([][]bool, n)
	m.Delay = make([][]time.Duration, n)
	for i := range n {
		m.Down[i] = make([]bool, n)
		m.Delay[i] = make([]time.Duration, n)
		for j := range n {
			m.Delay[i][j] = m.Link[i][j].Delay
			m.Down[i][j] = i == j || cut[i][j] || killed[m.Pops[i]] || killed[m.Pops[j]]
		}
	}
	return m
}

// Path is a route through the overlay: Hops[0] is the source, the last hop
// the destination.
type Path struct {
	Hops  []string
	Delay time.Duration // sum of the one-way delays
}

// String renders a path as "a>b>c (12ms)".
func (p Path) String() string {
	s := ""
	for i, h := range p.Hops {
		if i > 0 {
			s += ">"
		}
		s += h
	}
	return fmt.Sprintf("%s (%v)", s, p.Delay)
}

// BestPath finds, by brute force over every loop-free path of at most
// maxHops links that avoids down links, the one with the least one-way
// delay from -> to; ties go to fewer hops, then to the first found in PoP
// order.
// It is deliberately independent of pathcalc, to judge argod's choices.
func (m Matrix) BestPath(from, to string, maxHops int) (Path, error) {
	src, ok := m.index[from]
	if !ok {
		return Path{}, fmt.Errorf("unknown PoP %q", from)
	}
	dst, ok := m.index[to]
	if !ok {
		return Path{}, fmt.Errorf("unknown PoP %q", to)
	}
	if src == dst {
		return Path{}, fmt.Errorf("from and to are both %q", from)
	}
	var best []int
	var bestDelay time.Duration
	used := make([]bool, len(m.Pops))
	cur := []int{src}
	used[src] = true
	var walk func(at int, d time.Duration)
	walk = func(at int, d time.Duration) {
		if at == dst {
			if best == nil || d < bestDelay || (d == bestDelay && len(cur) < len(best)) {
				best, bestDelay = append([]int(nil), cur...), d
			}
			return
		}
		if len(cur)-1 >= maxHops {
			return
		}
		for next := range m.Pops {
			if used[next] || m.Down[at][next] {
				continue
			}
			used[next] = true
			cur = append(cur, next)
			walk(next, d+m.Delay[at][next])
			cur = cur[:len(cur)-1]
			used[next] = false
		}
	}
	walk(src, 0)
	if best == nil {
		return Path{}, fmt.Errorf("no path from %s to %s within %d hops", from, to, maxHops)
	}
	p := Path{Delay: bestDelay}
	for _, i := range best {
		p.Hops = append(p.Hops, m.Pops[i])
	}
	return p, nil
}

// Index returns the index of PoP name in the matrix.
func (m Matrix) Index(name string) (int, bool) {
	i, ok := m.index[name]
	return i, ok
}
