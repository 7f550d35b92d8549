package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/argonet/argo/api"
)

// listenAPI opens the unix socket at path with the given mode. A stale socket
// left by a crashed argod is replaced; a socket that a live argod still
// answers on is an error.
func listenAPI(path string, mode os.FileMode) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("api socket directory: %w", err)
	}
	if _, err := os.Stat(path); err == nil {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("api socket %s: another argod is listening on it", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("api socket %s: removing stale socket: %w", path, err)
		}
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("api socket: %w", err)
	}
	if err := os.Chmod(path, mode); err != nil {
		l.Close()
		return nil, fmt.Errorf("api socket %s: chmod: %w", path, err)
	}
	return l, nil
}

// badRequest marks an error caused by the request (HTTP 400).
type badRequest struct{ error }

// notFound marks an unknown resource (HTTP 404).
type notFound struct{ error }

// get serves a read-only JSON document.
func get[T any](log *slog.Logger, fn func() (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			writeErr(w, log, http.StatusMethodNotAllowed, fmt.Errorf("%s needs GET", r.URL.Path))
			return
		}
		v, err := fn()
		reply(w, log, v, err)
	}
}

// methods dispatches on the request method.
func methods(log *slog.Logger, m map[string]http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h, ok := m[r.Method]
		if !ok {
			writeErr(w, log, http.StatusMethodNotAllowed, fmt.Errorf("%s does not take %s", r.URL.Path, r.Method))
			return
		}
		h.ServeHTTP(w, r)
	}
}

// post serves a JSON request whose body decodes strictly into In.
func post[In, Out any](log *slog.Logger, fn func(In) (Out, error)) http.HandlerFunc {
	return body(log, http.MethodPost, fn)
}

// del is post for the DELETE method.
func del[In, Out any](log *slog.Logger, fn func(In) (Out, error)) http.HandlerFunc {
	return body(log, http.MethodDelete, fn)
}

func body[In, Out any](log *slog.Logger, method string, fn func(In) (Out, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			writeErr(w, log, http.StatusMethodNotAllowed, fmt.Errorf("%s needs %s", r.URL.Path, method))
			return
		}
		var in In
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil && !errors.Is(err, io.EOF) {
			writeErr(w, log, http.StatusBadRequest, fmt.Errorf("request body: %v", err))
			return
		}
		v, err := fn(in)
		reply(w, log, v, err)
	}
}

func reply(w http.ResponseWriter, log *slog.Logger, v any, err error) {
	var br badRequest
	var nf notFound
	switch {
	case errors.As(err, &br):
		writeErr(w, log, http.StatusBadRequest, err)
	case errors.As(err, &nf):
		writeErr(w, log, http.StatusNotFound, err)
	case err != nil:
		writeErr(w, log, http.StatusInternalServerError, err)
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
}

func writeErr(w http.ResponseWriter, log *slog.Logger, code int, err error) {
	log.Debug("api request failed", "status", code, "err", err)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(api.Error{Error: err.Error()})
}
