package fabric

import (
	"errors"
	"fmt"
)

// linkCtl is the parent's record of one directed link; guarded by Fabric.mu.
type linkCtl struct {
	from, to int        // port indices
	base     LinkParams // as set by SetLink or SetDefault
	explicit bool       // set by SetLink: SetDefault leaves it alone
	down     bool       // cut by Cut
}

// effective is what the forwarder applies: base, cut if down.
func (l *linkCtl) effective() LinkParams {
	p := l.base
	p.Down = p.Down || l.down
	return p
}

// push sends the link's effective parameters to the forwarder; callers hold f.mu.
func (f *Fabric) push(l *linkCtl) error {
	p := l.effective()
	_, err := f.call(request{Op: opLink, From: l.from, To: l.to, Params: &p})
	return err
}

// SetLink sets the parameters of the directed link from -> to, at once and
// without restarting anything. Frames already in flight keep the delay they
// were given (but are dropped if p.Down). The link keeps these parameters
// when SetDefault is called later.
func (f *Fabric) SetLink(from, to string, p LinkParams) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("link %s->%s: %w", from, to, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	l, err := f.link(from, to)
	if err != nil {
		return err
	}
	old := *l
	l.explicit, l.base = true, p
	if err := f.push(l); err != nil {
		*l = old
		return err
	}
	return nil
}

// SetDefault sets the parameters of every link not configured with SetLink,
// including the links of nodes added later.
func (f *Fabric) SetDefault(p LinkParams) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("default link: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return errors.New("fabric closed")
	}
	f.def = p
	for _, l := range f.links {
		if !l.explicit {
			l.base = p
			if err := f.push(l); err != nil {
				return err // the forwarder is gone: nothing is half-applied that matters
			}
		}
	}
	return nil
}

// Link returns the current parameters of the directed link from -> to.
func (f *Fabric) Link(from, to string) (LinkParams, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, err := f.link(from, to)
	if err != nil {
		return LinkParams{}, err
	}
	return l.effective(), nil
}

// Cut takes the link from -> to down (and to -> from too when both is set)
// until Restore, whatever SetLink or SetDefault do meanwhile. Frames in
// flight on a cut link are dropped.
func (f *Fabric) Cut(from, to string, both bool) error { return f.setDown(from, to, both, true) }

// Restore undoes Cut (a link set with LinkParams.Down stays down).
func (f *Fabric) Restore(from, to string, both bool) error { return f.setDown(from, to, both, false) }

func (f *Fabric) setDown(from, to string, both, down bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ls := make([]*linkCtl, 0, 2)
	l, err := f.link(from, to)
	if err != nil {
		return err
	}
	ls = append(ls, l)
	if both {
		r, err := f.link(to, from)
		if err != nil {
			return err
		}
		ls = append(ls, r)
	}
	for _, l := range ls { // both found before changing either
		old := l.down
		l.down = down
		if err := f.push(l); err != nil {
			l.down = old
			return err
		}
	}
	return nil
}

// link finds the directed link; callers hold f.mu.
func (f *Fabric) link(from, to string) (*linkCtl, error) {
	if f.closed {
		return nil, errors.New("fabric closed")
	}
	a, ok := f.byName[from]
	if !ok {
		return nil, fmt.Errorf("link %s->%s: unknown node %q", from, to, from)
	}
	b, ok := f.byName[to]
	if !ok {
		return nil, fmt.Errorf("link %s->%s: unknown node %q", from, to, to)
	}
	if a == b {
		return nil, fmt.Errorf("link %s->%s: from and to are the same node", from, to)
	}
	return f.links[[2]int{a.idx, b.idx}], nil
}
