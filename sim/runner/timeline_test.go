package runner

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argonet/argo/api"
)

// fakeArgod serves handler on a unix socket and returns a client for it.
func fakeArgod(t *testing.T, handler http.HandlerFunc) *api.Client {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "argod.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return api.NewClient(sock)
}

// TestDrainVia: a drain is applied when argod accepts it, skipped when
// argod has no drain endpoint or no BGP, failed otherwise.
func TestDrainVia(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		skip   bool
		fail   bool
	}{
		{"accepted", 200, `{"drain":"draining"}`, false, false},
		{"no endpoint", 404, "404 page not found", true, false},
		{"no BGP", 400, `{"error":"BGP is not configured on this PoP (no bgp section)"}`, true, false},
		{"argod error", 500, `{"error":"boom"}`, false, true},
	}
	for _, c := range cases {
		var got string
		cl := fakeArgod(t, func(w http.ResponseWriter, r *http.Request) {
			got = r.Method + " " + r.URL.Path
			w.WriteHeader(c.status)
			w.Write([]byte(c.body))
		})
		err := drainVia(context.Background(), cl, api.PathDrain)
		var skip *skipError
		switch {
		case c.skip && !errors.As(err, &skip):
			t.Errorf("%s: %v, want skipped", c.name, err)
		case c.fail && (err == nil || errors.As(err, &skip)):
			t.Errorf("%s: %v, want failed", c.name, err)
		case !c.skip && !c.fail && err != nil:
			t.Errorf("%s: %v", c.name, err)
		}
		if got != "POST "+api.PathDrain {
			t.Errorf("%s: argod got %q", c.name, got)
		}
		if c.skip && !strings.Contains(err.Error(), "drain unsupported") {
			t.Errorf("%s: note %q", c.name, err)
		}
	}
}
