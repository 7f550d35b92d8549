package fabric

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestReadRequest(t *testing.T) {
	cases := []struct {
		name, msg, want string // want: substring of the error, "" = valid
	}{
		{"init", `{"op":"init","init":{"netns":"/x","pool_size":1024,"ring_frames":64,"rt_prio":10}}`, ""},
		{"init missing", `{"op":"init"}`, "missing field init"},
		{"init netns", `{"op":"init","init":{"pool_size":1024,"ring_frames":64}}`, "init.netns"},
		{"init pool", `{"op":"init","init":{"netns":"/x","pool_size":1,"ring_frames":64}}`, "init.pool_size"},
		{"init ring", `{"op":"init","init":{"netns":"/x","pool_size":1024,"ring_frames":1}}`, "init.ring_frames"},
		{"init prio", `{"op":"init","init":{"netns":"/x","pool_size":1024,"ring_frames":64,"rt_prio":100}}`, "init.rt_prio"},
		{"port", `{"op":"port","port":{"idx":0,"ifindex":3},"params":{}}`, ""},
		{"port ifindex", `{"op":"port","port":{"idx":0,"ifindex":0},"params":{}}`, "port.ifindex"},
		{"port params", `{"op":"port","port":{"idx":0,"ifindex":3}}`, "missing field params"},
		{"link", `{"op":"link","from":0,"to":1,"params":{"Delay":1000}}`, ""},
		{"link bad loss", `{"op":"link","from":0,"to":1,"params":{"Loss":2}}`, "loss"},
		{"link no params", `{"op":"link","from":0,"to":1}`, "missing field params"},
		{"unknown op", `{"op":"reboot"}`, "unknown op"},
		{"not json", `{"op":`, "control message"},
		{"wrong type", `{"op":"link","from":"zero"}`, "control message"},
	}
	for _, c := range cases {
		_, err := readRequest(json.NewDecoder(strings.NewReader(c.msg)))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one naming %q", c.name, err, c.want)
		}
	}
}

// TestChildHandle drives the forwarder process's request handler without a
// process: ports must come in order, links must exist, stats cover all links.
func TestChildHandle(t *testing.T) {
	c := &child{fw: newForwarder(64, 1, nil), links: map[[2]int]*link{}}
	c.fw.rx = &rxRing{fd: -1}
	port := func(idx, ifindex int, addr uint32) request {
		return request{Op: opPort, Port: &wirePort{Idx: idx, Name: string(rune('a' + idx)), Ifindex: ifindex, Addr: addr}, Params: &LinkParams{}}
	}
	steps := []struct {
		req  request
		want string
	}{
		{port(0, 3, 1), ""},
		{port(2, 4, 2), "idx 2, want 1"},
		{port(1, 3, 2), "already used"},
		{port(1, 4, 2), ""},
		{request{Op: opLink, From: 0, To: 1, Params: &LinkParams{Delay: 5}}, ""},
		{request{Op: opLink, From: 0, To: 0, Params: &LinkParams{}}, "no link"},
		{request{Op: opLink, From: 0, To: 7, Params: &LinkParams{}}, "no link"},
		{request{Op: opInit, Init: &initMsg{}}, "already"},
	}
	for i, s := range steps {
		resp := c.handle(s.req)
		if (s.want == "") != (resp.Err == "") || !strings.Contains(resp.Err, s.want) {
			t.Fatalf("step %d: err %q, want %q", i, resp.Err, s.want)
		}
	}
	if d := c.links[[2]int{0, 1}].params.Load().delay; d != 5 {
		t.Fatalf("link 0->1 delay %d, want 5", d)
	}
	pt := c.fw.table.Load()
	if pt.byAddr[2].idx != 1 || pt.links[1][0] != c.links[[2]int{1, 0}] {
		t.Fatal("port table not rebuilt")
	}
}

// FuzzReadRequest: no control message makes the decoder or the checks panic.
func FuzzReadRequest(f *testing.F) {
	f.Add([]byte(`{"op":"init","init":{"netns":"/x","pool_size":1024,"ring_frames":64}}`))
	f.Add([]byte(`{"op":"port","port":{"idx":0,"ifindex":3,"mac":[1,2,3,4,5,6]},"params":{"GE":{"P":0.1}}}`))
	f.Add([]byte(`{"op":"link","from":0,"to":1,"params":{"Delay":-1}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := readRequest(json.NewDecoder(bytes.NewReader(b)))
		if err == nil && r.Params != nil {
			if verr := r.Params.Validate(); verr != nil {
				t.Fatalf("accepted invalid params: %v", verr)
			}
		}
	})
}
