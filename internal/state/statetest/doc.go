// Package statetest holds the behaviour tests every state.Store
// implementation must pass. Each implementation's tests call
// RunStoreSuite with an Opener that opens a store on a fresh database
// private to the test, and other stores on that same database.
//
// The lock tests open their stores with a fake clock (state.Options.Clock)
// and show, without timing, that a Lock which may wait is refused and
// waits while another store holds the lock, and takes it only once that
// store releases it; they fail if the second Lock returns at once, as it
// would if the lock were not exclusive.
package statetest
