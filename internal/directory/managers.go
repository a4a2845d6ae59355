package directory

// ManagerRef is what a source row says of a user's manager: the cell's
// value (a login, or the value of the attribute mapping.manager.by names)
// and the row it came from, for messages.
type ManagerRef struct {
	Value  string
	Origin string
}

// SetManager records the manager the source gives the user with login key
// lk (desired directories only).
func (d *Directory) SetManager(lk string, ref ManagerRef) {
	if d.Managers == nil {
		d.Managers = make(map[string]ManagerRef)
	}
	d.Managers[lk] = ref
}
