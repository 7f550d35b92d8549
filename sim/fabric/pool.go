package fabric

// frameSize is the largest frame the fabric forwards: a 1500-byte MTU
// plus the Ethernet header, rounded up. Larger frames (GSO leaks) are dropped.
const frameSize = 2048

// maxFrame is the largest frame accepted from a PoP.
const maxFrame = 1514

// pool is a fixed set of frame buffers with a free list; it never grows.
type pool struct {
	mem  []byte
	free []uint32
}

func newPool(n int) *pool {
	p := &pool{mem: make([]byte, n*frameSize), free: make([]uint32, n)}
	for i := range p.free {
		p.free[i] = uint32(n - 1 - i)
	}
	return p
}

// get returns a free buffer index, or false when all are in flight.
func (p *pool) get() (uint32, bool) {
	n := len(p.free)
	if n == 0 {
		return 0, false
	}
	i := p.free[n-1]
	p.free = p.free[:n-1]
	return i, true
}

func (p *pool) put(i uint32) { p.free = append(p.free, i) }

func (p *pool) buf(i uint32) []byte {
	off := int(i) * frameSize
	return p.mem[off : off+frameSize : off+frameSize]
}

func (p *pool) capacity() int { return cap(p.free) }
