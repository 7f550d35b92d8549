package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// DefaultSocket is where argod listens unless configured otherwise.
const DefaultSocket = "/run/argo/argod.sock"

// Client talks to one argod over its unix socket.
type Client struct {
	Socket string
	hc     *http.Client
}

// NewClient returns a client for the argod listening on socket.
func NewClient(socket string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
	}
	return &Client{Socket: socket, hc: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// NotRunningError reports that no argod answered on the socket.
type NotRunningError struct {
	Socket string
	Err    error
}

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("cannot reach argod at %s: %v (is argod running? set --socket or ARGO_SOCKET)", e.Socket, e.Err)
}

func (e *NotRunningError) Unwrap() error { return e.Err }

// Get fetches path into out.
func (c *Client) Get(ctx context.Context, path string, out any) error {
	return c.do(ctx, http.MethodGet, path, nil, out)
}

// Post sends in as JSON to path and decodes the answer into out (may be nil).
func (c *Client) Post(ctx context.Context, path string, in, out any) error {
	return c.do(ctx, http.MethodPost, path, in, out)
}

// Delete sends in as JSON with method DELETE.
func (c *Client) Delete(ctx context.Context, path string, in, out any) error {
	return c.do(ctx, http.MethodDelete, path, in, out)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://argod"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return &NotRunningError{Socket: c.Socket, Err: op.Err}
		}
		return fmt.Errorf("argod at %s: %w", c.Socket, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e Error
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("argod: %s", e.Error)
		}
		return fmt.Errorf("argod: %s", resp.Status)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("argod sent an invalid answer for %s: %w", path, err)
	}
	return nil
}
