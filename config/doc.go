// Package config loads and validates argod's YAML configuration.
//
// Parsing is strict: an unknown or duplicate key, a value of the wrong type,
// an address that does not parse, a duplicate PoP id or name, a peer equal to
// this PoP or a setting out of range is an *Error naming the file, the line
// and the field. Load either returns a complete, defaulted, valid Config or an
// error; it never returns a partly applied configuration.
//
// The package only reads and checks configuration. It must not open sockets,
// touch the network or start anything.
package config
