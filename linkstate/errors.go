package linkstate

import "fmt"

func errSelf(origin uint16, name string) error {
	return fmt.Errorf("table of origin %d from %q claims to be this PoP's own", origin, name)
}

func errMismatch(origin uint16, name string, metaID uint16) error {
	return fmt.Errorf("table of origin %d from member %q, whose node meta says PoP id %d", origin, name, metaID)
}

func errConflict(origin uint16, name, other string) error {
	return fmt.Errorf("table of origin %d from %q, but member %q also claims PoP id %d", origin, name, other, origin)
}
