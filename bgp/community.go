package bgp

import (
	"fmt"
	"strings"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// communityGracefulShutdown is GRACEFUL_SHUTDOWN (65535:0, RFC 8326). A
// draining speaker adds it so that receivers which honour it lower the
// route's preference at once.
const communityGracefulShutdown = 0xFFFF0000

// wellKnownCommunities maps the names accepted in Announcement.Communities
// to their values (RFC 1997, RFC 8326).
var wellKnownCommunities = map[string]uint32{
	"no-export":         0xFFFFFF01,
	"no-advertise":      0xFFFFFF02,
	"graceful-shutdown": communityGracefulShutdown,
}

// communities is the parsed form of Announcement.Communities.
type communities struct {
	standard []uint32
	large    []*bgp.LargeCommunity
}

// parseCommunities parses standard ("65000:100"), large ("1:2:3") and
// well-known ("no-export") communities. The error names the entry at fault.
func parseCommunities(list []string) (communities, error) {
	var c communities
	for i, s := range list {
		if v, ok := wellKnownCommunities[strings.ToLower(s)]; ok {
			c.standard = append(c.standard, v)
			continue
		}
		parts := strings.Split(s, ":")
		switch len(parts) {
		case 2:
			hi, err := parseDecimal(parts[0], 0xFFFF)
			if err != nil {
				return communities{}, fmt.Errorf("[%d] %q: first half: %w", i, s, err)
			}
			lo, err := parseDecimal(parts[1], 0xFFFF)
			if err != nil {
				return communities{}, fmt.Errorf("[%d] %q: second half: %w", i, s, err)
			}
			c.standard = append(c.standard, uint32(hi<<16|lo))
		case 3:
			var v [3]uint64
			for j, p := range parts {
				n, err := parseDecimal(p, 0xFFFFFFFF)
				if err != nil {
					return communities{}, fmt.Errorf("[%d] %q: large community part %d: %w", i, s, j+1, err)
				}
				v[j] = n
			}
			c.large = append(c.large, bgp.NewLargeCommunity(uint32(v[0]), uint32(v[1]), uint32(v[2])))
		default:
			return communities{}, fmt.Errorf("[%d] %q: want \"asn:value\", \"asn:x:y\" or one of no-export, no-advertise, graceful-shutdown", i, s)
		}
	}
	return c, nil
}
