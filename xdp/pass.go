package xdp

import (
	"fmt"
	"net"

	"github.com/cilium/ebpf/link"
)

// PassProgram is the pass-through XDP program attached to one interface.
type PassProgram struct {
	objs argoPassObjects
	link link.Link
}

// AttachPass attaches a program that passes every frame, in native mode,
// to the interface ifname of the calling thread's network namespace.
// Native XDP_TX or XDP_REDIRECT into a veth only delivers frames when the
// veth's peer runs an XDP program: attach this to the peer of the relay's
// veth (tests, the simulator). Close detaches it.
func AttachPass(ifname string) (*PassProgram, error) {
	if err := validIfname("ifname", ifname); err != nil {
		return nil, err
	}
	ifc, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, &FieldError{"ifname", ifname, err.Error()}
	}
	p := &PassProgram{}
	if err := loadArgoPassObjects(&p.objs, nil); err != nil {
		return nil, fmt.Errorf("xdp: load pass program: %w", err)
	}
	p.link, err = link.AttachXDP(link.XDPOptions{Program: p.objs.ArgoPass, Interface: ifc.Index, Flags: link.XDPDriverMode})
	if err != nil {
		p.objs.Close()
		return nil, fmt.Errorf("xdp: attach pass program to %s: %w", ifname, err)
	}
	return p, nil
}

// Close detaches the program.
func (p *PassProgram) Close() error {
	err := p.link.Close()
	if cerr := p.objs.Close(); err == nil {
		err = cerr
	}
	return err
}
