package overlay

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

const vectorsPath = "testdata/vectors.json"

// vector is one entry of the test vectors shared with xdp/.
type vector struct {
	Name    string  `json:"name"`
	Self    uint16  `json:"self"`
	Payload string  `json:"payload"`
	Verdict string  `json:"verdict"`
	Reason  string  `json:"reason"`
	NextHop *uint16 `json:"next_hop,omitempty"`
	Out     string  `json:"out,omitempty"`
}

type vectorFile struct {
	Vectors []vector `json:"vectors"`
}

// raw builds a header byte by byte, so that invalid headers can be made.
func raw(version, typ, count, index byte, src, flow uint16, hops [4]uint16, body []byte) []byte {
	b := []byte{version, typ, count, index, byte(src >> 8), byte(src), byte(flow >> 8), byte(flow)}
	for _, h := range hops {
		b = append(b, byte(h>>8), byte(h))
	}
	return append(b, body...)
}

// genVectors builds the vectors from first principles (not from Decide).
func genVectors() []vector {
	hops := [4]uint16{0x0102, 0x0203, 0x0304, 0x0405}
	const src, flow = 0x0a0b, 0xbeef
	bodies := map[Type][]byte{
		TypeData:       {0xde, 0xad, 0xbe, 0xef},
		TypeProbe:      {0, 0, 0, 7, 0, 0, 0, 42, 0x17, 0x7f, 0, 0, 0, 0, 0x12, 0x34},
		TypeProbeReply: {0, 0, 0, 7, 0, 0, 0, 43, 0x17, 0x7f, 0, 0, 0, 0, 0x56, 0x78},
	}
	var vs []vector
	add := func(v vector, p []byte) {
		v.Payload = hex.EncodeToString(p)
		vs = append(vs, v)
	}
	for _, t := range []Type{TypeData, TypeProbe, TypeProbeReply} {
		for count := 1; count <= MaxHops; count++ {
			var hs [4]uint16
			copy(hs[:count], hops[:count])
			for index := 0; index < count; index++ {
				p := raw(Version, byte(t), byte(count), byte(index), src, flow, hs, bodies[t])
				self := hs[index]
				name := fmt.Sprintf("%s count %d index %d", t, count, index)
				if index == count-1 {
					add(vector{Name: name + " deliver", Self: self, Verdict: "deliver"}, p)
				} else {
					out := bytes.Clone(p)
					out[3]++
					next := hs[index+1]
					add(vector{Name: name + " relay", Self: self, Verdict: "relay", NextHop: &next,
						Out: hex.EncodeToString(out)}, p)
				}
				add(vector{Name: name + " wrong hop", Self: 0x7777, Verdict: "drop", Reason: "wrong_hop"}, p)
			}
		}
	}
	valid := raw(Version, 0, 2, 0, src, flow, [4]uint16{0x0102, 0x0203}, bodies[TypeData])
	for _, n := range []int{0, 1, 2, 3, 4, 8, 14, 15} {
		add(vector{Name: fmt.Sprintf("short %d bytes", n), Self: 0x0102, Verdict: "drop", Reason: "short"}, valid[:n])
	}
	add(vector{Name: "header only, no body, deliver", Self: 0x0203, Verdict: "deliver"},
		raw(Version, 0, 2, 1, src, flow, [4]uint16{0x0102, 0x0203}, nil))
	add(vector{Name: "unused hop entries ignored", Self: 0x0102, Verdict: "deliver"},
		raw(Version, 0, 1, 0, src, flow, [4]uint16{0x0102, 0xffff, 0xffff, 0xffff}, bodies[TypeData]))
	for _, ver := range []byte{0x00, 0xa0, 0xa2, 0xff} {
		add(vector{Name: fmt.Sprintf("version 0x%02x", ver), Self: 0x0102, Verdict: "drop", Reason: "bad_version"},
			raw(ver, 0, 2, 0, src, flow, [4]uint16{0x0102, 0x0203}, bodies[TypeData]))
	}
	for _, t := range []byte{3, 0x80, 0xff} {
		add(vector{Name: fmt.Sprintf("type %d", t), Self: 0x0102, Verdict: "drop", Reason: "bad_type"},
			raw(Version, t, 2, 0, src, flow, [4]uint16{0x0102, 0x0203}, bodies[TypeData]))
	}
	for _, c := range []byte{0, 5, 0xff} {
		add(vector{Name: fmt.Sprintf("count %d", c), Self: 0x0102, Verdict: "drop", Reason: "bad_count"},
			raw(Version, 0, c, 0, src, flow, hops, bodies[TypeData]))
	}
	for _, ci := range [][2]byte{{1, 1}, {2, 2}, {3, 3}, {4, 4}, {4, 7}, {1, 0xff}} {
		add(vector{Name: fmt.Sprintf("count %d index %d", ci[0], ci[1]), Self: 0x0102, Verdict: "drop", Reason: "bad_index"},
			raw(Version, 0, ci[0], ci[1], src, flow, hops, bodies[TypeData]))
	}
	add(vector{Name: "loop: next hop is self", Self: 0x0102, Verdict: "drop", Reason: "loop"},
		raw(Version, 0, 2, 0, src, flow, [4]uint16{0x0102, 0x0102}, bodies[TypeData]))
	add(vector{Name: "loop at index 2 of 4", Self: 0x0304, Verdict: "drop", Reason: "loop"},
		raw(Version, 0, 4, 2, src, flow, [4]uint16{0x0102, 0x0203, 0x0304, 0x0304}, bodies[TypeData]))
	add(vector{Name: "bad version wins over bad count", Self: 0x0102, Verdict: "drop", Reason: "bad_version"},
		raw(0x01, 0, 9, 9, src, flow, hops, nil))
	add(vector{Name: "bad type wins over bad count", Self: 0x0102, Verdict: "drop", Reason: "bad_type"},
		raw(Version, 9, 9, 9, src, flow, hops, nil))
	add(vector{Name: "bad count wins over bad index", Self: 0x0102, Verdict: "drop", Reason: "bad_count"},
		raw(Version, 0, 0, 9, src, flow, hops, nil))
	add(vector{Name: "bad index wins over wrong hop", Self: 0x7777, Verdict: "drop", Reason: "bad_index"},
		raw(Version, 0, 2, 2, src, flow, hops, nil))
	add(vector{Name: "pop id 0 relays to pop id 0xffff", Self: 0, Verdict: "relay", NextHop: ptr(0xffff),
		Out: hex.EncodeToString(raw(Version, 0, 2, 1, 0, 0, [4]uint16{0, 0xffff}, nil))},
		raw(Version, 0, 2, 0, 0, 0, [4]uint16{0, 0xffff}, nil))
	return vs
}

func ptr(v uint16) *uint16 { return &v }

func loadVectors(t *testing.T) []vector {
	t.Helper()
	data, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("read vectors (regenerate with go test ./overlay -run TestVectors -update): %v", err)
	}
	var f vectorFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", vectorsPath, err)
	}
	if len(f.Vectors) == 0 {
		t.Fatalf("%s: no vectors", vectorsPath)
	}
	return f.Vectors
}

// TestVectors checks Decide and AdvanceIndex against the shared vectors. With
// -update it first regenerates the file from genVectors.
func TestVectors(t *testing.T) {
	if *update {
		data, err := json.MarshalIndent(vectorFile{Vectors: genVectors()}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(vectorsPath, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vs := loadVectors(t)
	if want := genVectors(); len(want) != len(vs) {
		t.Errorf("%s has %d vectors, generator makes %d: regenerate with -update", vectorsPath, len(vs), len(want))
	}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			p, err := hex.DecodeString(v.Payload)
			if err != nil {
				t.Fatalf("payload: %v", err)
			}
			orig := bytes.Clone(p)
			verdict, next, reason := Decide(p, v.Self)
			if !bytes.Equal(p, orig) {
				t.Fatalf("Decide modified its input")
			}
			if verdict.String() != v.Verdict || reason.String() != v.Reason {
				t.Fatalf("Decide = %s/%q, want %s/%q", verdict, reason, v.Verdict, v.Reason)
			}
			if verdict != Relay {
				if v.NextHop != nil || v.Out != "" {
					t.Fatalf("non-relay vector carries next_hop/out")
				}
				return
			}
			if v.NextHop == nil || next != *v.NextHop {
				t.Fatalf("next hop = %d, want %v", next, v.NextHop)
			}
			AdvanceIndex(p)
			if got := hex.EncodeToString(p); got != v.Out {
				t.Fatalf("after AdvanceIndex\n got %s\nwant %s", got, v.Out)
			}
		})
	}
}

// TestVectorsCoverage makes sure the shared file exercises every verdict,
// every Decide drop reason, every count and every index.
func TestVectorsCoverage(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range loadVectors(t) {
		seen["verdict "+v.Verdict] = true
		seen["reason "+v.Reason] = true
		p, _ := hex.DecodeString(v.Payload)
		if len(p) >= HeaderLen && v.Verdict != "drop" {
			seen[fmt.Sprintf("type %d count %d index %d", p[1], p[2], p[3])] = true
		}
	}
	want := []string{"verdict deliver", "verdict relay", "verdict drop"}
	for r := Short; r <= Loop; r++ {
		want = append(want, "reason "+r.String())
	}
	for ty := 0; ty <= 2; ty++ {
		for c := 1; c <= MaxHops; c++ {
			for i := 0; i < c; i++ {
				want = append(want, fmt.Sprintf("type %d count %d index %d", ty, c, i))
			}
		}
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("vectors lack %s", w)
		}
	}
}
